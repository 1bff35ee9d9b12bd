package dev.mandate.gateway.mcp;

import dev.mandate.gateway.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The MCP front end's configuration: the {@code mcp:} section of the gateway configuration, read
 * and checked with the rest of the file by {@link dev.mandate.gateway.GatewayConfig#load} (strict:
 * an unknown key, a missing required key or a value of the wrong type is a problem naming the key
 * and its line, reported with every other problem in the file). Immutable.
 *
 * <pre>{@code
 * mcp:
 *   pathPrefix: /mcp              # every upstream's path is under it (default /mcp)
 *   maxRequestBody: 1MiB          # larger POST bodies get 413 (default 1MiB)
 *   maxUpstreamMessage: 16MiB     # an upstream message larger than this ends the upstream session
 *   callTimeout: 60s              # a request the upstream has not answered by then gets an error
 *   startTimeout: 60s             # starting an upstream session (process and initialize) may take
 *   sessionIdleTimeout: 30m       # sessions unused this long are closed (their child stopped)
 *   allowedOrigins: []            # browser Origins allowed to call; any other Origin gets 403
 *   upstreams:
 *     - service: fs               # the request's service, as in grants fs:read_text_file:/data/**
 *       path: /mcp/fs             # where agents reach it on the gateway
 *       maxSessions: 16           # agent sessions (for stdio: child processes) at once
 *       maxSessionsPerOwner: 4    # of which one capability (token id or holder key) may hold
 *       maxSessionsPerClient: 8   # of which one client address may hold
 *       roots: [{uri: "file:///srv/data", name: data}]  # the roots the gateway gives the
 *                                 # server (default none: the agent's roots never reach it)
 *       allowMethods: [x/stats]   # JSON-RPC methods allowed besides MCP's standard ones
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
 *         send_email: {resource: {fromArray: recipients, optional: [cc, bcc]}}  # cc, bcc if given
 *         update_scheduled: {resource: {fromArg: id}}     # a number: its canonical text, "42"
 *         # Symbolic links under a root are resolved on the gateway's host (stdio: by default).
 *         # hostRoot: where the root is on this host if elsewhere (a container's volume), or none;
 *         # an http upstream resolves only with a hostRoot.
 *         write_file: {resource: {fromArg: path, root: /srv, hostRoot: /srv}}
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
 * @param startTimeout how long opening an upstream session may take: starting a stdio server's
 *     process and its answer to the agent's {@code initialize} (or to the gateway's replay of it
 *     after a restart); a cold start is slower than a call, and should not fail a session because
 *     the calls' bound is short
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
    Duration startTimeout,
    Duration sessionIdleTimeout,
    Set<String> allowedOrigins) {

  /** The MCP revision of sessions opened by {@code initialize} (and the revisions before it). */
  public static final String SESSION_REVISION = "2025-11-25";

  /** The stateless MCP revision: no sessions, every request carrying its own revision. */
  public static final String STATELESS_REVISION = "2026-07-28";

  public McpConfig {
    upstreams = List.copyOf(upstreams);
    allowedOrigins = Set.copyOf(allowedOrigins);
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(startTimeout, "startTimeout");
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
   *     dev.mandate.wire.McpNames#RESOURCES_READ_ACTION})
   * @param prompts whether {@code prompts/get} is forwarded (checked as {@value
   *     dev.mandate.wire.McpNames#PROMPTS_GET_ACTION})
   * @param maxSessions the most agent sessions at once (for stdio, the most child processes)
   * @param maxSessionsPerOwner the most of those one owner may hold (a token id and the
   *     capabilities attenuated from it, or a holder key)
   * @param maxSessionsPerClient the most of those opened from one client address
   * @param roots the roots the gateway answers the server's {@code roots/list} with; empty: the
   *     gateway declares no roots to the server (the agent's own are never passed on)
   * @param allowMethods JSON-RPC methods agents may send besides MCP's standard ones
   * @param revisions the MCP revisions the upstream speaks ({@link Revisions}): {@code 2025-11-25}
   *     (sessions through {@code initialize}), {@code 2026-07-28} (stateless requests; http
   *     upstreams only), or both
   * @param toolDenials how a denied {@code tools/call} is answered
   */
  public record Upstream(
      String service,
      String path,
      Transport transport,
      Map<String, ResourceRule> tools,
      boolean resources,
      boolean prompts,
      int maxSessions,
      int maxSessionsPerOwner,
      int maxSessionsPerClient,
      List<Root> roots,
      Set<String> allowMethods,
      Set<String> revisions,
      ToolDenials toolDenials) {
    /**
     * @throws IllegalArgumentException if a session limit is below 1 or a share exceeds the total,
     *     no revision or an unknown one is named, or a stdio upstream is said to speak 2026-07-28
     */
    public Upstream {
      tools = Map.copyOf(tools);
      roots = List.copyOf(roots);
      allowMethods = Set.copyOf(allowMethods);
      revisions = Set.copyOf(revisions);
      Objects.requireNonNull(toolDenials, "toolDenials");
      if (revisions.isEmpty() || !Revisions.ALL.containsAll(revisions)) {
        throw new IllegalArgumentException("revisions must name " + Revisions.ALL_TEXT);
      }
      if (revisions.contains(Revisions.STATELESS) && !(transport instanceof Http)) {
        throw new IllegalArgumentException(Revisions.STATELESS + " needs an http upstream");
      }
      if (maxSessions < 1
          || maxSessionsPerOwner < 1
          || maxSessionsPerClient < 1
          || maxSessionsPerOwner > maxSessions
          || maxSessionsPerClient > maxSessions) {
        throw new IllegalArgumentException(
            "session limits must be at least 1 and the shares at most maxSessions");
      }
    }

    /** Whether agents may open 2025-11-25 sessions through this upstream. */
    public boolean speaksSessions() {
      return revisions.contains(Revisions.SESSIONS);
    }

    /** Whether agents may send 2026-07-28 stateless requests through this upstream. */
    public boolean speaksStateless() {
      return revisions.contains(Revisions.STATELESS);
    }

    /** A quarter of the sessions (at least one): one capability cannot take every slot. */
    public static int defaultPerOwner(int maxSessions) {
      return Math.max(1, maxSessions / 4);
    }

    /** Half of the sessions (at least one): one client address cannot take every slot. */
    public static int defaultPerClient(int maxSessions) {
      return Math.max(1, maxSessions / 2);
    }
  }

  /**
   * A root the gateway gives an upstream server in answer to its {@code roots/list}.
   *
   * @param uri the root's URI, such as {@code file:///srv/data}
   * @param name a name for it, or null
   */
  public record Root(String uri, String name) {
    public Root {
      Objects.requireNonNull(uri, "uri");
    }
  }

  /**
   * How a denied {@code tools/call} is answered. The MCP specification reports a tool's execution
   * errors inside the result so that the model sees them, and keeps JSON-RPC errors for protocol
   * problems.
   */
  public enum ToolDenials {
    /**
     * The default: a result for 2026-07-28 requests, an error in 2025-11-25 sessions (whose clients
     * were built against the error).
     */
    BY_REVISION,
    /**
     * A tool result with {@code isError: true}: the reason as text content, the code (and an
     * approval's details) as structured content.
     */
    RESULT,
    /** A JSON-RPC error {@code -32003} with the reason and the code in its data. */
    ERROR;

    /** Whether a denied call of a request of the given revision is answered as a tool result. */
    public boolean asResult(boolean stateless) {
      return this == RESULT || this == BY_REVISION && stateless;
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
   * <p>With a host root, the call is decided on the paths the upstream will touch: symbolic links
   * under the host root are resolved (see {@code ResolvedPaths}), and where a link leads elsewhere
   * the place it leads to must be granted too.
   *
   * <p>Without a root, a value may also be a number or a boolean, whose resource is its canonical
   * text (spec §5.4, {@code Request.resourceOf}): {@code 42} for a scheduled transaction's id.
   *
   * <p>{@code optional} arguments are resources too when present (spec §5.4): an absent or null one
   * contributes nothing, a value contributes one resource, an array each of its values (none for an
   * empty array), checked like the others; so {@code cc} and {@code bcc} beside {@code recipients}
   * are checked whenever a call names them.
   *
   * @param arguments the arguments' names, at least one, in order
   * @param arrays whether each argument is an array of strings rather than a string
   * @param root the upstream's directory that resource {@code /} stands for, or null
   * @param hostRoot where the directory {@code root} names is on the gateway's host, for resolving
   *     symbolic links; null when the gateway cannot see the upstream's files (no resolution)
   * @param optional the names of arguments that are resources when present, in order; may be empty
   */
  public record FromArguments(
      List<String> arguments, boolean arrays, String root, String hostRoot, List<String> optional)
      implements ResourceRule {
    /**
     * @throws IllegalArgumentException if no argument is named, an optional one is also required,
     *     or a host root is given without a root
     */
    public FromArguments {
      arguments = List.copyOf(arguments);
      optional = List.copyOf(optional);
      if (arguments.isEmpty()) {
        throw new IllegalArgumentException("name at least one argument");
      }
      if (optional.stream().anyMatch(arguments::contains)) {
        throw new IllegalArgumentException("an argument is either required or optional");
      }
      if (hostRoot != null && root == null) {
        throw new IllegalArgumentException("a host root needs a root");
      }
    }

    /** Required arguments only. */
    public FromArguments(List<String> arguments, boolean arrays, String root, String hostRoot) {
      this(arguments, arrays, root, hostRoot, List.of());
    }

    /** Required arguments without link resolution. */
    public FromArguments(List<String> arguments, boolean arrays, String root) {
      this(arguments, arrays, root, null, List.of());
    }
  }

  /**
   * The resource is a constant ({@code ""} when a tool has no resource mapping).
   *
   * @param value the resource
   */
  public record Fixed(String value) implements ResourceRule {}
}
