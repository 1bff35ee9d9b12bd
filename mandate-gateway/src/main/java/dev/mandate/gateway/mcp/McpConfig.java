package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.config.Durations;
import dev.mandate.config.EnvReferences;
import dev.mandate.gateway.ConfigUnits;
import dev.mandate.gateway.Secret;
import dev.mandate.wire.McpNames;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The MCP front end's configuration: the {@code mcp:} section of the gateway configuration.
 * Immutable; built only by {@link #parse}, which is strict (an unknown key, a missing required key
 * or a value of the wrong type is an error naming the key).
 *
 * <pre>{@code
 * mcp:
 *   pathPrefix: /mcp              # every upstream's path is under it (default /mcp)
 *   maxRequestBody: 1MiB          # larger POST bodies get 413 (default 1MiB)
 *   maxUpstreamMessage: 16MiB     # an upstream message larger than this ends the upstream session
 *   callTimeout: 60s              # a request the upstream has not answered by then gets an error
 *   sessionIdleTimeout: 30m       # sessions unused this long are closed (their child stopped)
 *   allowedOrigins: []            # browser Origins allowed to call; any other Origin gets 403
 *   upstreams:
 *     - service: fs               # the request's service, as in grants fs:read_text_file:/data/**
 *       path: /mcp/fs             # where agents reach it on the gateway
 *       maxSessions: 16           # agent sessions (for stdio: child processes) at once
 *       stdio:                    # spawn one child per agent session ...
 *         command: node
 *         args: [/opt/mcp/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js, /srv]
 *         env: {LOG_LEVEL: info}  # the child gets PATH and these only; ${VAR} reads the gateway's
 *         workingDir: /srv
 *       # http: {url: http://127.0.0.1:3001/mcp, headers: {Authorization: "Bearer ${FS_TOKEN}"}}
 *       tools:                    # the tools that exist; calls to any other tool are refused
 *         read_text_file: {resource: {fromArg: path, root: /srv}}   # resource /x for /srv/x
 *         move_file: {resource: {fromArg: [source, destination], root: /srv}}  # both checked
 *         read_multiple_files: {resource: {fromArray: paths, root: /srv}}  # each path checked
 *         echo: {}                # no resource mapping: the resource is empty (grant it with *)
 *         status: {resource: {value: server}}
 *       resources: true           # forward resources/read as action resources.read, resource = URI
 *       prompts: true             # forward prompts/get as action prompts.get, resource = name
 * }</pre>
 *
 * @param pathPrefix the path all upstream paths are under
 * @param upstreams the MCP servers behind the gateway, each at its own path
 * @param maxRequestBytes the largest accepted POST body, in bytes
 * @param maxUpstreamMessageBytes the largest accepted message from an upstream, in bytes
 * @param callTimeout how long a forwarded request may wait for the upstream's answer (SSE answers
 *     carry keep-alive comments meanwhile; for clients that accept only JSON, keep the gateway's
 *     {@code limits.idleTimeout} above it)
 * @param sessionIdleTimeout how long an agent session may stay unused before it is closed
 * @param allowedOrigins the {@code Origin} header values accepted (requests without one are
 *     accepted; MCP clients outside browsers send none)
 */
