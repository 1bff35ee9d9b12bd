package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.authority.AuthorityServer;
import dev.mandate.gateway.GatewayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {
  @TempDir Path tmp;

  /** What one run of {@code mandate serve} printed, and what the test saw while it ran. */
  record Served(int exit, String out, String err, String url, int adminStatus) {}

  /**
   * Runs {@code mandate serve ARGS} in-process; while it runs, calls an admin endpoint with the
   * secret the screen printed (if any), then returns, which stops the authority.
   */
  private Served serve(String... args) {
    CliRun.Live cli = new CliRun.Live();
    ServeCommand serve = cli.command("serve");
    AtomicReference<String> url = new AtomicReference<>();
    int[] adminStatus = {0};
    serve.lifetime =
        (AuthorityServer server, GatewayServer gateway) -> {
          url.set(server.url());
          Matcher m = Pattern.compile("admin secret +(\\S+)").matcher(cli.out());
          if (m.find()) {
            adminStatus[0] = get(server.url() + "/v1/audit/verify", "admin", m.group(1));
          }
        };
    CliRun.Result r = cli.execute(args);
    return new Served(r.exit(), r.out(), r.err(), url.get(), adminStatus[0]);
  }

  private static int get(String url, String client, String secret) {
    try {
      String basic =
          Base64.getEncoder()
              .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Authorization", "Basic " + basic)
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void firstStart_printsOneScreen_withWhereEverythingIs_theOneTimeAdminSecret_andWhatToDoNext() {
    Path data = tmp.resolve("data");

    Served s = serve("serve", "--data", data.toString(), "--port", "0");

    assertThat(s.exit()).as(s.err()).isZero();
    assertThat(s.out())
        .contains("data directory  " + data)
        .contains("master key      " + data.resolve("master.key"))
        .contains("database        jdbc:sqlite:" + data.resolve("mandate.db"))
        .contains("policy          " + data.resolve("policy.yaml"))
        .containsPattern("root key        \\S+")
        .contains("listening on    " + s.url())
        .contains("admin client    admin")
        .containsPattern("admin secret    mndcs1_\\S+")
        .contains("shown ONLY NOW and stored only as a hash")
        .contains("mandate mint --authority " + s.url())
        .contains("--secret-file")
        .contains("mandate policy check " + data.resolve("policy.yaml"));
    assertThat(s.adminStatus()).as("the printed admin secret works").isEqualTo(200);
    assertThat(Files.exists(data.resolve("policy.yaml"))).isTrue();
  }

  @Test
  void laterStart_printsWhereItListens_andNoSecret() {
    Path data = tmp.resolve("data");
    serve("serve", "--data", data.toString(), "--port", "0");

    Served again = serve("serve", "--data", data.toString(), "--port", "0");

    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out())
        .startsWith("Mandate authority listening on " + again.url())
        .doesNotContain("admin secret")
        .doesNotContain("mndcs1_");
  }

  @Test
  void startFailure_isOneLine_exitTwo() {
    Served s =
        serve(
            "serve",
            "--data",
            tmp.resolve("data").toString(),
            "--port",
            "0",
            "--policy",
            tmp.resolve("missing.yaml").toString());

    assertThat(s.exit()).isEqualTo(2);
    assertThat(s.err().lines().filter(l -> l.startsWith("mandate: ")))
        .singleElement()
        .asString()
        .contains("the authority did not start")
        .contains("missing.yaml");
    assertThat(s.err()).doesNotContain("\tat ");
  }
}
