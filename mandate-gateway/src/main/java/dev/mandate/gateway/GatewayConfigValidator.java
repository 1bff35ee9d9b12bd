package dev.mandate.gateway;

import dev.mandate.crypto.VerifyingKey;
import dev.mandate.gateway.ConfigChecks.DurationRule;
import dev.mandate.gateway.ConfigChecks.SizeRule;
import dev.mandate.gateway.GatewayConfig.Authority;
import dev.mandate.gateway.GatewayConfig.HttpRoute;
import dev.mandate.gateway.GatewayConfig.Limits;
import dev.mandate.gateway.GatewayConfig.Listen;
import dev.mandate.gateway.GatewayConfig.Redis;
import dev.mandate.gateway.GatewayConfig.Spool;
import dev.mandate.gateway.GatewayConfig.SyncMode;
import dev.mandate.gateway.GatewayConfig.Upstream;
import dev.mandate.gateway.GatewayConfig.Verification;
import dev.mandate.gateway.mcp.McpConfig;
import dev.mandate.server.ServerLimits;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a bound {@link RawConfig} into a {@link GatewayConfig}: applies the defaults and checks
 * every rule, recording each problem in {@link ConfigProblems} and going on, so that one run
 * reports everything that is wrong. Returns null when there was any problem.
 */
final class GatewayConfigValidator {
  /**
   * Paths the gateway answers itself; routes cannot use them. docs/openapi/gateway.yaml documents
   * exactly these (GatewayApiContractTest).
   */
  static final Set<String> RESERVED_PATHS =
      Set.of("/health", "/ready", "/metrics", "/budgets", ProtectedResource.WELL_KNOWN);

  /** The shortest metrics token accepted: a guessable one would protect nothing. */
  static final int MIN_METRICS_TOKEN = 16;

