package dev.mandate.gateway;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.mandate.config.Durations;
import dev.mandate.config.EnvReferences;
import dev.mandate.server.ServerLimits;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * How to run a gateway, loaded from YAML. Strict: an unknown key, a duplicate key or a value of the
 * wrong type is an error that names the file, line and column. Relative paths are resolved against
 * the configuration file's directory. Secrets come from files or environment variables and are held
 * as {@link Secret}s, never printed.
 *
 * <pre>{@code
 * listen: {host: 127.0.0.1, port: 7800}
 * audience: gw-eu-1                      # this gateway's id, matched against audience caveats
 * authority:
 *   url: http://127.0.0.1:7700
 *   clientId: gateway-eu-1               # for uploading audit batches (HTTP Basic)
 *   clientSecretFile: /etc/mandate/gateway.secret   # or clientSecretEnv: MANDATE_GATEWAY_SECRET
 *   maxStaleness: 30s                    # deny everything when the revocation view is older
 * verification: {clockSkew: 30s, proofWindow: 60s}
 * spool: {dir: /var/lib/mandate/spool, sync: always}
 * redis: {url: redis://127.0.0.1:6379}   # optional: shared usage counters and replay guard
 * limits: {maxRequestBody: 1MiB, upstreamTimeout: 30s, maxConnectionsPerAddress: 64}
 * http:
 *   upstreams:
 *     github:
 *       url: https://api.github.com
 *       headers: {Authorization: "Bearer ${GITHUB_TOKEN}"}
 *   routes:
 *     - match: GET /repos/{owner}/{repo}/issues
 *       upstream: github
 *       action: list_issues
 *       resource: /repos/{owner}/{repo}
 * mcp: ...                               # the MCP front end's section (dev.mandate.gateway.mcp)
 * }</pre>
 */
public final class GatewayConfig {
  /** Paths the gateway answers itself; routes cannot use them. */
  static final Set<String> RESERVED_PATHS = Set.of("/health", "/metrics");

  private static final Pattern METHOD = Pattern.compile("[A-Z]{3,10}");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}");

  /** Where the gateway listens. */
  public record Listen(String host, int port) {}

  /**
   * The authority the gateway follows and reports to.
   *
   * @param url base URL, e.g. {@code http://127.0.0.1:7700}
   * @param clientId the client id for audit uploads
   * @param clientSecret the client secret
   * @param maxStaleness the oldest revocation view the gateway decides on (default 30 s)
   * @param pollWait how long one long-poll of the feed may wait (default 10 s, at most a third of
   *     {@code maxStaleness})
   * @param keyRefetchInterval the least time between two key fetches caused by unknown key ids
   *     (default 10 s)
   * @param keyRefreshInterval how often keys are refreshed anyway (default 5 min)
   */
  public record Authority(
      URI url,
      String clientId,
      Secret clientSecret,
      Duration maxStaleness,
      Duration pollWait,
      Duration keyRefetchInterval,
      Duration keyRefreshInterval) {}

  /** Verifier settings. */
  public record Verification(
      Duration clockSkew, Duration proofWindow, long cacheSize, int maxArgsBytes) {}

  /** When the spool forces appended records to disk relative to answering the call. */
  public enum SyncMode {
    /**
     * Every decision is fsynced (group commit) before the call proceeds: a crash of the process or
     * the machine loses no decision the gateway acted on.
     */
    ALWAYS,
    /**
     * Every decision is written to the operating system before the call proceeds and fsynced within
     * 50 ms: a killed process loses nothing; a machine crash may lose the last 50 ms.
     */
    BATCHED
  }

  /** The durable audit spool. */
  public record Spool(Path dir, SyncMode sync, long maxBytes, long segmentBytes) {}

  /** Redis for usage counters and the replay guard shared by several gateways. */
  public record Redis(Secret url, Duration timeout) {}

  /**
   * Bounds on what callers and upstreams send.
   *
   * @param server the listening server's connection, time and thread limits ({@code
   *     maxConnections}, {@code maxConnectionsPerAddress}, {@code headerTimeout}, {@code
   *     idleTimeout}, {@code minRequestRate}, {@code maxRequestHeaders}, {@code maxThreads}, {@code
   *     protectedThreads}, {@code queueTimeout}; defaults as in {@link ServerLimits})
   */
  public record Limits(
      long maxRequestBodyBytes,
      int maxRequestHeaderBytes,
      int maxResponseHeaderBytes,
      Duration upstreamConnectTimeout,
      Duration upstreamTimeout,
      Duration idleTimeout,
      ServerLimits server) {}

  /** An HTTP API behind the gateway and the credentials the gateway adds for it. */
  public record Upstream(String name, URI url, String service, Map<String, Secret> headers) {}

  /**
   * A proxied route.
   *
   * @param method the HTTP method
   * @param pathTemplate e.g. {@code /repos/{owner}/{repo}/issues}
   * @param upstream the upstream's name
   * @param service the request's service (default: the upstream's service)
   * @param action the request's action
   * @param resourceTemplate e.g. {@code /repos/{owner}/{repo}}; placeholders are path parameters
   */
  public record HttpRoute(
      String method,
      String pathTemplate,
      String upstream,
      String service,
      String action,
      String resourceTemplate) {}

  private final Path source;
  private final Listen listen;
  private final String audience;
  private final Authority authority;
  private final Verification verification;
  private final Spool spool;
  private final Redis redis;
  private final Limits limits;
  private final Map<String, Upstream> upstreams;
  private final List<HttpRoute> routes;
  private final JsonNode mcp;
  private final Duration shutdownTimeout;
  private final Map<String, String> environment;

  private GatewayConfig(
      Path source,
      Listen listen,
      String audience,
      Authority authority,
      Verification verification,
      Spool spool,
      Redis redis,
      Limits limits,
      Map<String, Upstream> upstreams,
      List<HttpRoute> routes,
      JsonNode mcp,
      Duration shutdownTimeout,
      Map<String, String> environment) {
    this.source = source;
    this.listen = listen;
    this.audience = audience;
    this.authority = authority;
    this.verification = verification;
    this.spool = spool;
    this.redis = redis;
    this.limits = limits;
    this.upstreams = upstreams;
    this.routes = routes;
    this.mcp = mcp;
    this.shutdownTimeout = shutdownTimeout;
    this.environment = environment;
  }

  /**
   * Loads a configuration file, reading secrets and {@code ${VAR}} references from the process
   * environment.
   *
   * @throws GatewayConfigException if the file is unreadable or invalid
   */
  public static GatewayConfig load(Path file) {
    return load(file, System.getenv());
  }

  /**
   * Loads a configuration file with the given environment.
   *
   * @throws GatewayConfigException if the file is unreadable or invalid
   */
  public static GatewayConfig load(Path file, Map<String, String> env) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new GatewayConfigException("cannot read the gateway configuration " + file + ": " + e);
    }
    return parse(text, file.toAbsolutePath(), env);
  }

  /**
   * Parses configuration text.
   *
   * @param yaml the YAML text
   * @param source the file it came from (for messages and resolving relative paths)
   * @param env the environment for secrets and {@code ${VAR}} references
   * @throws GatewayConfigException if invalid
   */
  public static GatewayConfig parse(String yaml, Path source, Map<String, String> env) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(env, "env");
    Raw raw;
    try {
      raw = MAPPER.readValue(yaml, Raw.class);
    } catch (JsonMappingException e) {
      throw new GatewayConfigException(describe(source, yaml, e), null);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      throw new GatewayConfigException(
          source
              + (loc != null && loc.getLineNr() > 0
                  ? " line " + loc.getLineNr() + ", column " + loc.getColumnNr()
                  : "")
              + ": not valid YAML: "
              + e.getOriginalMessage(),
          null);
    }
    if (raw == null) {
      throw new GatewayConfigException(source + ": the configuration is empty");
    }
    return new Validator(source, env).validate(raw);
  }

  /** The file this configuration came from. */
  public Path source() {
    return source;
  }

  /** Where to listen. */
  public Listen listen() {
    return listen;
  }

  /** This gateway's audience id. */
  public String audience() {
    return audience;
  }

  /** The authority. */
  public Authority authority() {
    return authority;
  }

  /** Verifier settings. */
  public Verification verification() {
    return verification;
  }

  /** The audit spool. */
  public Spool spool() {
    return spool;
  }

  /** Redis, or null for in-memory counters and replay guard. */
  public Redis redis() {
    return redis;
  }

  /** Size and time bounds. */
  public Limits limits() {
    return limits;
  }

  /** HTTP upstreams by name. */
  public Map<String, Upstream> upstreams() {
    return upstreams;
  }

  /** HTTP routes, in the order they are matched. */
  public List<HttpRoute> routes() {
    return routes;
  }

  /** The {@code mcp:} section as parsed YAML, or null when absent; the MCP front end owns it. */
  public JsonNode mcp() {
    return mcp == null ? null : mcp.deepCopy();
  }

  /**
   * The environment this configuration was loaded with ({@link #load(Path)}: the process's), for
   * front ends that resolve {@code ${VAR}} references and secrets in their own sections the same
   * way. Its values may be secrets: never log or print them. Immutable.
   */
  public Map<String, String> environment() {
    return environment;
  }

  /** How long closing waits for in-flight calls and the last audit upload (default 10 s). */
  public Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  /** Returns a copy listening on another port (tests use 0). */
  public GatewayConfig withPort(int port) {
    return new GatewayConfig(
        source,
        new Listen(listen.host(), port),
        audience,
        authority,
        verification,
        spool,
        redis,
        limits,
        upstreams,
        routes,
        mcp,
        shutdownTimeout,
        environment);
  }

  @Override
  public String toString() {
    return "GatewayConfig[source="
        + source
        + ", listen="
        + listen.host()
        + ":"
        + listen.port()
        + ", audience="
        + audience
        + ", authority="
        + authority.url()
        + ", spool="
        + spool.dir()
        + ", redis="
        + (redis != null)
        + ", routes="
        + routes.size()
        + ", mcp="
        + (mcp != null)
        + "]";
  }

  // ---- YAML binding ----

  private static final ObjectMapper MAPPER = buildMapper();

  private static ObjectMapper buildMapper() {
    SimpleModule module = new SimpleModule();
    module.addDeserializer(Duration.class, new DurationDeserializer());
    module.addDeserializer(Size.class, new SizeDeserializer());
    return YAMLMapper.builder(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .addModule(module)
        .build();
  }

  record Raw(
      RawListen listen,
      String audience,
      RawAuthority authority,
      RawVerification verification,
      RawSpool spool,
      RawRedis redis,
      RawLimits limits,
      RawHttp http,
      JsonNode mcp,
      Duration shutdownTimeout) {}

  record RawListen(String host, Integer port) {}

  record RawAuthority(
      String url,
      String clientId,
      String clientSecretFile,
      String clientSecretEnv,
      Duration maxStaleness,
      Duration pollWait,
      Duration keyRefetchInterval,
      Duration keyRefreshInterval) {}

  record RawVerification(
      Duration clockSkew, Duration proofWindow, Long cacheSize, Size maxArgsBytes) {}

  record RawSpool(String dir, String sync, Size maxBytes, Size segmentBytes) {}

  record RawRedis(String url, String urlEnv, Duration timeout) {}

  record RawLimits(
      Size maxRequestBody,
      Size maxRequestHeaders,
      Size maxResponseHeaders,
      Duration upstreamConnectTimeout,
      Duration upstreamTimeout,
      Duration idleTimeout,
      Integer maxConnections,
      Integer maxConnectionsPerAddress,
      Duration headerTimeout,
      Size minRequestRate,
      Integer maxThreads,
      Integer protectedThreads,
      Duration queueTimeout) {}

  record RawHttp(Map<String, RawUpstream> upstreams, List<RawRoute> routes) {}

  record RawUpstream(String url, String service, Map<String, String> headers) {}

  record RawRoute(String match, String upstream, String service, String action, String resource) {}

  /** A byte count written as {@code 1048576}, {@code 1MiB} or {@code 64 KiB}. */
  record Size(long bytes) {}

  private static final class DurationDeserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      String text = p.getValueAsString();
      if (text == null) {
        throw JsonMappingException.from(
            p, "expected a duration such as 500ms, 30s or 1h30m, got " + p.currentToken());
      }
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, e.getMessage());
      }
    }
  }

  private static final class SizeDeserializer extends JsonDeserializer<Size> {
    @Override
    public Size deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      String text = p.getValueAsString();
      OptionalLong bytes = ConfigUnits.bytes(text);
      if (bytes.isEmpty()) {
        throw JsonMappingException.from(
            p,
            "a size is a whole number of bytes, optionally with a unit (KiB, MiB, GiB, KB, MB, GB),"
                + " such as 1MiB; got '"
                + (text == null ? p.currentToken() : text)
                + "'");
      }
      return new Size(bytes.getAsLong());
    }
  }

  private static String describe(Path source, String yaml, JsonMappingException e) {
    StringBuilder s = new StringBuilder().append(source);
    JsonLocation loc = locate(yaml, e.getPath());
    if (loc == null) {
      loc = e.getLocation();
    }
    if (loc != null && loc.getLineNr() > 0) {
      s.append(" line ").append(loc.getLineNr()).append(", column ").append(loc.getColumnNr());
    }
    s.append(": ");
    String path = pathOf(e.getPath());
    if (e instanceof UnrecognizedPropertyException u) {
      TreeSet<String> known = new TreeSet<>();
      if (u.getKnownPropertyIds() != null) {
        u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      }
      String parent = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : "";
      s.append("unknown key '")
          .append(u.getPropertyName())
          .append("'")
          .append(parent.isEmpty() ? " at the top level" : " in " + parent)
          .append("; allowed: ")
          .append(String.join(", ", known));
    } else {
      if (!path.isEmpty()) {
        s.append(path).append(": ");
      }
      s.append(e.getOriginalMessage().replaceAll("\\s*\\(for .*?\\)$", ""));
    }
    return s.toString();
  }

  /**
   * Finds where the key or value at {@code refs} is in the text: Jackson reports where it noticed
   * the problem (often the end of the enclosing object), not where the key is.
   */
  private static JsonLocation locate(String yaml, List<JsonMappingException.Reference> refs) {
    StringBuilder pointer = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        pointer.append('/').append(r.getFieldName().replace("~", "~0").replace("/", "~1"));
      } else if (r.getIndex() >= 0) {
        pointer.append('/').append(r.getIndex());
      } else {
        return null;
      }
    }
    if (pointer.length() == 0) {
      return null;
    }
    String target = pointer.toString();
    try (JsonParser p = MAPPER.getFactory().createParser(yaml)) {
      com.fasterxml.jackson.core.JsonToken t;
      while ((t = p.nextToken()) != null) {
        boolean atKey = t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME;
        boolean atElement = p.getParsingContext().inArray() && !t.isStructEnd();
        if ((atKey || atElement)
            && p.getParsingContext().pathAsPointer().toString().equals(target)) {
          return p.currentTokenLocation();
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // Best effort: fall back to Jackson's own location.
    }
    return null;
  }

  private static String pathOf(List<JsonMappingException.Reference> refs) {
    StringBuilder s = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        if (s.length() > 0) {
          s.append('.');
        }
        s.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        s.append('[').append(r.getIndex()).append(']');
      }
    }
    return s.toString();
  }

  // ---- validation and defaults ----

  private static final class Validator {
    private final Path source;
    private final Path baseDir;
    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    Validator(Path source, Map<String, String> env) {
      this.source = source;
      Path parent = source.toAbsolutePath().getParent();
      this.baseDir = parent != null ? parent : Path.of("").toAbsolutePath();
      this.env = env;
    }

    GatewayConfig validate(Raw raw) {
      RawListen rl = raw.listen() != null ? raw.listen() : new RawListen(null, null);
      String host = rl.host() != null ? rl.host() : "127.0.0.1";
      int port = rl.port() != null ? rl.port() : 7800;
      if (port < 0 || port > 65535) {
        problem("listen.port must be 0..65535, got " + port);
      }
      String audience = raw.audience();
      if (audience == null || audience.isBlank()) {
        problem("audience is required: this gateway's id, as named in audience caveats");
      }

      Authority authority = authority(raw.authority());
      Verification verification = verification(raw.verification());
      Spool spool = spool(raw.spool());
      Redis redis = redis(raw.redis());
      Limits limits = limits(raw.limits());
      RawHttp http = raw.http() != null ? raw.http() : new RawHttp(null, null);
      Map<String, Upstream> upstreams = upstreams(http.upstreams());
      List<HttpRoute> routes = routes(http.routes(), upstreams);
      JsonNode mcp = raw.mcp() == null || raw.mcp().isNull() ? null : raw.mcp();
      Duration shutdown = orDefault(raw.shutdownTimeout(), Duration.ofSeconds(10));
      within("shutdownTimeout", shutdown, Duration.ZERO, Duration.ofMinutes(10));

      if (!problems.isEmpty()) {
        throw new GatewayConfigException(
            source
                + ": "
                + (problems.size() == 1
                    ? problems.get(0)
                    : problems.size() + " problems:\n  - " + String.join("\n  - ", problems)));
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
          shutdown,
          Map.copyOf(env));
    }

    private Authority authority(RawAuthority a) {
      if (a == null) {
        problem("authority is required (url, clientId, clientSecretFile or clientSecretEnv)");
        return null;
      }
      URI url = httpUrl("authority.url", a.url());
      if (a.clientId() == null || a.clientId().isBlank()) {
        problem("authority.clientId is required: the client the gateway uploads audit batches as");
      }
      Secret secret = null;
      if ((a.clientSecretFile() == null) == (a.clientSecretEnv() == null)) {
        problem("authority needs exactly one of clientSecretFile and clientSecretEnv");
      } else if (a.clientSecretFile() != null) {
        Path file = baseDir.resolve(a.clientSecretFile());
        try {
          String text = Files.readString(file, StandardCharsets.UTF_8).strip();
          if (text.isEmpty()) {
            problem("authority.clientSecretFile " + file + " is empty");
          } else {
            secret = Secret.of(text);
          }
        } catch (IOException e) {
          problem(
              "authority.clientSecretFile: cannot read "
                  + file
                  + " ("
                  + e.getClass().getSimpleName()
                  + ")");
        }
      } else {
        String value = env.get(a.clientSecretEnv());
        if (value == null || value.isBlank()) {
          problem(
              "authority.clientSecretEnv names "
                  + a.clientSecretEnv()
                  + ", which is not set in the environment");
        } else {
          secret = Secret.of(value.strip());
        }
      }
      Duration staleness = orDefault(a.maxStaleness(), Duration.ofSeconds(30));
      within("authority.maxStaleness", staleness, Duration.ofMillis(500), Duration.ofHours(1));
      Duration pollWait = orDefault(a.pollWait(), Duration.ofSeconds(10));
      within("authority.pollWait", pollWait, Duration.ZERO, Duration.ofSeconds(30));
      if (pollWait.compareTo(staleness.dividedBy(3)) > 0) {
        pollWait = staleness.dividedBy(3);
      }
      Duration refetch = orDefault(a.keyRefetchInterval(), Duration.ofSeconds(10));
      within("authority.keyRefetchInterval", refetch, Duration.ZERO, Duration.ofHours(1));
      Duration refresh = orDefault(a.keyRefreshInterval(), Duration.ofMinutes(5));
      within("authority.keyRefreshInterval", refresh, Duration.ofSeconds(1), Duration.ofDays(1));
      return new Authority(url, a.clientId(), secret, staleness, pollWait, refetch, refresh);
    }

    private Verification verification(RawVerification v) {
      if (v == null) {
        v = new RawVerification(null, null, null, null);
      }
      Duration skew = orDefault(v.clockSkew(), Duration.ofSeconds(30));
      within("verification.clockSkew", skew, Duration.ZERO, Duration.ofMinutes(10));
      Duration window = orDefault(v.proofWindow(), Duration.ofSeconds(60));
      within("verification.proofWindow", window, Duration.ofSeconds(1), Duration.ofMinutes(10));
      long cache = v.cacheSize() != null ? v.cacheSize() : 10_000;
      if (cache < 0 || cache > 10_000_000) {
        problem("verification.cacheSize must be 0..10000000, got " + cache);
      }
      long args = v.maxArgsBytes() != null ? v.maxArgsBytes().bytes() : 64 * 1024;
      if (args < 1024 || args > 64L << 20) {
        problem("verification.maxArgsBytes must be 1KiB..64MiB, got " + args);
      }
      return new Verification(skew, window, cache, (int) Math.min(args, Integer.MAX_VALUE));
    }

    private Spool spool(RawSpool s) {
      if (s == null || s.dir() == null || s.dir().isBlank()) {
        problem("spool.dir is required: where decisions wait for upload to the authority");
        return null;
      }
      SyncMode mode = SyncMode.ALWAYS;
      if (s.sync() != null) {
        try {
          mode = SyncMode.valueOf(s.sync().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          problem("spool.sync must be 'always' or 'batched', got '" + s.sync() + "'");
        }
      }
      long max = s.maxBytes() != null ? s.maxBytes().bytes() : 1L << 30;
      if (max < 1 << 20) {
        problem("spool.maxBytes must be at least 1MiB, got " + max);
      }
      long segment = s.segmentBytes() != null ? s.segmentBytes().bytes() : 8L << 20;
      if (segment < 4096 || segment > 1L << 30) {
        problem("spool.segmentBytes must be 4KiB..1GiB, got " + segment);
      }
      return new Spool(baseDir.resolve(s.dir()).normalize(), mode, max, segment);
    }

    private Redis redis(RawRedis r) {
      if (r == null) {
        return null;
      }
      String url = r.url();
      if ((r.url() == null) == (r.urlEnv() == null)) {
        problem(
            "redis needs exactly one of url and urlEnv (use urlEnv when the URL has a password)");
        return null;
      }
      if (r.urlEnv() != null) {
        url = env.get(r.urlEnv());
        if (url == null || url.isBlank()) {
          problem("redis.urlEnv names " + r.urlEnv() + ", which is not set in the environment");
          return null;
        }
      }
      try {
        URI uri = URI.create(url.strip());
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
          problem("redis.url must start with redis:// or rediss://");
        }
      } catch (IllegalArgumentException e) {
        problem("redis.url is not a valid URL");
      }
      Duration timeout = orDefault(r.timeout(), Duration.ofSeconds(1));
      within("redis.timeout", timeout, Duration.ofMillis(10), Duration.ofMinutes(1));
      return new Redis(Secret.of(url.strip()), timeout);
    }

    private Limits limits(RawLimits l) {
      if (l == null) {
        l =
            new RawLimits(
                null, null, null, null, null, null, null, null, null, null, null, null, null);
      }
      long body = l.maxRequestBody() != null ? l.maxRequestBody().bytes() : 1L << 20;
      if (body < 0 || body > 1L << 32) {
        problem("limits.maxRequestBody must be 0..4GiB, got " + body);
      }
      long reqHeaders = l.maxRequestHeaders() != null ? l.maxRequestHeaders().bytes() : 16 * 1024;
      if (reqHeaders < 1024 || reqHeaders > 1 << 20) {
        problem("limits.maxRequestHeaders must be 1KiB..1MiB, got " + reqHeaders);
      }
      long respHeaders =
          l.maxResponseHeaders() != null ? l.maxResponseHeaders().bytes() : 16 * 1024;
      if (respHeaders < 1024 || respHeaders > 1 << 20) {
        problem("limits.maxResponseHeaders must be 1KiB..1MiB, got " + respHeaders);
      }
      Duration connect = orDefault(l.upstreamConnectTimeout(), Duration.ofSeconds(5));
      within(
          "limits.upstreamConnectTimeout", connect, Duration.ofMillis(10), Duration.ofMinutes(5));
      Duration upstream = orDefault(l.upstreamTimeout(), Duration.ofSeconds(30));
      within("limits.upstreamTimeout", upstream, Duration.ofMillis(10), Duration.ofHours(1));
      Duration idle = orDefault(l.idleTimeout(), Duration.ofSeconds(60));
      within("limits.idleTimeout", idle, Duration.ofSeconds(1), Duration.ofHours(1));
      return new Limits(
          body,
          (int) reqHeaders,
          (int) respHeaders,
          connect,
          upstream,
          idle,
          serverLimits(l, (int) reqHeaders, idle));
    }

    /** The listening server's limits: each key left out keeps {@link ServerLimits}'s default. */
    private ServerLimits serverLimits(RawLimits l, int reqHeaders, Duration idle) {
      ServerLimits.Builder b = ServerLimits.builder();
      try {
        b.maxRequestHeaderBytes(reqHeaders).idleTimeout(idle);
        if (l.maxConnections() != null) {
          b.maxConnections(l.maxConnections());
        }
        if (l.maxConnectionsPerAddress() != null) {
          b.maxConnectionsPerAddress(l.maxConnectionsPerAddress());
        }
        if (l.headerTimeout() != null) {
          b.headerTimeout(l.headerTimeout());
        }
        if (l.minRequestRate() != null) {
          b.minRequestBytesPerSecond(l.minRequestRate().bytes());
        }
        if (l.maxThreads() != null) {
          b.maxThreads(l.maxThreads());
        }
        if (l.protectedThreads() != null) {
          b.protectedThreads(l.protectedThreads());
        }
        if (l.queueTimeout() != null) {
          b.queueTimeout(l.queueTimeout());
        }
        return b.build();
      } catch (IllegalArgumentException e) {
        problem("limits: " + e.getMessage());
        return ServerLimits.defaults();
      }
    }

    private Map<String, Upstream> upstreams(Map<String, RawUpstream> raw) {
      Map<String, Upstream> out = new LinkedHashMap<>();
      if (raw == null) {
        return out;
      }
      raw.forEach(
          (name, u) -> {
            String where = "http.upstreams." + name;
            if (u == null) {
              problem(where + " is empty; give at least its url");
              return;
            }
            URI url = httpUrl(where + ".url", u.url());
            Map<String, Secret> headers = new LinkedHashMap<>();
            if (u.headers() != null) {
              u.headers()
                  .forEach(
                      (header, value) -> {
                        if (!HEADER_NAME.matcher(header).matches()) {
                          problem(where + ".headers: '" + header + "' is not a header name");
                        } else if (value == null) {
                          problem(where + ".headers." + header + " has no value");
                        } else {
                          String resolved = interpolate(where + ".headers." + header, value);
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

    private List<HttpRoute> routes(List<RawRoute> raw, Map<String, Upstream> upstreams) {
      List<HttpRoute> out = new ArrayList<>();
      if (raw == null) {
        return out;
      }
      for (int i = 0; i < raw.size(); i++) {
        RawRoute r = raw.get(i);
        String where = "http.routes[" + i + "]";
        if (r == null || r.match() == null) {
          problem(where + ".match is required, e.g. 'GET /repos/{owner}/{repo}/issues'");
          continue;
        }
        String[] parts = r.match().strip().split("\\s+");
        if (parts.length != 2 || !METHOD.matcher(parts[0]).matches() || !parts[1].startsWith("/")) {
          problem(where + ".match must be 'METHOD /path/{param}', got '" + r.match() + "'");
          continue;
        }
        String problem = PathTemplate.problem(parts[1]);
        if (problem != null) {
          problem(where + ".match: " + problem);
          continue;
        }
        if (RESERVED_PATHS.contains(parts[1])) {
          problem(where + ".match: " + parts[1] + " is answered by the gateway itself");
        }
        Upstream upstream = r.upstream() != null ? upstreams.get(r.upstream()) : null;
        if (upstream == null) {
          problem(
              where
                  + ".upstream must name one of http.upstreams "
                  + new TreeSet<>(upstreams.keySet())
                  + ", got "
                  + (r.upstream() == null ? "none" : "'" + r.upstream() + "'"));
          continue;
        }
        if (r.action() == null || r.action().isBlank()) {
          problem(where + ".action is required: the action name grants refer to");
          continue;
        }
        String resource = r.resource() != null ? r.resource() : parts[1];
        Set<String> params = PathTemplate.parameters(parts[1]);
        for (String used : PathTemplate.parameters(resource)) {
          if (!params.contains(used)) {
            problem(where + ".resource uses {" + used + "}, which " + parts[1] + " does not bind");
          }
        }
        String service = r.service() != null ? r.service() : upstream.service();
        out.add(new HttpRoute(parts[0], parts[1], upstream.name(), service, r.action(), resource));
      }
      return List.copyOf(out);
    }

    private String interpolate(String where, String value) {
      try {
        return EnvReferences.expand(value, env::get);
      } catch (IllegalArgumentException e) {
        problem(where + " " + e.getMessage());
        return null;
      }
    }

    private URI httpUrl(String where, String text) {
      if (text == null || text.isBlank()) {
        problem(where + " is required (http:// or https://)");
        return null;
      }
      try {
        URI uri = URI.create(text.strip());
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
            || uri.getHost() == null) {
          problem(where + " must be an http:// or https:// URL, got '" + text + "'");
          return null;
        }
        String s = uri.toString();
        return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
      } catch (IllegalArgumentException e) {
        problem(where + " is not a valid URL: '" + text + "'");
        return null;
      }
    }

    private void within(String where, Duration d, Duration min, Duration max) {
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        problem(where + " must be " + human(min) + ".." + human(max) + ", got " + human(d));
      }
    }

    private static String human(Duration d) {
      return Durations.format(d);
    }

    private static Duration orDefault(Duration d, Duration otherwise) {
      return d != null ? d : otherwise;
    }

    private void problem(String message) {
      problems.add(message);
    }
  }
}
