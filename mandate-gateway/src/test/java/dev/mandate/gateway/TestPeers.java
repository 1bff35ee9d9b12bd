package dev.mandate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.GatewayYaml;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The real peers a gateway test needs: an authority (SQLite in a temp dir, system clock) with a
 * client for audit uploads, and an upstream HTTP API that echoes what it receives.
 */
public final class TestPeers {
  /**
   * How long /slow and /stall keep the gateway waiting: twice the test gateway's 3 s upstream
   * timeout. The timeout covers the gateway's own work on an answer too (inflating the deflate bomb
   * up to its bound), so it is long enough for that on a loaded machine.
   */
  private static final long UPSTREAM_STALL_MILLIS = 6_000;

  static final ObjectMapper JSON = new ObjectMapper();
  static final String AUDIENCE = "gw-test";
  static final String UPSTREAM_SECRET = "upstream-secret-123";

  static final String POLICY =
      """
      version: 1
      clients:
        admin:
          grants:
            - "api:*:/**"
          maxTtl: 1h
          require: [audience]
          audiences: [gw-test]
        approver:
          approves: [finance]
          maxTtl: 5m
        gateway:
          role: gateway
      """;

  private static Authority shared;
  private static Upstream sharedUpstream;

  /**
   * One authority for every test class that does not stop it (starting one costs seconds), closed
   * when the test JVM exits.
   */
  static synchronized Authority sharedAuthority() throws Exception {
    if (shared == null) {
      shared = new Authority(Files.createTempDirectory("mandate-gw-authority"));
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  /** One upstream for every test class, stopped when the test JVM exits. */
  static synchronized Upstream sharedUpstream() throws Exception {
    if (sharedUpstream == null) {
      sharedUpstream = new Upstream();
      Upstream u = sharedUpstream;
      Runtime.getRuntime().addShutdownHook(new Thread(u::close));
    }
    return sharedUpstream;
  }

  /**
   * A running authority (SQLite in dir, or another database) with clients {@code gateway} and
   * {@code approver} registered; restartable on the same port and data.
   */
  public static final class Authority implements AutoCloseable {
    final Path dir;
    final String jdbcUrl;
    final String audience;
    AuthorityServer server;
    public AuthorityApi api;
    public String adminAuth;
    public String gatewayClientSecret;
    public String approverAuth;
    int port;

    Authority(Path dir) throws IOException {
      this(dir, null);
    }

    /** An authority on this database ({@code jdbc:postgresql:...}), or SQLite in dir if null. */
    Authority(Path dir, String jdbcUrl) throws IOException {
      this(dir, jdbcUrl, POLICY, AUDIENCE);
    }

    /** An authority with this policy, which must know clients gateway and approver. */
    public Authority(Path dir, String jdbcUrl, String policy, String audience) throws IOException {
      this.dir = dir;
      this.jdbcUrl = jdbcUrl;
      this.audience = audience;
      Files.writeString(dir.resolve("policy.yaml"), policy);
      start(0);
      this.port = server.port();
      this.api = new AuthorityApi(url());
      this.adminAuth =
          Http.basic(
              "admin",
              server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow());
      gatewayClientSecret = api.createClient(adminAuth, "gateway");
      approverAuth = Http.basic("approver", api.createClient(adminAuth, "approver"));
    }

    private void start(int port) {
      AuthorityConfig.Builder b =
          AuthorityConfig.builder(dir.resolve("data"))
              .port(port)
              .policyFile(dir.resolve("policy.yaml"))
              .policyReloadInterval(Duration.ZERO)
              .shutdownTimeout(Duration.ofSeconds(2))
              .environment(Map.of());
      if (jdbcUrl != null) {
        b.jdbcUrl(jdbcUrl);
      }
      server = AuthorityServer.start(b.build());
    }

    void stop() {
      server.close();
    }

    void restart() {
      start(port);
    }

    public String url() {
      return "http://127.0.0.1:" + port;
    }

    /** Mints with the admin client; {@code extra} is JSON fields such as {@code "maxUses":5}. */
    String mint(String grant, String extra) {
      return api.mint(adminAuth, "10m", audience, extra, grant).token();
    }

    /**
     * Has the approver client (a person, policy {@code approves: [finance]}) approve one call, as
     * an APPROVAL_REQUIRED denial names it; returns the approval's text.
     */
    String approve(String tokenId, JsonNode request) {
      return api.approve(approverAuth, tokenId, "finance", request, "5m");
    }

    /** Revokes a token's first block; returns the revocation's feed sequence. */
    long revoke(String tokenId) {
      return api.revoke(adminAuth, tokenId, null, "gateway test");
    }

    /** The decision records the authority holds for a token. */
    JsonNode decisions(String tokenId) {
      ArrayNode out = JSON.createArrayNode();
      api.decisions(adminAuth, tokenId).forEach(out::add);
      return out;
    }

    /** The decision records the authority holds from {@code from} on, oldest first. */
    java.util.List<JsonNode> decisionsSince(java.time.Instant from) {
      return api.decisionsWhere(adminAuth, "from=" + from);
    }

    Reply post(String path, String json, String auth) {
      return api.post(path, json, auth);
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /**
   * An upstream API: echoes requests as JSON; {@code /slow} waits 2 s; {@code /stall} answers a
   * little, then waits 2 s; {@code /leak} leaks; {@code /encoded/{gzip|deflate|br}} leaks in an
   * answer compressed that way ({@code br} is only labelled so); {@code /bomb} is a deflate bomb.
   */
  static final class Upstream implements AutoCloseable {
    final Server server = new Server();
    final ServerConnector connector = new ServerConnector(server);
    static final String LEAKED = "mnd1_AAAAbbbbCCCCdddd-_0123456789";

    Upstream() throws Exception {
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      server.setHandler(
          new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
                throws Exception {
              String path = request.getHttpURI().getPath();
              if (path.equals("/slow")) {
                Thread.sleep(UPSTREAM_STALL_MILLIS);
              }
              if (path.equals("/stall")) {
                // Starts answering, then falls silent for longer than the gateway waits.
                response.getHeaders().put("Content-Type", "text/plain");
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                  out.write("partial".getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                  Thread.sleep(UPSTREAM_STALL_MILLIS);
                  out.write(" rest".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  // The gateway gave up and closed the connection.
                }
                callback.succeeded();
                return true;
              }
              if (path.equals("/bomb")) {
                response.getHeaders().put("Content-Type", "text/plain");
                response.getHeaders().put("Content-Encoding", "deflate");
                response.write(true, java.nio.ByteBuffer.wrap(DeflateBomb.BYTES), callback);
                return true;
              }
              if (path.startsWith("/encoded/")) {
                String encoding = path.substring("/encoded/".length());
                byte[] plain = ("a " + LEAKED + " z").getBytes(StandardCharsets.US_ASCII);
                java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
                try (OutputStream out =
                    switch (encoding) {
                      case "gzip" -> new java.util.zip.GZIPOutputStream(packed);
                      case "deflate" -> new java.util.zip.DeflaterOutputStream(packed);
                      default -> packed;
                    }) {
                  out.write(plain);
                }
                response.getHeaders().put("Content-Type", "text/plain");
                response.getHeaders().put("Content-Encoding", encoding);
                response.write(true, java.nio.ByteBuffer.wrap(packed.toByteArray()), callback);
                return true;
              }
              if (path.equals("/leak")) {
                response.getHeaders().put("X-Leak", "token=" + LEAKED);
                response.getHeaders().put("Content-Type", "text/plain");
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                  // Tokens split across chunks: "mn|d1_..." and "...mndsk1_|abc".
                  for (String chunk :
                      new String[] {
                        "before mn",
                        "d1_AAAA",
                        "BBBB after; key mndsk",
                        "1_",
                        "xyz-_9 end; pk mndpk1_keep"
                      }) {
                    out.write(chunk.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                  }
                }
                callback.succeeded();
                return true;
              }
              ObjectNode echo = JSON.createObjectNode();
              echo.put("method", request.getMethod());
              echo.put("path", path);
              echo.put("query", request.getHttpURI().getQuery());
              ObjectNode headers = echo.putObject("headers");
              for (HttpField f : request.getHeaders()) {
                headers.put(f.getName().toLowerCase(java.util.Locale.ROOT), f.getValue());
              }
              // The gateway redacts its upstream credentials from answers: a digest shows which
              // credential arrived.
              String authorization = request.getHeaders().get("Authorization");
              if (authorization != null) {
                echo.put("authorizationSha256", sha256(authorization));
              }
              byte[] body = Content.Source.asInputStream(request).readAllBytes();
              echo.put("bodyLength", body.length);
              echo.put("body", new String(body, StandardCharsets.UTF_8));
              byte[] out = JSON.writeValueAsBytes(echo);
              response.getHeaders().put("Content-Type", "application/json");
              response.write(true, java.nio.ByteBuffer.wrap(out), callback);
              return true;
            }
          });
      // Made before any request, so no request waits for it.
      if (DeflateBomb.BYTES.length == 0) {
        throw new IllegalStateException("empty deflate bomb");
      }
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + connector.getLocalPort();
    }

    @Override
    public void close() {
      try {
        server.stop();
      } catch (Exception e) {
        throw new IllegalStateException("the test upstream did not stop", e);
      }
    }
  }

  /** Gateway configuration YAML for these peers. */
  static String config(Authority authority, Upstream upstream, Path spool, String extra) {
    return GatewayYaml.of(AUDIENCE, authority.url(), spool)
        .maxStaleness(extra != null && extra.contains("#stale2s") ? "2s" : "30s")
        .pollWait("5s")
        .section("limits: {maxRequestBody: 64KiB, upstreamTimeout: 3s}")
        .section(
            """
        http:
          upstreams:
            api:
              url: %s
              headers:
                Authorization: "Bearer ${UPSTREAM_TOKEN}"
            # Nothing listens on the discard port: every call to it is refused.
            down: {url: "http://127.0.0.1:9", service: api}
          routes:
            - {match: "GET /repos/{owner}/{repo}/issues", upstream: api, action: list_issues, resource: "/repos/{owner}/{repo}"}
            - {match: "POST /repos/{owner}/{repo}/issues", upstream: api, action: create_issue, resource: "/repos/{owner}/{repo}"}
            - {match: "POST /upload", upstream: api, action: upload, contentTypes: [application/octet-stream]}
            - {match: "GET /leak", upstream: api, action: leak}
            - {match: "GET /encoded/{encoding}", upstream: api, action: leak, resource: /leak}
            - {match: "GET /bomb", upstream: api, action: leak, resource: /leak}
            - {match: "GET /slow", upstream: api, action: slow}
            - {match: "GET /stall", upstream: api, action: slow, resource: /slow}
            - {match: "GET /down", upstream: down, action: leak, resource: /leak}
            """
                .formatted(upstream.url()))
        .section(extra == null ? "" : extra.replace("#stale2s", ""))
        .text();
  }

  static GatewayConfig parse(String yaml, Authority authority) {
    return GatewayConfig.parse(
        yaml,
        Path.of("gateway-test.yaml").toAbsolutePath(),
        Map.of("GW_SECRET", authority.gatewayClientSecret, "UPSTREAM_TOKEN", UPSTREAM_SECRET));
  }

  /** The token attenuated to have expired five minutes ago. */
  static String expired(String token) {
    return dev.mandate.token.Capability.decode(token)
        .attenuate()
        .expiresAt(java.time.Instant.now().minus(Duration.ofMinutes(5)))
        .sign()
        .toText();
  }

  static String sha256(String text) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private TestPeers() {}

  /**
   * 64 MiB of zeros, deflated to about 64 KiB, made once: deflating it on each request took longer
   * than the test gateway's 500 ms upstream timeout on a loaded machine, so the answer was a 504
   * rather than the 502 under test.
   */
  private static final class DeflateBomb {
    static final byte[] BYTES = make();

    private static byte[] make() {
      java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
      try (OutputStream out = new java.util.zip.DeflaterOutputStream(packed)) {
        byte[] zeros = new byte[1 << 20];
        for (int i = 0; i < 64; i++) {
          out.write(zeros);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return packed.toByteArray();
    }
  }
}
