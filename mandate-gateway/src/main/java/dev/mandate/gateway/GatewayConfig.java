package dev.mandate.gateway;

import dev.mandate.gateway.mcp.McpConfig;
import dev.mandate.server.ServerLimits;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How to run a gateway, loaded from YAML: the checked, immutable settings. Loading is strict: an
 * unknown key, a duplicate key or a value of the wrong type is an error, and every problem in the
 * file is reported at once, each naming its key, line and column ({@link GatewayConfigLoader}
 * reads, {@link GatewayConfigValidator} checks). Relative paths are resolved against the
 * configuration file's directory. Secrets come from files or environment variables and are held as
 * {@link Secret}s, never printed.
 *
 * <pre>{@code
 * listen: {host: 127.0.0.1, port: 7800}
 * audience: gw-eu-1                      # this gateway's id, matched against audience caveats
 * authority:
 *   url: http://127.0.0.1:7700
 *   clientId: gateway-eu-1               # for uploading audit batches (HTTP Basic)
 *   clientSecretFile: /etc/mandate/gateway.secret   # or clientSecretEnv: MANDATE_GATEWAY_SECRET
 *   maxStaleness: 30s                    # deny everything when the revocation view is older
 *   trustedKeysFile: authority.trust     # optional: trust only these keys ('mandate bootstrap')
 * verification: {clockSkew: 30s, proofWindow: 60s}
 * spool: {dir: /var/lib/mandate/spool, sync: always}
 * redis: {url: redis://127.0.0.1:6379}   # optional: shared usage counters and replay guard
 * limits: {maxRequestBody: 1MiB, upstreamTimeout: 30s}
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
 *     - match: POST /repos/{owner}/{repo}/issues
 *       upstream: github
 *       action: create_issue
 *       resource: /repos/{owner}/{repo}
 *       contentTypes: [application/json]  # the default; a form body's fields are arguments too
 * mcp: ...                               # the MCP front end's section, see McpConfig
 * oauth:                                 # optional: the gateway as an OAuth protected resource
 *   issuer: https://authority.example    # the authorization server (default: authority.url)
 *   publicUrl: https://gw.example        # this gateway as clients address it (DPoP htu)
 *   scopes: ["fs:read_text_file:/**"]    # scopes to name in metadata and 401 challenges
 *   dpopRequired: true                   # tokens must be DPoP-bound (RFC 9728 metadata)
 * }</pre>
 *
 * @param source the file this configuration came from
 * @param listen where to listen
 * @param audience this gateway's audience id
 * @param authority the authority
 * @param verification verifier settings
 * @param spool the audit spool
 * @param redis Redis, or null for in-memory counters and replay guard
 * @param limits size and time bounds
 * @param upstreams HTTP upstreams by name
 * @param routes HTTP routes, in the order they are matched
 * @param mcp the MCP front end's settings (the {@code mcp:} section), or null when absent
 * @param metricsToken the bearer token {@code GET /metrics} requires (the {@code metrics:}
 *     section), or null when the metrics are public
 * @param tracing where traces go (the {@code tracing:} section), or null when tracing is off
 * @param shutdownTimeout how long closing waits for in-flight calls and the last audit upload
 *     (default 10 s)
 * @param oauth how the gateway describes itself as an OAuth protected resource (the {@code oauth:}
 *     section; defaults when absent)
 */
public record GatewayConfig(
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
    McpConfig mcp,
    Secret metricsToken,
    Tracing tracing,
    Duration shutdownTimeout,
    OAuth oauth) {

  /**
   * Checks that every part is there (only {@code redis} and {@code mcp} are optional) and copies
   * the collections; {@link #load} and {@link #parse} also check every rule of the file format.
   *
   * @throws NullPointerException if a required part is null
   */
  public GatewayConfig {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(verification, "verification");
    Objects.requireNonNull(spool, "spool");
    Objects.requireNonNull(limits, "limits");
    upstreams = Map.copyOf(upstreams);
    routes = List.copyOf(routes);
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    Objects.requireNonNull(oauth, "oauth");
  }

  /**
   * The gateway as an OAuth protected resource (RFC 9728).
   *
   * @param issuer the authorization server's issuer identifier, named in the metadata
   * @param publicUrl this gateway's base URL as clients address it (DPoP proofs' {@code htu} and
   *     the metadata's {@code resource} are under it), or null to take it from each request's
   *     {@code Host}
   * @param scopes the scopes to name in the metadata and in 401 challenges; may be empty
   * @param dpopRequired whether the metadata says access tokens must be DPoP-bound
   * @param stepUp whether an MCP endpoint answers a call outside the presented capability with 403
   *     and the {@code insufficient_scope} challenge for Bearer tokens too (for DPoP always)
   */
  public record OAuth(
      URI issuer, URI publicUrl, List<String> scopes, boolean dpopRequired, boolean stepUp) {
    /** Copies the list. */
    public OAuth {
      Objects.requireNonNull(issuer, "issuer");
      scopes = List.copyOf(scopes);
    }
  }

  /** Where the gateway listens. */
  public record Listen(String host, int port) {}

  /**
   * OpenTelemetry traces, exported over OTLP/HTTP.
   *
   * @param otlpEndpoint the collector's traces URL, e.g. {@code http://127.0.0.1:4318/v1/traces}
   * @param serviceName the spans' {@code service.name} (default {@code mandate-gateway})
   */
  public record Tracing(URI otlpEndpoint, String serviceName) {
    /**
     * @throws NullPointerException if a part is null
     */
    public Tracing {
      Objects.requireNonNull(otlpEndpoint, "otlpEndpoint");
      Objects.requireNonNull(serviceName, "serviceName");
    }
  }

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
   * @param trustedKeys the public keys ({@code mndpk1_...}) pinned by {@code trustedKeysFile}: a
   *     key the authority lists is trusted only if it is one of these; empty when no file is given
   *     (every ACTIVE and VERIFY_ONLY key the authority lists is trusted)
   */
  public record Authority(
      URI url,
      String clientId,
      Secret clientSecret,
      Duration maxStaleness,
      Duration pollWait,
      Duration keyRefetchInterval,
      Duration keyRefreshInterval,
      Set<String> trustedKeys) {

    /** Copies the set. */
    public Authority {
      trustedKeys = trustedKeys == null ? Set.of() : Set.copyOf(trustedKeys);
    }

    /** The {@code Authorization} value of the client's HTTP Basic credentials; never log it. */
    String basicAuthorization() {
      return "Basic "
          + Base64.getEncoder()
              .encodeToString(
                  (clientId + ":" + clientSecret.revealForUse()).getBytes(StandardCharsets.UTF_8));
    }
  }

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
   * Bounds on what callers and upstreams send. *
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
   * @param contentTypes the media types ({@code type/subtype}, lower case) a request body may have
   *     (default {@value #DEFAULT_CONTENT_TYPE}); a request without a body needs none
   */
  public record HttpRoute(
      String method,
      String pathTemplate,
      String upstream,
      String service,
      String action,
      String resourceTemplate,
      List<String> contentTypes) {
    public HttpRoute {
      contentTypes = List.copyOf(contentTypes);
    }
  }

  /** The media type a route's request bodies may have when the route lists none. */
  public static final String DEFAULT_CONTENT_TYPE = "application/json";

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
   * @throws GatewayConfigException if the file is unreadable or invalid; the message lists every
   *     problem
   */
  public static GatewayConfig load(Path file, Map<String, String> env) {
    return GatewayConfigLoader.load(file, env);
  }

  /**
   * Parses configuration text.
   *
   * @param yaml the YAML text
   * @param source the file it came from (for messages and resolving relative paths)
   * @param env the environment for secrets and {@code ${VAR}} references
   * @throws GatewayConfigException if invalid; its message lists every problem, each with its line
   *     and column where known
   */
  public static GatewayConfig parse(String yaml, Path source, Map<String, String> env) {
    return GatewayConfigLoader.parse(yaml, source, env);
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
}
