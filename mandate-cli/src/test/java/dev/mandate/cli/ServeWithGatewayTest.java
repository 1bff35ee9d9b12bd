package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.gateway.GatewayServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mandate serve --gateway FILE}: the authority and a gateway in one process. */
class ServeWithGatewayTest {
  @TempDir Path tmp;

  record Seen(int withoutToken, int withToken, String body, boolean decisionAudited) {}

  @Test
  void embeddedGateway_enforcesCapabilitiesMintedByTheSameProcess_andAuditsItsDecisions()
      throws Exception {
    // First start: the data directory, the admin, an agent client and the gateway's client.
    String agentSecret;
    String adminSecret;
    Path gatewaySecret;
    try (LocalAuthority first = LocalAuthority.start(tmp)) {
      adminSecret = Files.readString(first.adminSecret).strip();
      agentSecret = Files.readString(first.agentSecret).strip();
      String secret =
          first
              .post("/v1/clients", "{\"clientId\":\"gateway\"}", "admin", adminSecret)
              .get("secret")
              .asText();
      gatewaySecret = LocalAuthority.secretFile(tmp.resolve("gateway.secret"), secret);
    }
    int port = freePort();
    String authority = "http://127.0.0.1:" + port;
    // The upstream API is the authority's own public key listing, mapped onto the one resource
    // the policy lets the agent mint.
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(
        config,
        """
        listen: {host: 127.0.0.1, port: 0}
        audience: gw-embedded
        authority: {url: %s, clientId: gateway, clientSecretFile: %s, pollWait: 1s}
        spool: {dir: %s}
        shutdownTimeout: 5s
        http:
          upstreams:
            fs: {url: "%s"}
          routes:
            - {match: "GET /v1/keys", upstream: fs, action: read_text_file, resource: "/data/invoices/2024/keys.json"}
        """
            .formatted(authority, gatewaySecret, tmp.resolve("spool"), authority));

    CliRun.Live cli = new CliRun.Live();
    ServeCommand serve = cli.command("serve");
    AtomicReference<Seen> seen = new AtomicReference<>();
    serve.lifetime =
        (AuthorityServer server, GatewayServer gateway) -> {
          assertThat(gateway).isNotNull();
          String token =
              post(
                      server.url() + "/v1/capabilities",
                      "{\"grants\":[\"fs:read_text_file:/data/invoices/2024/**\"],\"ttl\":\"5m\"}",
                      "agent",
                      agentSecret)
                  .get("token")
                  .asText();
          HttpResponse<String> denied = get(gateway.url() + "/v1/keys", null);
          HttpResponse<String> allowed = get(gateway.url() + "/v1/keys", token);
          seen.set(
              new Seen(
                  denied.statusCode(),
                  allowed.statusCode(),
                  allowed.body(),
                  awaitDecision(server.url(), adminSecret)));
        };

    CliRun.Result r =
        cli.execute(
            "serve",
            "--data",
            tmp.resolve("data").toString(),
            "--policy",
            tmp.resolve("policy.yaml").toString(),
            "--port",
            Integer.toString(port),
            "--gateway",
            config.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("Mandate authority listening on " + authority)
        .containsPattern("Mandate gateway 'gw-embedded' listening on http://127\\.0\\.0\\.1:\\d+")
        .doesNotContain(Files.readString(gatewaySecret).strip());
    assertThat(seen.get().withoutToken()).isEqualTo(401);
    assertThat(seen.get().withToken()).as(seen.get().body()).isEqualTo(200);
    assertThat(seen.get().body()).contains("\"keyId\"");
    assertThat(seen.get().decisionAudited())
        .as("the gateway's decision reached the authority's audit trail")
        .isTrue();
  }

  @Test
  void invalidGatewayFile_isOneLine_andNothingStarts() throws Exception {
    Path config = tmp.resolve("bad.yaml");
    Files.writeString(config, "listen: {host: 127.0.0.1, port: 0}\nbogus: 1\n");
    CliRun.Result r =
        new CliRun()
            .run(
                "serve",
                "--data",
                tmp.resolve("data").toString(),
                "--port",
                "0",
                "--gateway",
                config.toString());
    assertThat(r.exit()).isEqualTo(Mandate.USAGE);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).startsWith("mandate: invalid gateway configuration: ").contains("bogus");
    assertThat(tmp.resolve("data")).as("no first start happened").doesNotExist();
  }

  /** Polls the audit trail (as the admin) for a decision the gateway reported, up to 10 s. */
  private static boolean awaitDecision(String authority, String adminSecret) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get(authority + "/v1/audit?limit=500", null, "admin", adminSecret);
      if (r.statusCode() == 200 && r.body().contains("\"decision")) {
        return true;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static HttpResponse<String> get(String url, String bearer) {
    return get(url, bearer, null, null);
  }

  private static HttpResponse<String> get(String url, String bearer, String client, String secret) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    if (client != null) {
      b.header("Authorization", "Basic " + basic(client, secret));
    }
    return send(b.build());
  }

  private static JsonNode post(String url, String json, String client, String secret) {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Basic " + basic(client, secret))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    try {
      return LocalAuthority.JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String basic(String client, String secret) {
    return Base64.getEncoder()
        .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(request.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
