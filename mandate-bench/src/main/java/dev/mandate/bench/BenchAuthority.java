package dev.mandate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.crypto.VerifyingKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * The authority of a gateway benchmark: on SQLite, on a free port of 127.0.0.1, with a client
 * {@code gateway} for the gateway under test and one capability minted for the load generator, for
 * the audience {@link #AUDIENCE}. Its secrets belong to a throwaway data directory.
 */
final class BenchAuthority implements AutoCloseable {
  static final String AUDIENCE = "gw-bench";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AuthorityServer server;
  private final String gatewaySecret;
  private final String token;
  private final String admin;
  private final String tokenGrant;

  private BenchAuthority(
      AuthorityServer server, String gatewaySecret, String token, String admin, String tokenGrant) {
    this.server = server;
    this.gatewaySecret = gatewaySecret;
    this.token = token;
    this.admin = admin;
    this.tokenGrant = tokenGrant;
  }

  /**
   * Starts it in {@code dir}: the admin client may mint {@code adminGrant}, and the load
   * generator's capability carries {@code tokenGrant} (both {@code service:action:resource}).
   */
  static BenchAuthority start(Path dir, String adminGrant, String tokenGrant) throws Exception {
    Files.createDirectories(dir);
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        """
        version: 1
        clients:
          admin:
            grants: ["%s"]
            maxTtl: 2h
            require: [audience]
            audiences: [%s]
          gateway:
            role: gateway
        """
            .formatted(adminGrant, AUDIENCE));
    AuthorityServer server =
        AuthorityServer.start(
            AuthorityConfig.builder(dir.resolve("authority"))
                .port(0)
                .policyFile(policy)
                .policyReloadInterval(Duration.ZERO)
                .shutdownTimeout(Duration.ofSeconds(2))
                .environment(Map.of())
                .build());
    String admin =
        basic(
            "admin",
            server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow());
    String gatewaySecret =
        post(server.url() + "/v1/clients", "{\"clientId\":\"gateway\"}", admin)
            .get("secret")
            .asText();
    String token = mint(server.url(), admin, tokenGrant, "");
    return new BenchAuthority(server, gatewaySecret, token, admin, tokenGrant);
  }

  private static String mint(String url, String admin, String grant, String more) throws Exception {
    return post(
            url + "/v1/capabilities",
            "{\"grants\":[\""
                + grant
                + "\"],\"ttl\":\"1h\",\"audience\":\""
                + AUDIENCE
                + "\""
                + more
                + "}",
            admin)
        .get("token")
        .asText();
  }

  /** A capability like {@link #token()}'s, bound to {@code holder}: every call needs its proof. */
  String boundTo(VerifyingKey holder) throws Exception {
    return mint(server.url(), admin, tokenGrant, ",\"holderKey\":\"" + holder.toText() + "\"");
  }

  String url() {
    return server.url();
  }

  /** The secret of the client {@code gateway}. */
  String gatewaySecret() {
    return gatewaySecret;
  }

  /** The load generator's capability token. */
  String token() {
    return token;
  }

  @Override
  public void close() {
    server.close();
  }

  /** The {@code Authorization} header value for a client of the authority. */
  static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode post(String url, String json, String auth) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", auth)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
