package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * A real authority on an ephemeral loopback port with SQLite in a temporary directory, its admin
 * secret in a 0600 file, an {@code agent} client that the policy lets mint 'invoices' grants, and
 * in the policy (created on demand) a {@code finance-desk} client that approves for group finance.
 */
final class LocalAuthority implements AutoCloseable {
  static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants:
            - "fs:read_text_file:/data/invoices/{year}/**"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 1h
          indirect: true
        finance-desk:
          approves: [finance]
          maxTtl: 5m
        gateway:
          role: gateway
      """;

  static final ObjectMapper JSON = new ObjectMapper();

  final Path dir;
  final AuthorityServer server;
  final Path adminSecret;
  final Path agentSecret;
  private final HttpClient http = HttpClient.newHttpClient();

  private LocalAuthority(Path dir, AuthorityServer server, Path adminSecret, Path agentSecret) {
    this.dir = dir;
    this.server = server;
    this.adminSecret = adminSecret;
    this.agentSecret = agentSecret;
  }

  static LocalAuthority start(Path dir) throws IOException {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    AuthorityConfig config =
        AuthorityConfig.builder(dir.resolve("data"))
            .port(0)
            .policyFile(policy)
            .policyReloadInterval(Duration.ZERO)
            .shutdownTimeout(Duration.ofSeconds(5))
            .environment(Map.of())
            .build();
    AuthorityServer server = AuthorityServer.start(config);
    String admin = server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow();
    Path adminFile = secretFile(dir.resolve("admin.secret"), admin);
    LocalAuthority a = new LocalAuthority(dir, server, adminFile, null);
    JsonNode agent = a.post("/v1/clients", "{\"clientId\":\"agent\"}", "admin", admin);
    Path agentFile = secretFile(dir.resolve("agent.secret"), agent.get("secret").asText());
    return new LocalAuthority(dir, server, adminFile, agentFile);
  }

  static Path secretFile(Path file, String secret) throws IOException {
    Files.writeString(file, secret + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /** Creates a client through the API; returns the 0600 file holding its secret. */
  Path createClient(String clientId) throws IOException {
    String admin = Files.readString(adminSecret).strip();
    JsonNode created = post("/v1/clients", "{\"clientId\":\"" + clientId + "\"}", "admin", admin);
    return secretFile(dir.resolve(clientId + ".secret"), created.get("secret").asText());
  }

  /** The options that make a command call this authority as {@code clientId}. */
  String[] as(String clientId, Path secret) {
    return new String[] {
      "--authority", url(), "--client", clientId, "--secret-file", secret.toString()
    };
  }

  String url() {
    return server.url();
  }

  String jdbcUrl() {
    return "jdbc:sqlite:" + dir.resolve("data").resolve("mandate.db");
  }

  /** The options that make a command call this authority as the admin. */
  String[] asAdmin() {
    return new String[] {
      "--authority", url(), "--client", "admin", "--secret-file", adminSecret.toString()
    };
  }

  /** The options that make a command call this authority as the agent. */
  String[] asAgent() {
    return new String[] {
      "--authority", url(), "--client", "agent", "--secret-file", agentSecret.toString()
    };
  }

  JsonNode get(String path) {
    return send(HttpRequest.newBuilder(URI.create(url() + path)).GET().build());
  }

  JsonNode post(String path, String json, String client, String secret) {
    String basic =
        Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return send(
        HttpRequest.newBuilder(URI.create(url() + path))
            .header("Authorization", "Basic " + basic)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private JsonNode send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        throw new AssertionError(request.uri() + " answered " + r.statusCode() + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }

  /** Concatenates option arrays. */
  static String[] args(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }
}
