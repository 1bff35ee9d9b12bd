package dev.mandate.demo.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.demo.scenarios.Scenario.Suite;
import dev.mandate.demo.scenarios.Scenario.UserTask;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.sdk.RequestShape;
import dev.mandate.sdk.RequestShape.ResourceRule;
import dev.mandate.testkit.GatewayYaml;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.Stack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * One suite's world, run on a {@link Stack}: the policy that lets the orchestrator mint exactly the
 * grants the suite's user tasks name, the gateway's MCP upstreams (the npm filesystem and memory
 * servers, and this package's mail, bank, calendar and chat servers, which keep their state in JSON
 * files that {@link #reset} rewrites before every run), and the files and state they work on.
 */
record SuiteWorld(Suite suite, Path root, Path files, Path state) {
  static final String AUDIENCE = "scenario-gateway";
  static final String ORCHESTRATOR = "orchestrator";

  /** The suite's user: an authority client that approves calls for the group of the same name. */
  static final String APPROVER = "owner";

  static final String INJECTION_MARK = "<INFORMATION>";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The tools each upstream exposes through the gateway, with the argument a call's resource comes
   * from ("" for none; "a,b" for a call on two paths, both checked; "paths[]" for an array of
   * paths, each checked; "to;cc,bcc" for a resource argument with optional ones after the
   * semicolon, checked when present). The gateway configuration and the wallets' request shapes are
   * both made from this table, so they cannot disagree.
   */
  static final Map<String, Map<String, String>> TOOLS = tools();

  private static Map<String, Map<String, String>> tools() {
    Map<String, Map<String, String>> t = new LinkedHashMap<>();
    t.put(
        "fs",
        ordered(
            "read_text_file",
            "path",
            "list_directory",
            "path",
            "write_file",
            "path",
            "edit_file",
            "path",
            "create_directory",
            "path",
            "move_file",
            "source,destination",
            "read_multiple_files",
            "paths[]",
            "get_file_info",
            "path",
            "search_files",
            "path"));
    t.put(
        "memory",
        ordered(
            "read_graph",
            "",
            "search_nodes",
            "",
            "open_nodes",
            "",
            "create_entities",
            "",
            "add_observations",
            "",
            "delete_entities",
            "",
            "delete_observations",
            ""));
    t.put(
        "mail",
        ordered(
            "list_emails",
            "folder",
            "read_email",
            "id",
            "search_emails",
            "",
            "send_email",
            "to;cc,bcc",
            "delete_email",
            "id",
            "list_contacts",
            ""));
    t.put(
        "bank",
        ordered(
            "get_balance",
            "",
            "list_transactions",
            "",
            "list_scheduled",
            "",
            "send_money",
            "iban",
            "schedule_transaction",
            "iban",
            "update_scheduled_transaction",
            "id",
            "get_user_info",
            "",
            "update_user_info",
            "",
            "update_password",
            ""));
    t.put(
        "calendar",
        ordered(
            "list_events",
            "day",
            "get_event",
            "id",
            "search_events",
            "",
            "create_event",
            "day",
            "cancel_event",
            "id",
            "add_participants",
            "id"));
    t.put(
        "chat",
        ordered(
            "list_channels",
            "",
            "read_channel",
            "channel",
            "post_message",
            "channel",
            "read_inbox",
            "",
            "send_dm",
            "user",
            "add_user_to_channel",
            "channel",
            "remove_user",
            "user",
            "get_webpage",
            "url",
            "post_webpage",
            "url"));
    return Map.copyOf(t);
  }

  private static Map<String, String> ordered(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  /** The world of a suite in {@code dir}: its files and its servers' state, not yet written. */
  static SuiteWorld create(Suite suite, Path dir) throws IOException {
    Path root = Files.createDirectories(dir).toRealPath();
    return new SuiteWorld(
        suite,
        root,
        Files.createDirectories(root.resolve("files")),
        Files.createDirectories(root.resolve("state")));
  }

  /** Starts the suite's authority (SQLite in the world's directory). */
  Stack startAuthority() throws IOException {
    return Stack.builder(root)
        .policy(policy(suite))
        .clients(ORCHESTRATOR, "gateway", APPROVER)
        .start();
  }

  /**
   * Starts the stack's gateway with the suite's MCP servers.
   *
   * @param nodeDir the installed MCP servers (see {@link NodeServers})
   */
  GatewayServer startGateway(Stack stack, NodeServers nodeDir) throws IOException {
    return stack.startGateway(
        gatewayYaml(stack.gatewayYaml(AUDIENCE), files, state, nodeDir),
        (yaml, file, env) -> GatewayServer.start(GatewayConfig.parse(yaml, file, env)));
  }

  /**
   * The policy: the orchestrator may mint, holder-bound and for this gateway, the suite's grants; a
   * grant named in the suite's {@code templates} carries that template's constraints, which the
   * authority puts on what it mints (with the suite's {@code parameters}).
   */
  static String policy(Suite suite) {
    TreeSet<String> grants = new TreeSet<>(grants(suite));
    StringBuilder y = new StringBuilder();
    y.append("version: 1\nclients:\n  ").append(ORCHESTRATOR).append(":\n");
    y.append("    description: the ").append(suite.name()).append(" suite's agent runtime\n");
    y.append("    grants:\n");
    for (String g : grants) {
      Scenario.TemplateSpec t = suite.templates().get(g);
      if (t == null) {
        y.append("      - ").append(JSON.valueToTree(g).toString()).append('\n');
        continue;
      }
      y.append("      - grant: ").append(JSON.valueToTree(g).toString()).append('\n');
      if (!t.arguments().isEmpty()) {
        y.append("        arguments: ")
            .append(JSON.valueToTree(t.arguments()).toString())
            .append('\n');
      }
      if (!t.conditions().isEmpty()) {
        y.append("        conditions: ")
            .append(JSON.valueToTree(t.conditions()).toString())
            .append('\n');
      }
    }
    if (!suite.parameters().isEmpty()) {
      y.append("    parameters:\n");
      suite
          .parameters()
          .forEach(
              (name, p) ->
                  y.append("      ")
                      .append(name)
                      .append(": ")
                      .append(JSON.valueToTree(p.regex()).toString())
                      .append('\n'));
    }
    y.append("    maxTtl: 15m\n    require: [holder, audience]\n");
    y.append("    audiences: [").append(AUDIENCE).append("]\n    maxDepth: 3\n");
    y.append("  ").append(APPROVER).append(":\n");
    y.append("    description: the suite's user, who approves calls that need a person's yes\n");
    y.append("    approves: [").append(APPROVER).append("]\n    maxTtl: 15m\n");
    y.append("  gateway:\n    description: the suite's gateway\n    role: gateway\n");
    return y.toString();
  }

  private static GatewayYaml gatewayYaml(
      GatewayYaml yaml, Path files, Path state, NodeServers node) {
    List<McpUpstream> upstreams = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> u : TOOLS.entrySet()) {
      String service = u.getKey();
      McpUpstream upstream =
          switch (service) {
            case "fs" -> McpUpstream.node(service, node.npmServer("server-filesystem"), files);
            case "memory" ->
                McpUpstream.node(service, node.npmServer("server-memory"))
                    .env("MEMORY_FILE_PATH", state.resolve("memory.jsonl").toString());
            default ->
                McpUpstream.node(
                    service, node.ownServer(service), "--state", state.resolve(service + ".json"));
          };
      u.getValue()
          .forEach(
              (tool, arg) -> {
                if (arg.isEmpty()) {
                  upstream.tool(tool);
                } else if (!service.equals("fs")) {
                  String[] parts = arg.split(";");
                  upstream.toolOnArg(
                      tool, parts[0], parts.length > 1 ? parts[1].split(",") : new String[0]);
                } else if (arg.endsWith("[]")) {
                  upstream.toolOnPaths(tool, files, arg.replace("[]", ""));
                } else {
                  upstream.toolOnPath(tool, files, arg.split(","));
                }
              });
      upstreams.add(upstream);
    }
    return yaml.mcp(List.of("callTimeout: 20s"), upstreams.toArray(McpUpstream[]::new));
  }

  /**
   * The request shape a wallet needs for capabilities presented to {@code service}: the audience
   * and service, which proofs need, and a mirror of the gateway's tool-to-resource rules, which
   * only the scenarios with approvals need (to ask for and match an approval of a call).
   */
  RequestShape shape(String service) {
    Map<String, ResourceRule> rules = new LinkedHashMap<>();
    TOOLS
        .get(service)
        .forEach(
            (tool, arg) ->
                rules.put(
                    tool,
                    arg.isEmpty()
                        ? ResourceRule.fixed("")
                        : service.equals("fs")
                            // An approval names the first resource; the gateway checks the others.
                            ? ResourceRule.argumentUnderRoot(
                                arg.replace("[]", "").split(",")[0], files.toString())
                            : ResourceRule.argument(arg.split(";")[0])));
    return RequestShape.of(AUDIENCE, service).withApprovalMatching(ResourceRule.perTool(rules));
  }

  /**
   * Rewrites every server's state and the filesystem tree from the suite's seed, with {@code
   * injection} in place of each {@code {injection}}.
   */
  void reset(String injection) throws IOException {
    ObjectNode seed = suite.seed();
    try (Stream<Path> walk = Files.walk(files)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(files)) {
          Files.delete(p);
        }
      }
    }
    JsonNode tree = seed.path("files");
    for (Map.Entry<String, JsonNode> f : tree.properties()) {
      Path p = files.resolve(f.getKey()).normalize();
      if (!p.startsWith(files)) {
        throw new IllegalStateException("seed file " + f.getKey() + " is outside the root");
      }
      Files.createDirectories(p.getParent());
      Files.writeString(p, fill(f.getValue().asText(), injection));
    }
    for (String service : List.of("mail", "bank", "calendar", "chat")) {
      JsonNode s = seed.get(service);
      String text = s == null ? "{}" : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s);
      Files.writeString(state.resolve(service + ".json"), fill(text, jsonEscaped(injection)));
    }
    StringBuilder memory = new StringBuilder();
    for (JsonNode entity : seed.path("memory")) {
      ObjectNode e = entity.deepCopy();
      e.put("type", "entity");
      memory.append(fill(JSON.writeValueAsString(e), jsonEscaped(injection))).append('\n');
    }
    Files.writeString(state.resolve("memory.jsonl"), memory.toString());
  }

  /** The current state of a service, as its server keeps it (for checking a task's outcome). */
  String stateOf(String service) throws IOException {
    return switch (service) {
      case "memory" -> Files.readString(state.resolve("memory.jsonl"));
      case "fs" -> {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> walk = Files.walk(files)) {
          for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
            all.append(files.relativize(p)).append('\n').append(Files.readString(p)).append('\n');
          }
        }
        yield all.toString();
      }
      default -> Files.readString(state.resolve(service + ".json"));
    };
  }

  private static String fill(String text, String injection) {
    return text.replace("{injection}", injection);
  }

  private static String jsonEscaped(String text) {
    String quoted = JSON.valueToTree(text).toString();
    return quoted.substring(1, quoted.length() - 1);
  }

  /** The grants the suite's user tasks name, in the order they name them. */
  static Set<String> grants(Suite suite) {
    Set<String> grants = new LinkedHashSet<>();
    for (UserTask t : suite.userTasks()) {
      t.capabilities().values().forEach(c -> c.grants().forEach(g -> grants.add(g.grant())));
    }
    return grants;
  }
}