public record McpConfig(
    String pathPrefix,
    List<Upstream> upstreams,
    long maxRequestBytes,
    long maxUpstreamMessageBytes,
    Duration callTimeout,
    Duration sessionIdleTimeout,
    Set<String> allowedOrigins) {

  static final long DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
  static final long DEFAULT_MAX_UPSTREAM_MESSAGE_BYTES = 16 * 1024 * 1024;
  static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);
  static final Duration DEFAULT_SESSION_IDLE_TIMEOUT = Duration.ofMinutes(30);
  static final int DEFAULT_MAX_SESSIONS = 16;

  public McpConfig {
    upstreams = List.copyOf(upstreams);
    allowedOrigins = Set.copyOf(allowedOrigins);
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(sessionIdleTimeout, "sessionIdleTimeout");
  }

  /**
   * One MCP server behind the gateway.
   *
   * @param service the service id requests are checked with
   * @param path the path agents reach it at, such as {@code /mcp/fs}
   * @param transport how the gateway reaches it
   * @param tools the tools that exist, by name; calls to other tools are refused
   * @param resources whether {@code resources/read} is forwarded (checked as {@value
   *     McpNames#RESOURCES_READ_ACTION})
   * @param prompts whether {@code prompts/get} is forwarded (checked as {@value
   *     McpNames#PROMPTS_GET_ACTION})
   * @param maxSessions the most agent sessions at once (for stdio, the most child processes)
   */
  public record Upstream(
      String service,
      String path,
      Transport transport,
      Map<String, ResourceRule> tools,
      boolean resources,
      boolean prompts,
      int maxSessions) {
    public Upstream {
      tools = Map.copyOf(tools);
    }
  }

  /** How the gateway reaches an upstream. */
  public sealed interface Transport permits Stdio, Http {}

  /**
   * A child process speaking MCP over stdin/stdout, one per agent session.
   *
   * @param command the program, such as {@code node}
   * @param args its arguments, such as the server's installed entry point and its options
   * @param env variables for the child; it gets these and {@code PATH} only, not the gateway's
   *     environment
   * @param workingDir the child's working directory, or null for the gateway's
   */
  public record Stdio(String command, List<String> args, Map<String, Secret> env, Path workingDir)
      implements Transport {
    public Stdio {
      args = List.copyOf(args);
      env = Map.copyOf(env);
    }
  }

  /**
   * An MCP server reached over Streamable HTTP; the gateway opens one upstream session per agent
   * session.
   *
   * @param url the server's MCP endpoint
   * @param headers headers the gateway adds (the upstream's credentials; the agent never sees them)
   */
  public record Http(URI url, Map<String, Secret> headers) implements Transport {
    public Http {
      headers = Map.copyOf(headers);
    }
  }

  /** How a tool call's {@code resource} is built. */
  public sealed interface ResourceRule permits FromArguments, Fixed {}

  /**
   * The resources are arguments of the call: each named argument is a string ({@code fromArg}), or
   * for a batch tool a non-empty array of strings ({@code fromArray}; a string is refused there,
   * and an array is refused for {@code fromArg}, so the gateway never reads an argument differently
   * from the upstream). The first value is the request's resource, every other one a further
   * resource the grants must cover as well (spec §5), so a move is checked at its source and its
   * destination, and a batch read at every file. With a root, each value must be an absolute path
   * equal to or under it, and its resource is the path relative to the root with a leading {@code
   * /} (so {@code /srv/data/x} under root {@code /srv} is {@code /data/x}); anything else is
   * refused, because the gateway and the upstream must agree on what the path names.
   *
   * @param arguments the arguments' names, at least one, in order
   * @param arrays whether each argument is an array of strings rather than a string
   * @param root the upstream's directory that resource {@code /} stands for, or null
   */
  public record FromArguments(List<String> arguments, boolean arrays, String root)
      implements ResourceRule {
    /**
     * @throws IllegalArgumentException if no argument is named
     */
    public FromArguments {
      arguments = List.copyOf(arguments);
      if (arguments.isEmpty()) {
        throw new IllegalArgumentException("name at least one argument");
      }
    }
  }

  /**
   * The resource is a constant ({@code ""} when a tool has no resource mapping).
   *
   * @param value the resource
   */
  public record Fixed(String value) implements ResourceRule {}

  /**
   * Parses the {@code mcp:} section.
   *
   * @param section the section as parsed YAML or JSON
   * @param baseDir the directory relative paths are resolved against (the configuration file's)
   * @param env the environment {@code ${VAR}} references are read from
   * @return the configuration
   * @throws McpConfigException if the section is invalid; the message names the key
   */
  public static McpConfig parse(JsonNode section, Path baseDir, Map<String, String> env) {
    Objects.requireNonNull(baseDir, "baseDir");
    Objects.requireNonNull(env, "env");
    return new Parser(baseDir, env).config(section);
  }

  private static final class Parser {
    private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_.~-]+)+");

    private final Path baseDir;
    private final Map<String, String> env;

    Parser(Path baseDir, Map<String, String> env) {
      this.baseDir = baseDir;
      this.env = env;
    }

    McpConfig config(JsonNode node) {
      object("mcp", node);
      allowKeys(
          "mcp",
          node,
          "pathPrefix",
          "upstreams",
          "maxRequestBody",
          "maxUpstreamMessage",
          "callTimeout",
          "sessionIdleTimeout",
          "allowedOrigins");
      JsonNode list = node.get("upstreams");
      if (list == null || !list.isArray() || list.isEmpty()) {
        throw fail("mcp.upstreams", "is required: a list of at least one upstream");
      }
      String prefix = "/mcp";
      if (node.hasNonNull("pathPrefix")) {
        prefix = text("mcp.pathPrefix", node.get("pathPrefix"));
        if (!PATH.matcher(prefix).matches()) {
          throw fail(
              "mcp.pathPrefix",
              "must be an absolute path of plain segments without a trailing /, such as /mcp;"
                  + " got '"
                  + prefix
                  + "'");
        }
      }
      List<Upstream> upstreams = new ArrayList<>();
      Set<String> paths = new LinkedHashSet<>();
      Set<String> services = new LinkedHashSet<>();
      for (int i = 0; i < list.size(); i++) {
        Upstream u = upstream("mcp.upstreams[" + i + "]", list.get(i));
        if (!u.path().startsWith(prefix + "/")) {
          throw fail(
              "mcp.upstreams[" + i + "].path", "must be under mcp.pathPrefix " + prefix + "/");
        }
        if (!paths.add(u.path())) {
          throw fail("mcp.upstreams[" + i + "].path", "'" + u.path() + "' is used twice");
        }
        if (!services.add(u.service())) {
          throw fail("mcp.upstreams[" + i + "].service", "'" + u.service() + "' is used twice");
        }
        upstreams.add(u);
      }
      Set<String> origins = new LinkedHashSet<>();
      JsonNode o = node.get("allowedOrigins");
      if (o != null && !o.isNull()) {
        if (!o.isArray()) {
          throw fail("mcp.allowedOrigins", "must be a list of origins such as https://app.example");
        }
        for (JsonNode e : o) {
          origins.add(text("mcp.allowedOrigins[]", e));
        }
      }
      return new McpConfig(
          prefix,
          upstreams,
          size("mcp.maxRequestBody", node.get("maxRequestBody"), DEFAULT_MAX_REQUEST_BYTES),
          size(
              "mcp.maxUpstreamMessage",
              node.get("maxUpstreamMessage"),
              DEFAULT_MAX_UPSTREAM_MESSAGE_BYTES),
          duration("mcp.callTimeout", node.get("callTimeout"), DEFAULT_CALL_TIMEOUT),
          duration(
              "mcp.sessionIdleTimeout",
              node.get("sessionIdleTimeout"),
              DEFAULT_SESSION_IDLE_TIMEOUT),
          origins);
    }

    private Upstream upstream(String where, JsonNode node) {
      object(where, node);
      allowKeys(
          where,
          node,
          "service",
          "path",
          "stdio",
          "http",
          "tools",
          "resources",
          "prompts",
          "maxSessions");
      String service = text(where + ".service", node.get("service"));
      if (!SERVICE.matcher(service).matches()) {
        throw fail(
            where + ".service",
            "must be 1 to 64 of A-Z a-z 0-9 _ . - (it is a grant's service part); got '"
                + service
                + "'");
      }
      String path = text(where + ".path", node.get("path"));
      if (!PATH.matcher(path).matches()) {
        throw fail(
            where + ".path",
            "must be an absolute path of plain segments without a trailing /, such as /mcp/fs;"
                + " got '"
                + path
                + "'");
      }
      JsonNode stdio = node.get("stdio");
      JsonNode http = node.get("http");
      if ((stdio == null) == (http == null)) {
        throw fail(where, "needs exactly one of stdio: or http:");
      }
      Transport transport =
          stdio != null ? stdio(where + ".stdio", stdio) : http(where + ".http", http);
      Map<String, ResourceRule> tools = tools(where + ".tools", node.get("tools"));
      int maxSessions =
          (int) integer(where + ".maxSessions", node.get("maxSessions"), DEFAULT_MAX_SESSIONS);
      if (maxSessions < 1 || maxSessions > 10_000) {
        throw fail(where + ".maxSessions", "must be between 1 and 10000; got " + maxSessions);
      }
      return new Upstream(
          service,
          path,
          transport,
          tools,
          bool(where + ".resources", node.get("resources")),
          bool(where + ".prompts", node.get("prompts")),
          maxSessions);
    }

    private Stdio stdio(String where, JsonNode node) {
      object(where, node);
      allowKeys(where, node, "command", "args", "env", "workingDir");
      String command = text(where + ".command", node.get("command"));
      List<String> args = new ArrayList<>();
      JsonNode a = node.get("args");
      if (a != null && !a.isNull()) {
        if (!a.isArray()) {
          throw fail(where + ".args", "must be a list of strings");
        }
        for (int i = 0; i < a.size(); i++) {
          args.add(text(where + ".args[" + i + "]", a.get(i)));
        }
      }
      Map<String, Secret> envVars = secrets(where + ".env", node.get("env"));
      JsonNode wd = node.get("workingDir");
      Path workingDir =
          wd == null || wd.isNull()
              ? null
              : baseDir.resolve(text(where + ".workingDir", wd)).normalize();
      return new Stdio(command, args, envVars, workingDir);
    }

    private Http http(String where, JsonNode node) {
      object(where, node);
      allowKeys(where, node, "url", "headers");
      String text = text(where + ".url", node.get("url"));
      URI url;
      try {
        url = new URI(text);
      } catch (URISyntaxException e) {
        throw fail(where + ".url", "is not a URL: " + e.getMessage());
      }
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
        throw fail(where + ".url", "must be an http:// or https:// URL; got '" + text + "'");
      }
      return new Http(url, secrets(where + ".headers", node.get("headers")));
    }

    private Map<String, ResourceRule> tools(String where, JsonNode node) {
      if (node == null || !node.isObject() || node.isEmpty()) {
        throw fail(where, "is required: a map from each tool that exists to its mapping");
      }
      Map<String, ResourceRule> tools = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String name = e.getKey();
        String at = where + "." + name;
        if (name.isEmpty()
            || name.length() > 128
            || name.chars().anyMatch(c -> c == ':' || c == '/' || c <= ' ' || c == 0x7f)) {
          throw fail(at, "is not a usable tool name (1 to 128 chars, no ':', '/' or spaces)");
        }
        if (name.equals(McpNames.RESOURCES_READ_ACTION)
            || name.equals(McpNames.PROMPTS_GET_ACTION)) {
          throw fail(
              at,
              "is reserved for "
                  + (name.startsWith("r") ? McpNames.RESOURCES_READ : McpNames.PROMPTS_GET));
        }
        tools.put(name, tool(at, e.getValue()));
      }
      return tools;
    }

    private ResourceRule tool(String where, JsonNode node) {
      if (node == null || node.isNull()) {
        return new Fixed("");
      }
      object(where, node);
      allowKeys(where, node, "resource");
      JsonNode r = node.get("resource");
      if (r == null || r.isNull()) {
        return new Fixed("");
      }
      String at = where + ".resource";
      object(at, r);
      allowKeys(at, r, "fromArg", "fromArray", "root", "value");
      if (r.has("value")) {
        if (r.has("fromArg") || r.has("fromArray") || r.has("root")) {
          throw fail(
              at, "takes either value: or fromArg:/fromArray: (with an optional root:), not both");
        }
        return new Fixed(text(at + ".value", r.get("value")));
      }
      if (r.has("fromArg") && r.has("fromArray")) {
        throw fail(at, "takes fromArg: (string arguments) or fromArray: (arrays), not both");
      }
      boolean arrays = r.has("fromArray");
      String key = arrays ? "fromArray" : "fromArg";
      List<String> arguments = argumentNames(at + "." + key, r.get(key));
      JsonNode rootNode = r.get("root");
      String root = null;
      if (rootNode != null && !rootNode.isNull()) {
        root = stripTrailingSlash(text(at + ".root", rootNode));
        if (!normalisedDirectory(root)) {
          throw fail(
              at + ".root",
              "must be an absolute, normalised directory path such as /srv/files; got '"
                  + root
                  + "'");
        }
      }
      return new FromArguments(arguments, arrays, root);
    }

    /** One argument name, or a non-empty list of distinct names. */
    private List<String> argumentNames(String where, JsonNode node) {
      if (node == null || !node.isArray()) {
        return List.of(text(where, node));
      }
      if (node.isEmpty() || node.size() > 8) {
        throw fail(where, "must name between 1 and 8 arguments");
      }
      List<String> names = new ArrayList<>();
      for (int i = 0; i < node.size(); i++) {
        String name = text(where + "[" + i + "]", node.get(i));
        if (names.contains(name)) {
          throw fail(where, "names '" + name + "' twice");
        }
        names.add(name);
      }
      return List.copyOf(names);
    }

    private Map<String, Secret> secrets(String where, JsonNode node) {
      Map<String, Secret> out = new LinkedHashMap<>();
      if (node == null || node.isNull()) {
        return out;
      }
      object(where, node);
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String at = where + "." + e.getKey();
        out.put(e.getKey(), Secret.of(interpolate(at, text(at, e.getValue()))));
      }
      return out;
    }

    private String interpolate(String where, String value) {
      try {
        return EnvReferences.expand(value, env::get);
      } catch (IllegalArgumentException e) {
        throw fail(where, e.getMessage());
      }
    }

    /** An absolute path without empty, "." or ".." segments, backslashes or control chars. */
    private static boolean normalisedDirectory(String root) {
      if (root.isEmpty()) {
        return true;
      }
      if (!root.startsWith("/") || root.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '\\')) {
        return false;
      }
      for (String segment : root.substring(1).split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          return false;
        }
      }
      return true;
    }

    private static String stripTrailingSlash(String path) {
      String p = path;
      while (p.length() > 1 && p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      return p.equals("/") ? "" : p;
    }

    private static void object(String where, JsonNode node) {
      if (node == null || !node.isObject()) {
        throw fail(where, "must be a map");
      }
    }

    private static void allowKeys(String where, JsonNode node, String... allowed) {
      Set<String> ok = Set.of(allowed);
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!ok.contains(key)) {
          throw fail(
              where + "." + key, "is not a known key; allowed: " + String.join(", ", allowed));
        }
      }
    }

    private static String text(String where, JsonNode node) {
      if (node == null || node.isNull()) {
        throw fail(where, "is required");
      }
      if (!node.isTextual() && !node.isNumber() && !node.isBoolean()) {
        throw fail(where, "must be a string");
      }
      String s = node.asText();
      if (s.isEmpty()) {
        throw fail(where, "must not be empty");
      }
      return s;
    }

    private static boolean bool(String where, JsonNode node) {
      if (node == null || node.isNull()) {
        return false;
      }
      if (!node.isBoolean()) {
        throw fail(where, "must be true or false");
      }
      return node.booleanValue();
    }

    private static long integer(String where, JsonNode node, long dflt) {
      if (node == null || node.isNull()) {
        return dflt;
      }
      if (!node.canConvertToLong() || !node.isIntegralNumber()) {
        throw fail(where, "must be a whole number");
      }
      return node.longValue();
    }

    private static Duration duration(String where, JsonNode node, Duration dflt) {
      if (node == null || node.isNull()) {
        return dflt;
      }
      Duration d;
      try {
        d = Durations.parse(node.asText());
      } catch (IllegalArgumentException e) {
        throw fail(where, "must be a positive duration: " + e.getMessage());
      }
      if (d.isZero()) {
        throw fail(where, "must be a positive duration, got " + node.asText());
      }
      return d;
    }

    private static long size(String where, JsonNode node, long dflt) {
      if (node == null || node.isNull()) {
        return dflt;
      }
      OptionalLong bytes = ConfigUnits.bytes(node.asText());
      if (bytes.isEmpty() || bytes.getAsLong() == 0) {
        throw fail(
            where,
            "is a positive number of bytes, optionally with a unit (KiB, MiB, GiB, KB, MB, GB),"
                + " such as 1MiB; got '"
                + node.asText()
                + "'");
      }
      return bytes.getAsLong();
    }

    private static McpConfigException fail(String where, String problem) {
      return new McpConfigException(where + " " + problem);
    }
  }
}
