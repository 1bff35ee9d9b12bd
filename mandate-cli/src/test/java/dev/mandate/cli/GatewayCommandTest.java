package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.gateway.GatewayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayCommandTest {
  @TempDir Path tmp;

  private final CliRun cli = new CliRun();

  @Test
  void runningGateway_printsWhereItListensAndWhatItServes_andAnswersHealth() throws Exception {
    try (CliAuthority authority = CliAuthority.start(tmp)) {
      Path secretFile = authority.createClient("gateway");
      Path config = tmp.resolve("gateway.yaml");
      Files.writeString(
          config,
          """
          listen: {host: 127.0.0.1, port: 0}
          audience: gw-cli
          authority: {url: %s, clientId: gateway, clientSecretFile: %s}
          spool: {dir: %s}
          shutdownTimeout: 1s
          http:
            upstreams:
              api: {url: "http://127.0.0.1:9"}
            routes:
              - {match: "GET /repos/{owner}/{repo}/issues", upstream: api, action: list_issues, resource: "/repos/{owner}/{repo}"}
          """
              .formatted(authority.url(), secretFile, tmp.resolve("spool")));

      CliRun.Live live = new CliRun.Live();
      GatewayCommand command = live.command("gateway");
      AtomicInteger health = new AtomicInteger();
      command.lifetime =
          (GatewayServer gateway) -> {
            HttpResponse<String> r;
            try {
              r =
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(URI.create(gateway.url() + "/health")).build(),
                          HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
            health.set(r.statusCode());
          };
      CliRun.Result r = live.execute("gateway", "--config", config.toString());

      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(health.get()).isEqualTo(200);
      assertThat(r.out())
          .containsPattern("Mandate gateway 'gw-cli' listening on http://127\\.0\\.0\\.1:\\d+")
          .contains("api  http://127.0.0.1:9")
          .contains("GET /repos/{owner}/{repo}/issues  -> api  as api:list_issues:/repos/")
          .doesNotContain(Files.readString(secretFile).strip());
    }
  }

  @Test
  void invalidConfiguration_isOneLineNamingTheKey() throws Exception {
    Path config = tmp.resolve("bad.yaml");
    Files.writeString(config, "listen: {host: 127.0.0.1, port: 0}\nbogus: 1\n");
    CliRun.Result r = cli.run("gateway", "--config", config.toString());
    assertThat(r.exit()).isEqualTo(Mandate.USAGE);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).startsWith("mandate: invalid gateway configuration: ").contains("bogus");
  }

  @Test
  void missingConfigurationFile_isOneLine() {
    CliRun.Result r = cli.run("gateway", "--config", tmp.resolve("absent.yaml").toString());
    assertThat(r.exit()).isEqualTo(Mandate.USAGE);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("cannot read the gateway configuration");
  }
}
