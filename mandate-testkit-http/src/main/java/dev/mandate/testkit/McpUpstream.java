package dev.mandate.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One item of a gateway's {@code mcp.upstreams}, as YAML: a server over stdio or Streamable HTTP,
 * the path the gateway serves it on ({@code /mcp/<service>} unless set) and the tools it lets
 * through, each with where its resource comes from.
 */
public final class McpUpstream {
  private final String service;
  private final List<String> nodeArgs;
  private final String url;
  private String path;
  private final Map<String, String> env = new LinkedHashMap<>();
  private final Map<String, String> tools = new LinkedHashMap<>();
  private final List<String> more = new ArrayList<>();

  private McpUpstream(String service, List<String> nodeArgs, String url) {
    this.service = service;
    this.nodeArgs = nodeArgs;
    this.url = url;
    this.path = "/mcp/" + service;
  }

  /** A server the gateway starts with {@code node <args>} for each session. */
  public static McpUpstream node(String service, Object... args) {
    List<String> quoted = new ArrayList<>();
    for (Object a : args) {
      quoted.add(GatewayYaml.quote(a.toString()));
    }
    return new McpUpstream(service, quoted, null);
  }

  /** A server the gateway reaches over Streamable HTTP at {@code url}. */
  public static McpUpstream http(String service, String url) {
    return new McpUpstream(service, null, url);
  }

  /** A tool whose calls name no resource. */
  public McpUpstream tool(String name) {
    tools.put(name, "{}");
    return this;
  }

  /**
   * A tool whose resource is the path in each of {@code args} (all checked), under {@code root}.
   */
  public McpUpstream toolOnPath(String name, Path root, String... args) {
    String from = args.length == 1 ? args[0] : "[" + String.join(", ", args) + "]";
    tools.put(
        name,
        "{resource: {fromArg: " + from + ", root: " + GatewayYaml.quote(root.toString()) + "}}");
    return this;
  }

  /** A tool whose resources are the paths in the array argument {@code arg}, under {@code root}. */
  public McpUpstream toolOnPaths(String name, Path root, String arg) {
    tools.put(
        name,
        "{resource: {fromArray: " + arg + ", root: " + GatewayYaml.quote(root.toString()) + "}}");
    return this;
  }

  /**
   * A tool whose resource is the value of the argument {@code arg}, and, when present, the values
   * of the {@code optional} arguments too (each checked; absent adds nothing).
   */
  public McpUpstream toolOnArg(String name, String arg, String... optional) {
    tools.put(
        name,
        "{resource: {fromArg: "
            + arg
            + (optional.length == 0 ? "" : ", optional: [" + String.join(", ", optional) + "]")
            + "}}");
    return this;
  }

  public McpUpstream path(String path) {
    this.path = path;
    return this;
  }

  /** An environment variable of the server's process (stdio only). */
  public McpUpstream env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /** A further key of the upstream, as YAML ({@code "maxSessions: 8"}, {@code "prompts: true"}). */
  public McpUpstream with(String yamlLine) {
    more.add(yamlLine);
    return this;
  }

  /** This upstream as a YAML list item, indented for {@code mcp.upstreams}. */
  String yaml() {
    StringBuilder y = new StringBuilder();
    y.append("  - service: ").append(service).append('\n');
    y.append("    path: ").append(path).append('\n');
    if (url != null) {
      y.append("    http: {url: ").append(GatewayYaml.quote(url)).append("}\n");
    } else {
      y.append("    stdio: {command: node, args: [")
          .append(String.join(", ", nodeArgs))
          .append(']');
      if (!env.isEmpty()) {
        List<String> pairs = new ArrayList<>();
        env.forEach((k, v) -> pairs.add(k + ": " + GatewayYaml.quote(v)));
        y.append(", env: {").append(String.join(", ", pairs)).append('}');
      }
      y.append("}\n");
    }
    for (String m : more) {
      y.append("    ").append(m).append('\n');
    }
    y.append("    tools:\n");
    tools.forEach(
        (name, spec) -> y.append("      ").append(name).append(": ").append(spec).append('\n'));
    return y.toString();
  }
}
