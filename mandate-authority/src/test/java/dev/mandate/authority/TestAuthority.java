package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;

/** An authority on an ephemeral loopback port with SQLite in a temp dir, and an HTTP client. */
final class TestAuthority implements AutoCloseable {
  static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final ObjectMapper JSON = new ObjectMapper();

  static final String POLICY =
      """
      version: 1
      clients:
        admin:
          grants:
            - "fs:read_text_file:/data/**"
          maxTtl: 1h
          indirect: true
        agent:
          grants:
            - "fs:read_text_file:/data/invoices/{year}/**"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 1h
          indirect: true
        gateway-1:
          role: gateway
      """;

  final Path dataDir;
  final Path policyFile;
  final AuthorityServer server;
  final String adminSecret;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestAuthority(Path dataDir, Path policyFile, AuthorityServer server, String adminSecret) {
    this.dataDir = dataDir;
    this.policyFile = policyFile;
    this.server = server;
    this.adminSecret = adminSecret;
  }

  static AuthorityConfig.Builder config(Path tmp) throws IOException {
    return config(tmp, "data");
  }

  static AuthorityConfig.Builder config(Path tmp, String dataDirName) throws IOException {
    Path policy = tmp.resolve("policy.yaml");
    if (!Files.exists(policy)) {
      Files.writeString(policy, POLICY);
    }
    return AuthorityConfig.builder(tmp.resolve(dataDirName))
        .port(0)
        .policyFile(policy)
        .clock(CLOCK)
        .policyReloadInterval(Duration.ZERO)
        .shutdownTimeout(Duration.ofSeconds(5))
        .environment(Map.of());
  }

  static TestAuthority start(Path tmp) throws IOException {
    return start(config(tmp).build());
  }

  static TestAuthority start(AuthorityConfig config) {
    AuthorityServer server = AuthorityServer.start(config);
    String secret = server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElse(null);
    return new TestAuthority(config.dataDir(), config.policyFile(), server, secret);
  }

  String admin() {
    return basic("admin", adminSecret);
  }

  static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** Creates a client through the API and returns its Authorization header value. */
  String createClient(String clientId) {
    Reply r = post("/v1/clients", "{\"clientId\":\"" + clientId + "\"}", admin());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return basic(clientId, r.json().get("secret").asText());
  }

  record Reply(int status, HttpHeaders headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  Reply get(String path) {
    return get(path, null);
  }

  Reply get(String path, String authorization) {
    return send(request(path, authorization).GET().build());
  }

  Reply post(String path, String json, String authorization) {
    return send(
        request(path, authorization)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  Reply send(String method, String path, byte[] body, String authorization) {
    return send(
        request(path, authorization)
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
  }

  HttpRequest.Builder request(String path, String authorization) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(40));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Counts the rows of a table in the SQLite database, behind the server's back. */
  long count(String table) {
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("mandate.db"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
