package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.authority.AuthorityServer;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    try (CliAuthority first = CliAuthority.start(tmp)) {
      adminSecret = Files.readString(first.adminSecret).strip();
      agentSecret = Files.readString(first.agentSecret).strip();
      gatewaySecret = first.createClient("gateway");
    }
    int port = Await.freePort();
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
          AuthorityApi api = new AuthorityApi(server.url());
          String token =
              api.mint(
                      Http.basic("agent", agentSecret),
                      "5m",
                      null,
                      null,
                      "fs:read_text_file:/data/invoices/2024/**")
                  .token();
          Reply denied = Http.get(gateway.url() + "/v1/keys", null);
          Reply allowed = Http.get(gateway.url() + "/v1/keys", "Bearer " + token);
          seen.set(
              new Seen(
                  denied.status(),
                  allowed.status(),
                  allowed.body(),
                  decisionAudited(api, Http.basic("admin", adminSecret))));
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
  private static boolean decisionAudited(AuthorityApi api, String admin) {
    try {
      Await.until(
          Duration.ofSeconds(10),
          () -> {
            Reply r = api.get("/v1/audit?limit=500", admin);
            return r.status() == 200 && r.body().contains("\"decision");
          });
      return true;
    } catch (AssertionError e) {
      return false;
    }
  }
}
