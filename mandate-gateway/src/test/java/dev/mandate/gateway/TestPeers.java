package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
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
final class TestPeers {
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

  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  record Reply(int status, HttpHeaders headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

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

  /** A running authority; restartable on the same port and data. */
  static final class Authority implements AutoCloseable {
    final Path dir;
    final String jdbcUrl;
    AuthorityServer server;
    String adminAuth;
    String gatewayClientSecret;
    String approverAuth;
    int port;

    Authority(Path dir) throws IOException {
      this(dir, null);
    }

    /** An authority on this database ({@code jdbc:postgresql:...}), or SQLite in dir if null. */
    Authority(Path dir, String jdbcUrl) throws IOException {
      this.dir = dir;
      this.jdbcUrl = jdbcUrl;
      Files.writeString(dir.resolve("policy.yaml"), POLICY);
      start(0);
      this.port = server.port();
      this.adminAuth =
          basic(
              "admin",
              server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow());
      Reply r = post("/v1/clients", "{\"clientId\":\"gateway\"}", adminAuth);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      gatewayClientSecret = r.json().get("secret").asText();
      Reply approver = post("/v1/clients", "{\"clientId\":\"approver\"}", adminAuth);
      assertThat(approver.status()).as(approver.body()).isEqualTo(201);
      approverAuth = basic("approver", approver.json().get("secret").asText());
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

    String url() {
      return "http://127.0.0.1:" + port;
    }

    /** Mints with the admin client; {@code extra} is JSON fields such as {@code "maxUses":5}. */
    String mint(String grant, String extra) {
      String body =
          "{\"grants\":[\""
              + grant
              + "\"],\"ttl\":\"10m\",\"audience\":\""
              + AUDIENCE
              + "\""
              + (extra == null ? "" : "," + extra)
              + "}";
      Reply r = post("/v1/capabilities", body, adminAuth);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      return r.json().get("token").asText();
    }

    /**
     * Has the approver client (a person, policy {@code approves: [finance]}) approve one call:
     * {@code POST /v1/approvals} with a request given as JSON ({@code audience}, {@code service},
     * {@code action}, {@code resource}, {@code args}), as an APPROVAL_REQUIRED denial names it.
     *
     * @return the approval's text
     */
    String approve(String tokenId, JsonNode request) {
      ObjectNode body = JSON.createObjectNode();
      body.put("tokenId", tokenId);
      body.put("group", "finance");
      body.set("request", request);
      body.put("ttl", "5m");
      Reply r = post("/v1/approvals", body.toString(), approverAuth);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      return r.json().get("approval").asText();
    }

    void revoke(String tokenId) {
      Reply r =
          post(
              "/v1/revocations",
              "{\"tokenId\":\"" + tokenId + "\",\"reason\":\"gateway test\"}",
              adminAuth);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    /** The decision records the authority holds for a token. */
    JsonNode decisions(String tokenId) {
      Reply r = get(url() + "/v1/audit?tokenId=" + tokenId + "&limit=1000", adminAuth);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      ArrayNode out = JSON.createArrayNode();
      for (JsonNode n : r.json().get("records")) {
        if (n.get("type").asText().equals("decision")) {
          out.add(n);
        }
      }
      return out;
    }

    /** The decision records the authority holds from {@code from} on, oldest first. */
    java.util.List<JsonNode> decisionsSince(java.time.Instant from) {
      Reply r = get(url() + "/v1/audit?from=" + from + "&limit=1000", adminAuth);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      java.util.List<JsonNode> out = new java.util.ArrayList<>();
      for (JsonNode n : r.json().get("records")) {
        if (n.get("type").asText().equals("decision")) {
          out.add(n);
        }
      }
      return out;
    }

    Reply post(String path, String json, String auth) {
      return send(
          HttpRequest.newBuilder(URI.create(url() + path))
              .header("Authorization", auth)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json)));
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
    return """
        listen: {host: 127.0.0.1, port: 0}
        audience: %s
        authority:
          url: %s
          clientId: gateway
          clientSecretEnv: GW_SECRET
          maxStaleness: %s
          pollWait: 5s
        spool: {dir: %s}
        limits: {maxRequestBody: 64KiB, upstreamTimeout: 3s}
        shutdownTimeout: 1s
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
        %s
        """
        .formatted(
            AUDIENCE,
            authority.url(),
            extra != null && extra.contains("#stale2s") ? "2s" : "30s",
            spool,
            upstream.url(),
            extra == null ? "" : extra.replace("#stale2s", ""));
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

  static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  static Reply get(String url, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b.GET());
  }

  static Reply send(HttpRequest.Builder b) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Polls {@code check} every 20 ms until true or {@code timeout}; returns the elapsed time. */
  static Duration await(Duration timeout, java.util.function.BooleanSupplier check) {
    long start = System.nanoTime();
    while (!check.getAsBoolean()) {
      if (System.nanoTime() - start > timeout.toNanos()) {
        throw new AssertionError("condition not met within " + timeout);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return Duration.ofNanos(System.nanoTime() - start);
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
