package dev.mandate.authority;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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
import java.util.Map;

/**
 * An authority under test, on an ephemeral loopback port with SQLite in a temp dir and a fixed
 * clock, and its HTTP API ({@link AuthorityApi}). The authority's own tests start it from a config
 * they vary; the other modules' tests use mandate-testkit's {@code Stack}.
 */
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
  final AuthorityApi api;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestAuthority(Path dataDir, Path policyFile, AuthorityServer server, String adminSecret) {
    this.dataDir = dataDir;
    this.policyFile = policyFile;
    this.server = server;
    this.adminSecret = adminSecret;
    this.api = new AuthorityApi(server.url());
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
    return Http.basic(client, secret);
  }

  /** Creates a client through the API and returns its Authorization header value. */
  String createClient(String clientId) {
    return basic(clientId, api.createClient(admin(), clientId));
  }

  Reply get(String path) {
    return get(path, null);
  }

  Reply get(String path, String authorization) {
    return api.get(path, authorization);
  }

  Reply post(String path, String json, String authorization) {
    return api.post(path, json, authorization);
  }

  Reply send(String method, String path, byte[] body, String authorization) {
    return api.send(method, path, body, authorization);
  }

  Reply send(HttpRequest request) {
    return Http.send(HttpRequest.newBuilder(request, (name, value) -> true));
  }

  HttpRequest.Builder request(String path, String authorization) {
    return Http.request(server.url() + path, authorization);
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
