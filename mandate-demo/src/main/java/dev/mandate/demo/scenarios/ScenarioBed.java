package dev.mandate.demo.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.demo.scenarios.Scenario.Suite;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.sdk.RequestShape;
import dev.mandate.sdk.RequestShape.ResourceRule;
import dev.mandate.token.Request;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * One suite's world: a real authority (SQLite in a temporary directory) whose policy lets the
 * orchestrator mint exactly the grants the suite's user tasks name, a real gateway with the MCP
 * front end, and real MCP servers behind it (the npm filesystem and memory servers, and this
 * package's mail, bank, calendar and chat servers, which keep their state in JSON files that {@link
 * #reset} rewrites before every run).
 */
final class ScenarioBed implements AutoCloseable {
  static final String AUDIENCE = "scenario-gateway";
  static final String ORCHESTRATOR = "orchestrator";

  /** The suite's user: an authority client that approves calls for the group of the same name. */
  static final String APPROVER = "owner";

  static final String INJECTION_MARK = "<INFORMATION>";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The tools each upstream exposes through the gateway, with the argument a call's resource comes
   * from ("" for none; "a,b" for a call on two paths, both checked; "paths[]" for an array of
   * paths, each checked). The gateway configuration and the wallets' request shapes are both made
   * from this table, so they cannot disagree.
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
            "to",
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

  final Suite suite;
  final Path root;
  final Path files;
  final AuthorityServer authority;
  final GatewayServer gateway;
  final String orchestratorSecret;
  private final Path state;
  private final String adminAuth;
  private final String approverAuth;
  private final HttpClient http = HttpClient.newHttpClient();

  private ScenarioBed(
      Suite suite,
      Path root,
      Path files,
      Path state,
      AuthorityServer authority,
      GatewayServer gateway,
      String adminAuth,
      String orchestratorSecret,
      String approverAuth) {
    this.suite = suite;
    this.root = root;
    this.files = files;
    this.state = state;
    this.authority = authority;
    this.gateway = gateway;
    this.adminAuth = adminAuth;
    this.orchestratorSecret = orchestratorSecret;
    this.approverAuth = approverAuth;
  }

  /**
   * Starts the authority and the gateway for a suite in {@code dir}.
   *
   * @param nodeDir the installed MCP servers (see {@link NodeServers})
   */
  static ScenarioBed start(Suite suite, Path dir, NodeServers nodeDir) throws IOException {
    Path root = Files.createDirectories(dir).toRealPath();
    Path files = Files.createDirectories(root.resolve("files"));
    Path state = Files.createDirectories(root.resolve("state"));
    Path policy = root.resolve("policy.yaml");
    Files.writeString(policy, policy(suite));
    AuthorityServer authority =
        AuthorityServer.start(
            AuthorityConfig.builder(root.resolve("authority"))
                .port(0)
                .policyFile(policy)
                .clock(Clock.systemUTC())
                .policyReloadInterval(Duration.ZERO)
                .shutdownTimeout(Duration.ofSeconds(2))
                .environment(Map.of())
                .build());
    GatewayServer gateway = null;
    try {
      String admin =
          basic(
              "admin",
              authority.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow());
      String orchestratorSecret = createClient(authority, admin, ORCHESTRATOR);
      String gatewaySecret = createClient(authority, admin, "gateway");
      String approverAuth = basic(APPROVER, createClient(authority, admin, APPROVER));
      String yaml = gatewayYaml(authority.url(), root, files, state, nodeDir);
      Path configFile = root.resolve("gateway.yaml");
      Files.writeString(configFile, yaml);
      gateway =
          GatewayServer.start(
              GatewayConfig.parse(yaml, configFile, Map.of("GW_SECRET", gatewaySecret)));
      return new ScenarioBed(
          suite, root, files, state, authority, gateway, admin, orchestratorSecret, approverAuth);
    } catch (RuntimeException | IOException e) {
      if (gateway != null) {
        gateway.close();
      }
      authority.close();
      throw e;
    }
  }

  /**
   * The policy: the orchestrator may mint, holder-bound and for this gateway, the suite's grants.
   */
  static String policy(Suite suite) {
    TreeSet<String> grants = new TreeSet<>();
    suite
        .userTasks()
        .forEach(t -> t.capabilities().values().forEach(c -> grants.addAll(c.grants())));
    StringBuilder y = new StringBuilder();
    y.append("version: 1\nclients:\n  ").append(ORCHESTRATOR).append(":\n");
    y.append("    description: the ").append(suite.name()).append(" suite's agent runtime\n");
    y.append("    grants:\n");
    for (String g : grants) {
      y.append("      - ").append(JSON.valueToTree(g).toString()).append('\n');
    }
    y.append("    maxTtl: 15m\n    require: [holder, audience]\n");
    y.append("    audiences: [").append(AUDIENCE).append("]\n    maxDepth: 3\n");
    y.append("  ").append(APPROVER).append(":\n");
    y.append("    description: the suite's user, who approves calls that need a person's yes\n");
    y.append("    approves: [").append(APPROVER).append("]\n    maxTtl: 15m\n");
    y.append("  gateway:\n    description: the suite's gateway\n    role: gateway\n");
    return y.toString();
  }

  private static String gatewayYaml(
      String authorityUrl, Path root, Path files, Path state, NodeServers node) {
    StringBuilder y = new StringBuilder();
    y.append("listen: {host: 127.0.0.1, port: 0}\n");
    y.append("audience: ").append(AUDIENCE).append('\n');
    y.append("authority:\n  url: ").append(authorityUrl).append('\n');
    y.append("  clientId: gateway\n  clientSecretEnv: GW_SECRET\n  maxStaleness: 30s\n");
    y.append("spool: {dir: ").append(q(root.resolve("spool").toString())).append("}\n");
    y.append("mcp:\n  callTimeout: 20s\n  upstreams:\n");
    for (Map.Entry<String, Map<String, String>> u : TOOLS.entrySet()) {
      String service = u.getKey();
      List<String> args = new ArrayList<>();
      Map<String, String> env = new LinkedHashMap<>();
      switch (service) {
        case "fs" -> {
          args.add(node.npmServer("server-filesystem").toString());
          args.add(files.toString());
        }
        case "memory" -> {
          args.add(node.npmServer("server-memory").toString());
          env.put("MEMORY_FILE_PATH", state.resolve("memory.jsonl").toString());
        }
        default -> {
          args.add(node.ownServer(service).toString());
          args.add("--state");
          args.add(state.resolve(service + ".json").toString());
        }
      }
      y.append("    - service: ").append(service).append('\n');
      y.append("      path: /mcp/").append(service).append('\n');
      y.append("      stdio:\n        command: node\n        args: [");
      y.append(String.join(", ", args.stream().map(ScenarioBed::q).toList())).append("]\n");
      if (!env.isEmpty()) {
        y.append("        env: {");
        y.append(
            String.join(
                ", ",
                env.entrySet().stream().map(e -> e.getKey() + ": " + q(e.getValue())).toList()));
        y.append("}\n");
      }
      y.append("      tools:\n");
      u.getValue()
          .forEach(
              (tool, arg) -> {
                y.append("        ").append(tool).append(": ");
                if (arg.isEmpty()) {
                  y.append("{}\n");
                } else if (service.equals("fs")) {
                  y.append("{resource: {")
                      .append(arg.endsWith("[]") ? "fromArray: " : "fromArg: ")
                      .append("[")
                      .append(arg.replace("[]", "").replace(",", ", "))
                      .append("], root: ");
                  y.append(q(files.toString())).append("}}\n");
                } else {
                  y.append("{resource: {fromArg: ").append(arg).append("}}\n");
                }
              });
    }
    return y.toString();
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
                            : ResourceRule.argument(arg)));
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

  /** Revokes one block of a capability at the authority, as an administrator. */
  void revokeBlock(String revocationId) {
    post(
        "/v1/revocations",
        "{\"revocationId\":\"" + revocationId + "\",\"reason\":\"session ended\"}",
        adminAuth,
        201);
  }

  private static String fill(String text, String injection) {
    return text.replace("{injection}", injection);
  }

  private static String jsonEscaped(String text) {
    String quoted = JSON.valueToTree(text).toString();
    return quoted.substring(1, quoted.length() - 1);
  }

  private JsonNode post(String path, String json, String authorization, int expected) {
    return post(http, authority.url() + path, json, authorization, expected);
  }

  private static JsonNode post(
      HttpClient http, String url, String json, String authorization, int expected) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .timeout(Duration.ofSeconds(20))
                  .header("Content-Type", "application/json")
                  .header("Authorization", authorization)
                  .POST(HttpRequest.BodyPublishers.ofString(json))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != expected) {
        throw new IllegalStateException(
            "POST " + url + " answered " + r.statusCode() + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * The suite's user approves exactly this call of the capability with {@code tokenId} at the
   * authority, as group {@code group}; returns the approval.
   */
  String approve(String tokenId, String group, Request request) {
    ObjectNode call = JSON.createObjectNode();
    call.put("audience", request.audience());
    call.put("service", request.service());
    call.put("action", request.action());
    call.put("resource", request.resource());
    call.set("args", request.args());
    ObjectNode body = JSON.createObjectNode();
    body.put("tokenId", tokenId);
    body.put("group", group);
    body.set("request", call);
    body.put("ttl", "2m");
    return post(http, authority.url() + "/v1/approvals", body.toString(), approverAuth, 201)
        .get("approval")
        .asText();
  }

  private static String createClient(AuthorityServer authority, String admin, String id) {
    return post(
            HttpClient.newHttpClient(),
            authority.url() + "/v1/clients",
            "{\"clientId\":\"" + id + "\"}",
            admin,
            201)
        .get("secret")
        .asText();
  }

  private static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static String q(String s) {
    return JSON.valueToTree(s).toString();
  }

  @Override
  public void close() {
    try {
      gateway.close();
    } finally {
      authority.close();
    }
  }
}