  private static final Pattern METHOD = Pattern.compile("[A-Z]{3,10}");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}");
  private static final ConfigPath ROOT = ConfigPath.ROOT;

  // The settings with a default and a range, by section: key, default, least, most.
  private static final DurationRule SHUTDOWN_TIMEOUT =
      new DurationRule("shutdownTimeout", seconds(10), Duration.ZERO, Duration.ofMinutes(10));
  private static final DurationRule MAX_STALENESS =
      new DurationRule("maxStaleness", seconds(30), Duration.ofMillis(500), Duration.ofHours(1));
  private static final DurationRule POLL_WAIT =
      new DurationRule("pollWait", seconds(10), Duration.ZERO, seconds(30));
  private static final DurationRule KEY_REFETCH =
      new DurationRule("keyRefetchInterval", seconds(10), Duration.ZERO, Duration.ofHours(1));
  private static final DurationRule KEY_REFRESH =
      new DurationRule("keyRefreshInterval", Duration.ofMinutes(5), seconds(1), Duration.ofDays(1));
  private static final DurationRule CLOCK_SKEW =
      new DurationRule("clockSkew", seconds(30), Duration.ZERO, Duration.ofMinutes(10));
  private static final DurationRule PROOF_WINDOW =
      new DurationRule("proofWindow", seconds(60), seconds(1), Duration.ofMinutes(10));
  private static final SizeRule MAX_ARGS =
      new SizeRule("maxArgsBytes", 64 << 10, 1 << 10, 64 << 20);
  private static final SizeRule SPOOL_MAX =
      new SizeRule("maxBytes", 1L << 30, 1 << 20, Long.MAX_VALUE);
  private static final SizeRule SPOOL_SEGMENT =
      new SizeRule("segmentBytes", 8 << 20, 4 << 10, 1 << 30);
  private static final DurationRule REDIS_TIMEOUT =
      new DurationRule("timeout", seconds(1), Duration.ofMillis(10), Duration.ofMinutes(1));
  private static final SizeRule MAX_REQUEST_BODY =
      new SizeRule("maxRequestBody", 1 << 20, 0, 1L << 32);
  private static final SizeRule MAX_REQUEST_HEADERS =
      new SizeRule("maxRequestHeaders", 16 << 10, 1 << 10, 1 << 20);
  private static final SizeRule MAX_RESPONSE_HEADERS =
      new SizeRule("maxResponseHeaders", 16 << 10, 1 << 10, 1 << 20);
  private static final DurationRule UPSTREAM_CONNECT_TIMEOUT =
      new DurationRule(
          "upstreamConnectTimeout", seconds(5), Duration.ofMillis(10), Duration.ofMinutes(5));
  private static final DurationRule UPSTREAM_TIMEOUT =
      new DurationRule("upstreamTimeout", seconds(30), Duration.ofMillis(10), Duration.ofHours(1));
  private static final DurationRule IDLE_TIMEOUT =
      new DurationRule("idleTimeout", seconds(60), seconds(1), Duration.ofHours(1));

  private final Path source;
  private final ConfigProblems problems;
  private final ConfigChecks check;

  GatewayConfigValidator(Path source, Map<String, String> env, ConfigProblems problems) {
    this.source = source;
    this.problems = problems;
    Path parent = source.toAbsolutePath().getParent();
    this.check =
        new ConfigChecks(problems, env, parent != null ? parent : Path.of("").toAbsolutePath());
  }

  /** The configuration, or null if {@link ConfigProblems} holds anything afterwards. */
  GatewayConfig validate(RawConfig raw) {
    RawConfig.Listen rl = raw.listen() != null ? raw.listen() : new RawConfig.Listen(null, null);
    String host = rl.host() != null ? rl.host() : "127.0.0.1";
    int port = rl.port() != null ? rl.port() : 7800;
    if (port < 0 || port > 65535) {
      check.problem(ROOT.key("listen").key("port"), " must be 0..65535, got " + port);
    }
    String audience = raw.audience();
    if (audience == null || audience.isBlank()) {
      check.problem(
          ROOT.key("audience"), " is required: this gateway's id, as named in audience caveats");
    }
    Authority authority = authority(raw.authority());
    Verification verification = verification(raw.verification());
    Spool spool = spool(raw.spool());
    Redis redis = redis(raw.redis());
    Limits limits = limits(raw.limits());
    RawConfig.Http http = raw.http() != null ? raw.http() : new RawConfig.Http(null, null);
    Map<String, Upstream> upstreams = upstreams(http.upstreams());
    List<HttpRoute> routes = routes(http.routes(), upstreams);
    McpConfig mcp = raw.mcp() == null ? null : new McpSectionValidator(check).mcp(raw.mcp());
    Secret metricsToken = metricsToken(raw.metrics());
    Duration shutdown = check.duration(ROOT, SHUTDOWN_TIMEOUT, raw.shutdownTimeout());
    GatewayConfig.OAuth oauth = oauth(raw.oauth(), authority);
    if (!problems.isEmpty()) {
      return null;
    }
    return new GatewayConfig(
        source,
        new Listen(host, port),
        audience,
        authority,
        verification,
        spool,
        redis,
        limits,
        upstreams,
        routes,
        mcp,
        metricsToken,
        shutdown,
        oauth);
  }

  /** The {@code oauth:} section; its issuer defaults to the authority's URL. */
  private GatewayConfig.OAuth oauth(RawConfig.OAuth o, Authority authority) {
    ConfigPath where = ROOT.key("oauth");
    if (o == null) {
      o = new RawConfig.OAuth(null, null, null, null, null);
    }
    URI issuer =
        o.issuer() != null
            ? baseUrl(where.key("issuer"), o.issuer())
            : authority == null ? null : authority.url();
    URI publicUrl = o.publicUrl() == null ? null : baseUrl(where.key("publicUrl"), o.publicUrl());
    if (publicUrl != null
        && (publicUrl.getRawQuery() != null || publicUrl.getRawFragment() != null)) {
      check.problem(where.key("publicUrl"), " must have no query or fragment");
    }
    List<String> scopes = o.scopes() == null ? List.of() : o.scopes();
    for (String scope : scopes) {
      // RFC 6749 section 3.3: scope tokens are printable ASCII without space, quote or backslash.
      if (scope == null
          || scope.isEmpty()
          || !scope.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\')) {
        check.problem(
            where.key("scopes"),
            " must be scope tokens (RFC 6749 section 3.3), got '" + scope + "'");
      }
    }
    if (issuer == null) {
      return null;
    }
    return new GatewayConfig.OAuth(
        issuer,
        publicUrl,
        scopes,
        Boolean.TRUE.equals(o.dpopRequired()),
        Boolean.TRUE.equals(o.stepUp()));
  }

  /** The token {@code GET /metrics} requires, or null when the section is absent. */
  private Secret metricsToken(RawConfig.Metrics m) {
    if (m == null) {
      return null;
    }
    ConfigPath where = ROOT.key("metrics");
    if (!check.exactlyOne(where, m.tokenFile(), m.tokenEnv(), "tokenFile and tokenEnv")) {
      return null;
    }
    String value =
        m.tokenFile() != null
            ? secretFile(where.key("tokenFile"), m.tokenFile())
            : check.envValue(where.key("tokenEnv"), m.tokenEnv());
    if (value != null && value.length() < MIN_METRICS_TOKEN) {
      check.problem(
          where, ": the token must be at least " + MIN_METRICS_TOKEN + " characters long");
      return null;
    }
    return value == null ? null : Secret.of(value);
  }

  private Authority authority(RawConfig.Authority a) {
    ConfigPath where = ROOT.key("authority");
    if (a == null) {
      check.problem(where, " is required (url, clientId, clientSecretFile or clientSecretEnv)");
      return null;
    }
    URI url = baseUrl(where.key("url"), a.url());
    if (a.clientId() == null || a.clientId().isBlank()) {
      check.problem(
          where.key("clientId"), " is required: the client the gateway uploads audit batches as");
    }
    Secret secret = null;
    if (check.exactlyOne(
        where, a.clientSecretFile(), a.clientSecretEnv(), "clientSecretFile and clientSecretEnv")) {
      String value =
          a.clientSecretFile() != null
              ? secretFile(where.key("clientSecretFile"), a.clientSecretFile())
              : check.envValue(where.key("clientSecretEnv"), a.clientSecretEnv());
      secret = value == null ? null : Secret.of(value);
    }
    Duration staleness = check.duration(where, MAX_STALENESS, a.maxStaleness());
    Duration pollWait = check.duration(where, POLL_WAIT, a.pollWait());
    if (pollWait.compareTo(staleness.dividedBy(3)) > 0) {
      pollWait = staleness.dividedBy(3);
    }
    Duration refetch = check.duration(where, KEY_REFETCH, a.keyRefetchInterval());
    Duration refresh = check.duration(where, KEY_REFRESH, a.keyRefreshInterval());
    Set<String> trusted =
        a.trustedKeysFile() == null
            ? Set.of()
            : trustedKeys(where.key("trustedKeysFile"), a.trustedKeysFile());
    return new Authority(url, a.clientId(), secret, staleness, pollWait, refetch, refresh, trusted);
  }

  /** The public keys of a trust file: one {@code mndpk1_...} per line, {@code #} comments. */
  private Set<String> trustedKeys(ConfigPath where, String name) {
    Path file = check.resolve(name);
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      check.problem(
          where,
          " " + file + " does not exist; write it with 'mandate bootstrap --fingerprint ...'");
      return Set.of();
    } catch (IOException e) {
      check.problem(where, ": cannot read " + file);
      return Set.of();
    }
    Set<String> keys = new LinkedHashSet<>();
    for (int i = 0; i < lines.size() && i < 1000; i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        keys.add(VerifyingKey.parse(line).toText());
      } catch (IllegalArgumentException e) {
        check.problem(
            where, " " + file + " line " + (i + 1) + " is not a public key: " + e.getMessage());
      }
    }
    if (keys.isEmpty()) {
      check.problem(where, " " + file + " holds no public key");
    }
    return keys;
  }

  /** The secret in the file {@code name}, stripped; null (reported) if unreadable or empty. */
  private String secretFile(ConfigPath where, String name) {
    Path file = check.resolve(name);
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        check.problem(where, " " + file + " is empty");
        return null;
      }
      return text;
    } catch (IOException e) {
      // The exception's message could quote the file; say what kind of failure it was in words.
      check.problem(
          where,
          ": cannot read "
              + file
              + (e instanceof NoSuchFileException
                  ? " (no such file)"
                  : e instanceof java.nio.file.AccessDeniedException
                      ? " (permission denied)"
                      : ""));
      return null;
    }
  }

  private Verification verification(RawConfig.Verification v) {
    ConfigPath where = ROOT.key("verification");
    if (v == null) {
      v = new RawConfig.Verification(null, null, null, null);
    }
    Duration skew = check.duration(where, CLOCK_SKEW, v.clockSkew());
    Duration window = check.duration(where, PROOF_WINDOW, v.proofWindow());
    long cache = v.cacheSize() != null ? v.cacheSize() : 10_000;
    if (cache < 0 || cache > 10_000_000) {
      check.problem(where.key("cacheSize"), " must be 0..10000000, got " + cache);
    }
    long args = check.size(where, MAX_ARGS, v.maxArgsBytes());
    return new Verification(skew, window, cache, (int) Math.min(args, Integer.MAX_VALUE));
  }

  private Spool spool(RawConfig.Spool s) {
    ConfigPath where = ROOT.key("spool");
    if (s == null || s.dir() == null || s.dir().isBlank()) {
      check.problem(
          where.key("dir"), " is required: where decisions wait for upload to the authority");
      return null;
    }
    SyncMode mode = SyncMode.ALWAYS;
    if (s.sync() != null) {
      try {
        mode = SyncMode.valueOf(s.sync().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        check.problem(where.key("sync"), " must be 'always' or 'batched', got '" + s.sync() + "'");
      }
    }
    long max = check.size(where, SPOOL_MAX, s.maxBytes());
    long segment = check.size(where, SPOOL_SEGMENT, s.segmentBytes());
    return new Spool(check.resolve(s.dir()), mode, max, segment);
  }

  private Redis redis(RawConfig.Redis r) {
    ConfigPath where = ROOT.key("redis");
    if (r == null) {
      return null;
    }
    if (!check.exactlyOne(
        where, r.url(), r.urlEnv(), "url and urlEnv (use urlEnv when the URL has a password)")) {
      return null;
    }
    String url = r.url();
    if (r.urlEnv() != null) {
      url = check.envValue(where.key("urlEnv"), r.urlEnv());
      if (url == null) {
        return null;
      }
    }
    // The URL may hold a password: the messages never quote it.
    try {
      URI uri = URI.create(url.strip());
      if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
        check.problem(where.key("url"), " must start with redis:// or rediss://");
      }
    } catch (IllegalArgumentException e) {
      check.problem(where.key("url"), " is not a valid URL");
    }
    Duration timeout = check.duration(where, REDIS_TIMEOUT, r.timeout());
    return new Redis(Secret.of(url.strip()), timeout);
  }

  private Limits limits(RawConfig.Limits l) {
    ConfigPath where = ROOT.key("limits");
    if (l == null) {
      l =
          new RawConfig.Limits(
              null, null, null, null, null, null, null, null, null, null, null, null, null);
    }
    long body = check.size(where, MAX_REQUEST_BODY, l.maxRequestBody());
    long reqHeaders = check.size(where, MAX_REQUEST_HEADERS, l.maxRequestHeaders());
    long respHeaders = check.size(where, MAX_RESPONSE_HEADERS, l.maxResponseHeaders());
    Duration connect = check.duration(where, UPSTREAM_CONNECT_TIMEOUT, l.upstreamConnectTimeout());
    Duration upstream = check.duration(where, UPSTREAM_TIMEOUT, l.upstreamTimeout());
    Duration idle = check.duration(where, IDLE_TIMEOUT, l.idleTimeout());
    return new Limits(
        body,
        (int) reqHeaders,
        (int) respHeaders,
        connect,
        upstream,
        idle,
        serverLimits(where, l, (int) reqHeaders, idle));
  }

  /**
   * The listening server's limits: a key left out keeps {@link ServerLimits}'s default; a value out
   * of range is reported at its key with the range {@link ServerLimits.Builder} states.
   */
  private ServerLimits serverLimits(
      ConfigPath where, RawConfig.Limits l, int reqHeaders, Duration idle) {
    ServerLimits.Builder b = ServerLimits.builder();
    set(where.key("maxRequestHeaders"), () -> b.maxRequestHeaderBytes(reqHeaders));
    set(where.key("idleTimeout"), () -> b.idleTimeout(idle));
    if (l.maxConnections() != null) {
      set(where.key("maxConnections"), () -> b.maxConnections(l.maxConnections()));
    }
    if (l.maxConnectionsPerAddress() != null) {
      set(
          where.key("maxConnectionsPerAddress"),
          () -> b.maxConnectionsPerAddress(l.maxConnectionsPerAddress()));
    }
    if (l.headerTimeout() != null) {
      ConfigPath at = where.key("headerTimeout");
      Duration d = check.duration(at, l.headerTimeout(), null);
      if (d != null) {
        set(at, () -> b.headerTimeout(d));
      }
    }
    if (l.minRequestRate() != null) {
      long rate = check.size(where.key("minRequestRate"), l.minRequestRate(), 0);
      set(where.key("minRequestRate"), () -> b.minRequestBytesPerSecond(rate));
    }
    if (l.maxThreads() != null) {
      set(where.key("maxThreads"), () -> b.maxThreads(l.maxThreads()));
    }
    if (l.protectedThreads() != null) {
      set(where.key("protectedThreads"), () -> b.protectedThreads(l.protectedThreads()));
    }
    if (l.queueTimeout() != null) {
      ConfigPath at = where.key("queueTimeout");
      Duration d = check.duration(at, l.queueTimeout(), null);
      if (d != null) {
        set(at, () -> b.queueTimeout(d));
      }
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      check.problem(where, ": " + e.getMessage());
      return ServerLimits.defaults();
    }
  }

  private void set(ConfigPath at, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      check.problem(at, ": " + e.getMessage());
    }
  }

  private Map<String, Upstream> upstreams(Map<String, RawConfig.HttpUpstream> raw) {
    Map<String, Upstream> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    raw.forEach(
        (name, u) -> {
          ConfigPath where = ROOT.key("http").key("upstreams").key(name);
          if (u == null) {
            check.problem(where, " is empty; give at least its url");
            return;
          }
          URI url = baseUrl(where.key("url"), u.url());
          Map<String, Secret> headers = new LinkedHashMap<>();
          if (u.headers() != null) {
            u.headers()
                .forEach(
                    (header, value) -> {
                      ConfigPath at = where.key("headers").key(header);
                      if (!HEADER_NAME.matcher(header).matches()) {
                        check.problem(
                            where.key("headers"), ": '" + header + "' is not a header name");
                      } else if (value == null) {
                        check.problem(at, " has no value");
                      } else {
                        String resolved = check.interpolate(at, value);
                        if (resolved != null) {
                          headers.put(header, Secret.of(resolved));
                        }
                      }
                    });
          }
          String service = u.service() != null ? u.service() : name;
          out.put(name, new Upstream(name, url, service, Map.copyOf(headers)));
        });
    return Map.copyOf(out);
  }

  private List<HttpRoute> routes(List<RawConfig.Route> raw, Map<String, Upstream> upstreams) {
    List<HttpRoute> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    for (int i = 0; i < raw.size(); i++) {
      RawConfig.Route r = raw.get(i);
      ConfigPath where = ROOT.key("http").key("routes").index(i);
      if (r == null || r.match() == null) {
        check.problem(where.key("match"), " is required, e.g. 'GET /repos/{owner}/{repo}/issues'");
        continue;
      }
      String[] parts = r.match().strip().split("\\s+");
      if (parts.length != 2 || !METHOD.matcher(parts[0]).matches() || !parts[1].startsWith("/")) {
        check.problem(
            where.key("match"), " must be 'METHOD /path/{param}', got '" + r.match() + "'");
        continue;
      }
      String problem = PathTemplate.problem(parts[1]);
      if (problem != null) {
        check.problem(where.key("match"), ": " + problem);
        continue;
      }
      if (RESERVED_PATHS.contains(parts[1]) || parts[1].startsWith(ProtectedResource.WELL_KNOWN)) {
        check.problem(where.key("match"), ": " + parts[1] + " is answered by the gateway itself");
      }
      Upstream upstream = r.upstream() != null ? upstreams.get(r.upstream()) : null;
      if (upstream == null) {
        check.problem(
            where.key("upstream"),
            " must name one of http.upstreams "
                + new TreeSet<>(upstreams.keySet())
                + ", got "
                + (r.upstream() == null ? "none" : "'" + r.upstream() + "'"));
        continue;
      }
      if (r.action() == null || r.action().isBlank()) {
        check.problem(where.key("action"), " is required: the action name grants refer to");
        continue;
      }
      String resource = r.resource() != null ? r.resource() : parts[1];
      Set<String> params = PathTemplate.parameters(parts[1]);
      for (String used : PathTemplate.parameters(resource)) {
        if (!params.contains(used)) {
          check.problem(
              where.key("resource"), " uses {" + used + "}, which " + parts[1] + " does not bind");
        }
      }
      String service = r.service() != null ? r.service() : upstream.service();
      List<String> types = contentTypes(where.key("contentTypes"), r.contentTypes());
      out.add(
          new HttpRoute(parts[0], parts[1], upstream.name(), service, r.action(), resource, types));
    }
    return List.copyOf(out);
  }

  /** A route's body media types: {@code type/subtype} each, no parameters or wildcards. */
  private List<String> contentTypes(ConfigPath where, List<String> raw) {
    if (raw == null) {
      return List.of(GatewayConfig.DEFAULT_CONTENT_TYPE);
    }
    if (raw.isEmpty()) {
      check.problem(
          where,
          " must list at least one media type, such as " + GatewayConfig.DEFAULT_CONTENT_TYPE);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String text = raw.get(i);
      MediaType type;
      try {
        type = MediaType.parse(text == null ? "" : text.strip());
      } catch (IllegalArgumentException e) {
        check.problem(
            where.index(i), ": '" + text + "' is not a media type (" + e.getMessage() + ")");
        continue;
      }
      if (!type.parameters().isEmpty() || type.essence().contains("*")) {
        check.problem(
            where.index(i), ": '" + text + "' must be a plain type/subtype, no parameters");
      } else if (!out.contains(type.essence())) {
        out.add(type.essence());
      }
    }
    return out;
  }

  /** An http(s) base URL, without a trailing {@code /} (paths are appended to it). */
  private URI baseUrl(ConfigPath where, String text) {
    URI uri = check.httpUrl(where, text);
    if (uri == null) {
      return null;
    }
    String s = uri.toString();
    return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
  }

  private static Duration seconds(long n) {
    return Duration.ofSeconds(n);
  }
}
