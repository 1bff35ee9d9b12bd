package dev.mandate.gateway;

import dev.mandate.gateway.mcp.McpConfig;
import dev.mandate.gateway.mcp.McpConfig.Fixed;
import dev.mandate.gateway.mcp.McpConfig.FromArguments;
import dev.mandate.gateway.mcp.McpConfig.ResourceRule;
import dev.mandate.gateway.mcp.McpConfig.Stdio;
import dev.mandate.gateway.mcp.McpConfig.Transport;
import dev.mandate.wire.McpNames;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code mcp:} part of {@link GatewayConfigValidator}: turns {@link RawConfig.Mcp} into a
 * {@link McpConfig}, reporting every problem to the same {@link ConfigProblems}.
 */
final class McpSectionValidator {
  static final long DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
  static final long DEFAULT_MAX_UPSTREAM_MESSAGE_BYTES = 16 * 1024 * 1024;
  static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);
  static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
  static final Duration DEFAULT_SESSION_IDLE_TIMEOUT = Duration.ofMinutes(30);
  static final int DEFAULT_MAX_SESSIONS = 16;

  private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_.~-]+)+");
  private static final Pattern ROOT_URI = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:[!-~]+");
  private static final Pattern METHOD = Pattern.compile("[A-Za-z0-9_./-]{1,128}");
  private static final int MAX_ARGUMENT_NAMES = 8;

  private final ConfigChecks check;

  McpSectionValidator(ConfigChecks check) {
    this.check = check;
  }

  /** The section, or null (reported) when something in it is wrong. */
  McpConfig mcp(RawConfig.Mcp raw) {
    ConfigPath where = ConfigPath.ROOT.key("mcp");
    boolean ok = true;
    String prefix = "/mcp";
    if (raw.pathPrefix() != null) {
      prefix = plainPath(where.key("pathPrefix"), raw.pathPrefix(), "/mcp");
      ok &= prefix != null;
    }
    List<McpConfig.Upstream> upstreams = new ArrayList<>();
    if (raw.upstreams() == null || raw.upstreams().isEmpty()) {
      check.problem(where.key("upstreams"), " is required: a list of at least one upstream");
      ok = false;
    } else {
      Set<String> paths = new LinkedHashSet<>();
      Set<String> services = new LinkedHashSet<>();
      for (int i = 0; i < raw.upstreams().size(); i++) {
        ConfigPath at = where.key("upstreams").index(i);
        McpConfig.Upstream u = upstream(at, raw.upstreams().get(i), prefix);
        if (u == null) {
          ok = false;
          continue;
        }
        if (!paths.add(u.path())) {
          check.problem(at.key("path"), " '" + u.path() + "' is used twice");
          ok = false;
        }
        if (!services.add(u.service())) {
          check.problem(at.key("service"), " '" + u.service() + "' is used twice");
          ok = false;
        }
        upstreams.add(u);
      }
    }
    Set<String> origins = new LinkedHashSet<>();
    if (raw.allowedOrigins() != null) {
      for (int i = 0; i < raw.allowedOrigins().size(); i++) {
        String origin =
            check.text(where.key("allowedOrigins").index(i), raw.allowedOrigins().get(i));
        ok &= origin != null;
        origins.add(origin);
      }
    }
    long maxRequest =
        check.positiveSize(
            where.key("maxRequestBody"), raw.maxRequestBody(), DEFAULT_MAX_REQUEST_BYTES);
    long maxUpstreamMessage =
        check.positiveSize(
            where.key("maxUpstreamMessage"),
            raw.maxUpstreamMessage(),
            DEFAULT_MAX_UPSTREAM_MESSAGE_BYTES);
    Duration callTimeout =
        check.positiveDuration(where.key("callTimeout"), raw.callTimeout(), DEFAULT_CALL_TIMEOUT);
    Duration startTimeout =
        check.positiveDuration(
            where.key("startTimeout"), raw.startTimeout(), DEFAULT_START_TIMEOUT);
    Duration idleTimeout =
        check.positiveDuration(
            where.key("sessionIdleTimeout"),
            raw.sessionIdleTimeout(),
            DEFAULT_SESSION_IDLE_TIMEOUT);
    if (!ok) {
      // The problems are reported; a partial section is never built.
      return null;
    }
    return new McpConfig(
        prefix,
        upstreams,
        maxRequest,
        maxUpstreamMessage,
        callTimeout,
        startTimeout,
        idleTimeout,
        origins);
  }

  /** One upstream; {@code prefix} is the checked path prefix, or null if it is wrong. */
  private McpConfig.Upstream upstream(ConfigPath where, RawConfig.McpUpstream u, String prefix) {
    if (u == null) {
      check.problem(where, " is empty; give at least its service, path, transport and tools");
      return null;
    }
    boolean ok = true;
    String service = check.text(where.key("service"), u.service());
    if (service != null && !SERVICE.matcher(service).matches()) {
      check.problem(
          where.key("service"),
          " must be 1 to 64 of A-Z a-z 0-9 _ . - (it is a grant's service part); got '"
              + service
              + "'");
      service = null;
    }
    ok &= service != null;
    String path = plainPath(where.key("path"), u.path(), "/mcp/fs");
    if (path != null && prefix != null && !path.startsWith(prefix + "/")) {
      check.problem(where.key("path"), " must be under mcp.pathPrefix " + prefix + "/");
      path = null;
    }
    ok &= path != null;
    Transport transport = null;
    if (check.exactlyOne(where, u.stdio(), u.http(), "stdio: or http:")) {
      transport =
          u.stdio() != null
              ? stdio(where.key("stdio"), u.stdio())
              : http(where.key("http"), u.http());
    }
    ok &= transport != null;
    Map<String, ResourceRule> tools = tools(where.key("tools"), u.tools(), u.stdio() != null);
    ok &= tools != null;
    int maxSessions = u.maxSessions() != null ? u.maxSessions() : DEFAULT_MAX_SESSIONS;
    if (maxSessions < 1 || maxSessions > 10_000) {
      check.problem(where.key("maxSessions"), " must be between 1 and 10000; got " + maxSessions);
      ok = false;
      maxSessions = DEFAULT_MAX_SESSIONS;
    }
    int perOwner =
        share(
            where.key("maxSessionsPerOwner"),
            u.maxSessionsPerOwner(),
            McpConfig.Upstream.defaultPerOwner(maxSessions),
            maxSessions);
    int perClient =
        share(
            where.key("maxSessionsPerClient"),
            u.maxSessionsPerClient(),
            McpConfig.Upstream.defaultPerClient(maxSessions),
            maxSessions);
    ok &= perOwner > 0 && perClient > 0;
    List<McpConfig.Root> roots = roots(where.key("roots"), u.roots());
    ok &= roots != null;
    Set<String> methods = allowMethods(where.key("allowMethods"), u.allowMethods());
    ok &= methods != null;
    Set<String> revisions = revisions(where.key("revisions"), u.revisions(), u.stdio() != null);
    ok &= revisions != null;
    McpConfig.ToolDenials toolDenials = toolDenials(where.key("toolDenials"), u.toolDenials());
    ok &= toolDenials != null;
    if (!ok) {
      return null;
    }
    return new McpConfig.Upstream(
        service,
        path,
        transport,
        tools,
        Boolean.TRUE.equals(u.resources()),
        Boolean.TRUE.equals(u.prompts()),
        maxSessions,
        perOwner,
        perClient,
        roots,
        methods,
        revisions,
        toolDenials);
  }

  /**
   * The MCP revisions an upstream speaks: 2025-11-25 (default), 2026-07-28 (http only), or both;
   * null (reported) if another is named.
   */
  private Set<String> revisions(ConfigPath where, List<String> raw, boolean stdio) {
    if (raw == null) {
      return Set.of(McpConfig.SESSION_REVISION);
    }
    Set<String> out = new LinkedHashSet<>();
    boolean ok = !raw.isEmpty();
    if (raw.isEmpty()) {
      check.problem(where, " must name at least one revision");
    }
    for (int i = 0; i < raw.size(); i++) {
      String r = check.text(where.index(i), raw.get(i));
      if (r != null
          && !r.equals(McpConfig.SESSION_REVISION)
          && !r.equals(McpConfig.STATELESS_REVISION)) {
        check.problem(
            where.index(i),
            " must be "
                + McpConfig.SESSION_REVISION
                + " or "
                + McpConfig.STATELESS_REVISION
                + "; got '"
                + r
                + "'");
        r = null;
      } else if (r != null && r.equals(McpConfig.STATELESS_REVISION) && stdio) {
        check.problem(
            where.index(i),
            " needs an http upstream: the gateway speaks "
                + McpConfig.STATELESS_REVISION
                + " to upstreams over HTTP only");
        r = null;
      }
      ok &= r != null;
      out.add(r);
    }
    return ok ? out : null;
  }

  /** How a denied tools/call is answered: result or error; null (reported) if neither. */
  private McpConfig.ToolDenials toolDenials(ConfigPath where, String raw) {
    if (raw == null) {
      return McpConfig.ToolDenials.BY_REVISION;
    }
    if (raw.equals("result")) {
      return McpConfig.ToolDenials.RESULT;
    }
    if (raw.equals("error")) {
      return McpConfig.ToolDenials.ERROR;
    }
    check.problem(where, " must be result or error; got '" + raw + "'");
    return null;
  }

  /** A share of the sessions: 1 to {@code max}, else 0 (reported). */
  private int share(ConfigPath where, Integer value, int otherwise, int max) {
    int n = value != null ? value : otherwise;
    if (n < 1 || n > max) {
      check.problem(where, " must be between 1 and maxSessions (" + max + "); got " + n);
      return 0;
    }
    return n;
  }

  /** The roots the gateway gives the server: absolute URIs with a scheme; null (reported). */
  private List<McpConfig.Root> roots(ConfigPath where, List<RawConfig.McpRoot> raw) {
    List<McpConfig.Root> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    boolean ok = true;
    for (int i = 0; i < raw.size(); i++) {
      ConfigPath at = where.index(i);
      RawConfig.McpRoot r = raw.get(i);
      String uri = r == null ? check.text(at.key("uri"), null) : check.text(at.key("uri"), r.uri());
      if (uri != null && !ROOT_URI.matcher(uri).matches()) {
        check.problem(
            at.key("uri"),
            " must be an absolute URI without spaces or control characters, such as"
                + " file:///srv/data; got '"
                + uri
                + "'");
        uri = null;
      }
      if (uri == null) {
        ok = false;
        continue;
      }
      out.add(new McpConfig.Root(uri, r.name()));
    }
    return ok ? out : null;
  }

  /** Further JSON-RPC method names; null (reported) if one is not a plain method name. */
  private Set<String> allowMethods(ConfigPath where, List<String> raw) {
    Set<String> out = new LinkedHashSet<>();
    if (raw == null) {
      return out;
    }
    boolean ok = true;
    for (int i = 0; i < raw.size(); i++) {
      String method = check.text(where.index(i), raw.get(i));
      if (method != null && !METHOD.matcher(method).matches()) {
        check.problem(
            where.index(i),
            " must be a JSON-RPC method name (1 to 128 of A-Z a-z 0-9 _ . / -); got '"
                + method
                + "'");
        method = null;
      }
      ok &= method != null;
      out.add(method);
    }
    return ok ? out : null;
  }

  /** An absolute path of plain segments without a trailing {@code /}; null (reported) if not. */
  private String plainPath(ConfigPath where, String value, String example) {
    String path = check.text(where, value);
    if (path != null && !PATH.matcher(path).matches()) {
      check.problem(
          where,
          " must be an absolute path of plain segments without a trailing /, such as "
              + example
              + "; got '"
              + path
              + "'");
      return null;
    }
    return path;
  }

  private Stdio stdio(ConfigPath where, RawConfig.Stdio s) {
    String command = check.text(where.key("command"), s.command());
    List<String> args = new ArrayList<>();
    boolean ok = command != null;
    if (s.args() != null) {
      for (int i = 0; i < s.args().size(); i++) {
        String arg = check.text(where.key("args").index(i), s.args().get(i));
        ok &= arg != null;
        args.add(arg);
      }
    }
    Map<String, Secret> env = secrets(where.key("env"), s.env());
    Path workingDir = null;
    if (s.workingDir() != null) {
      String dir = check.text(where.key("workingDir"), s.workingDir());
      ok &= dir != null;
      workingDir = dir == null ? null : check.resolve(dir);
    }
    return ok && env != null ? new Stdio(command, args, env, workingDir) : null;
  }

  private McpConfig.Http http(ConfigPath where, RawConfig.McpHttp h) {
    URI url = check.httpUrl(where.key("url"), h.url());
    Map<String, Secret> headers = secrets(where.key("headers"), h.headers());
    return url != null && headers != null ? new McpConfig.Http(url, headers) : null;
  }

  /**
   * @param local whether the upstream runs on the gateway's host (stdio), so that a root's host
   *     root defaults to the root itself
   */
  private Map<String, ResourceRule> tools(
      ConfigPath where, Map<String, RawConfig.Tool> raw, boolean local) {
    if (raw == null || raw.isEmpty()) {
      check.problem(where, " is required: a map from each tool that exists to its mapping");
      return null;
    }
    Map<String, ResourceRule> tools = new LinkedHashMap<>();
    boolean ok = true;
    for (Map.Entry<String, RawConfig.Tool> e : raw.entrySet()) {
      String name = e.getKey();
      ConfigPath at = where.key(name);
      if (name.isEmpty()
          || name.length() > 128
          || name.chars().anyMatch(c -> c == ':' || c == '/' || c <= ' ' || c == 0x7f)) {
        check.problem(at, " is not a usable tool name (1 to 128 chars, no ':', '/' or spaces)");
        ok = false;
        continue;
      }
      if (name.equals(McpNames.RESOURCES_READ_ACTION) || name.equals(McpNames.PROMPTS_GET_ACTION)) {
        check.problem(
            at,
            " is reserved for "
                + (name.equals(McpNames.RESOURCES_READ_ACTION)
                    ? McpNames.RESOURCES_READ
                    : McpNames.PROMPTS_GET));
        ok = false;
        continue;
      }
      RawConfig.Resource resource = e.getValue() == null ? null : e.getValue().resource();
      ResourceRule rule =
          resource == null ? new Fixed("") : rule(at.key("resource"), resource, local);
      ok &= rule != null;
      tools.put(name, rule);
    }
    return ok ? tools : null;
  }

  private ResourceRule rule(ConfigPath where, RawConfig.Resource r, boolean local) {
    if (r.value() != null) {
      if (r.fromArg() != null
          || r.fromArray() != null
          || r.optional() != null
          || r.root() != null
          || r.hostRoot() != null) {
        check.problem(
            where,
            " takes either value: or fromArg:/fromArray: (with optional: and root:), not both");
        return null;
      }
      String value = check.text(where.key("value"), r.value());
      return value == null ? null : new Fixed(value);
    }
    if (r.fromArg() != null && r.fromArray() != null) {
      check.problem(where, " takes fromArg: (string arguments) or fromArray: (arrays), not both");
      return null;
    }
    boolean arrays = r.fromArray() != null;
    ConfigPath namesAt = where.key(arrays ? "fromArray" : "fromArg");
    List<String> arguments = argumentNames(namesAt, arrays ? r.fromArray() : r.fromArg());
    String root = null;
    if (r.root() != null) {
      root = check.text(where.key("root"), r.root());
      if (root != null) {
        root = stripTrailingSlash(root);
        if (!normalisedDirectory(root)) {
          check.problem(
              where.key("root"),
              " must be an absolute, normalised directory path such as /srv/files; got '"
                  + r.root()
                  + "'");
          return null;
        }
      } else {
        return null;
      }
    }
    if (arguments == null) {
      return null;
    }
    String hostRoot;
    if (r.hostRoot() == null) {
      hostRoot = local && root != null ? (root.isEmpty() ? "/" : root) : null;
    } else if (root == null) {
      check.problem(
          where.key("hostRoot"), " needs a root: (the upstream's directory it stands for)");
      return null;
    } else {
      hostRoot = hostRoot(where.key("hostRoot"), r.hostRoot());
      if (hostRoot == null) {
        return null;
      }
      hostRoot = hostRoot.equals("none") ? null : hostRoot;
    }
    List<String> optional = List.of();
    if (r.optional() != null) {
      optional = argumentNames(where.key("optional"), r.optional());
      if (optional == null) {
        return null;
      }
      if (optional.stream().anyMatch(arguments::contains)) {
        check.problem(
            where.key("optional"), " names an argument that is already required (" + namesAt + ")");
        return null;
      }
    }
    return new FromArguments(arguments, arrays, root, hostRoot, optional);
  }

  /**
   * A rule's host root as given: {@code none}, or an absolute, normalised directory ({@code /} for
   * the whole filesystem); null (reported) if neither.
   */
  private String hostRoot(ConfigPath where, String raw) {
    String host = check.text(where, raw);
    if (host == null || host.equals("none")) {
      return host;
    }
    String stripped = stripTrailingSlash(host);
    if (!normalisedDirectory(stripped)) {
      check.problem(
          where,
          " must be none or an absolute, normalised directory path such as /var/lib/files; got '"
              + raw
              + "'");
      return null;
    }
    return stripped.isEmpty() ? "/" : stripped;
  }

  /** One argument name, or a list of 1 to 8 distinct names. */
  private List<String> argumentNames(ConfigPath where, List<String> raw) {
    if (raw == null) {
      check.problem(where, " is required");
      return null;
    }
    if (raw.isEmpty() || raw.size() > MAX_ARGUMENT_NAMES) {
      check.problem(where, " must name between 1 and " + MAX_ARGUMENT_NAMES + " arguments");
      return null;
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String name = check.text(where.index(i), raw.get(i));
      if (name == null) {
        return null;
      }
      if (names.contains(name)) {
        check.problem(where, " names '" + name + "' twice");
        return null;
      }
      names.add(name);
    }
    return List.copyOf(names);
  }

  /** Values with {@code ${VAR}} resolved, held as secrets; null (reported) if one is wrong. */
  private Map<String, Secret> secrets(ConfigPath where, Map<String, String> raw) {
    Map<String, Secret> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    boolean ok = true;
    for (Map.Entry<String, String> e : raw.entrySet()) {
      ConfigPath at = where.key(e.getKey());
      String text = check.text(at, e.getValue());
      String value = text == null ? null : check.interpolate(at, text);
      if (value == null) {
        ok = false;
      } else {
        out.put(e.getKey(), Secret.of(value));
      }
    }
    return ok ? out : null;
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
}
