package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.authority.AuthorityServer;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.testkit.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
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
    return serve(new CliRun.Live(true, Map.of()), null, args);
  }

  /**
   * As {@link #serve(String...)} on {@code cli}; with {@code secretFile}, the admin secret is read
   * from that file instead of the screen. {@code whileRunning} runs while the authority listens.
   */
  private Served serve(CliRun.Live cli, Path secretFile, String... args) {
    return serve(cli, secretFile, url -> {}, args);
  }

  private Served serve(
      CliRun.Live cli, Path secretFile, Consumer<String> whileRunning, String... args) {
    ServeCommand serve = cli.command("serve");
    AtomicReference<String> url = new AtomicReference<>();
    int[] adminStatus = {0};
    serve.lifetime =
        (AuthorityServer server, GatewayServer gateway) -> {
          url.set(server.url());
          String secret = null;
          if (secretFile != null) {
            secret = Files.exists(secretFile) ? readString(secretFile).strip() : null;
          } else {
            Matcher m = Pattern.compile("admin secret +(mndcs1_\\S+)").matcher(cli.out());
            secret = m.find() ? m.group(1) : null;
          }
          if (secret != null) {
            adminStatus[0] = get(server.url() + "/v1/audit/verify", "admin", secret);
          }
          whileRunning.accept(server.url());
        };
    CliRun.Result r = cli.execute(args);
    return new Served(r.exit(), r.out(), r.err(), url.get(), adminStatus[0]);
  }

  /** {@code serve --data DATA --port 0}, then {@code more}. */
  private static String[] serveOn(Path data, String... more) {
    String[] args = new String[5 + more.length];
    System.arraycopy(
        new String[] {"serve", "--data", data.toString(), "--port", "0"}, 0, args, 0, 5);
    System.arraycopy(more, 0, args, 5, more.length);
    return args;
  }

  private static String readString(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String mode(Path p) throws java.io.IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static int get(String url, String client, String secret) {
    return Http.get(url, Http.basic(client, secret)).status();
  }

  @Test
  void firstStart_printsOneScreen_withWhereEverythingIs_theOneTimeAdminSecret_andWhatToDoNext() {
    Path data = tmp.resolve("data");

    Served s = serve(serveOn(data));

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
    serve(serveOn(data));

    Served again = serve(serveOn(data));

    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out())
        .startsWith("Mandate authority listening on " + again.url())
        .doesNotContain("admin secret")
        .doesNotContain("mndcs1_");
  }

  @Test
  void startFailure_isOneLine_exitTwo() {
    Served s =
        serve(serveOn(tmp.resolve("data"), "--policy", tmp.resolve("missing.yaml").toString()));

    assertThat(s.exit()).isEqualTo(2);
    assertThat(s.err().lines().filter(l -> l.startsWith("mandate: ")))
        .singleElement()
        .asString()
        .contains("the authority did not start")
        .contains("missing.yaml");
    assertThat(s.err()).doesNotContain("\tat ");
  }

  @Test
  void firstStart_withoutATerminal_printsNoSecret_andLeavesTheAdminToAHostReset() throws Exception {
    Path data = tmp.resolve("data");

    Served s = serve(new CliRun.Live(), null, serveOn(data));

    assertThat(s.exit()).as(s.err()).isZero();
    assertThat(s.out() + s.err()).doesNotContain("mndcs1_");
    assertThat(s.out())
        .contains("The admin client was NOT created")
        .contains("mandate admin reset-secret --data " + data + " --secret-out admin.secret");
    // On the host, later: the reset creates the admin, into a 0600 file.
    Path secret = tmp.resolve("admin.secret");
    CliRun.Result reset =
        new CliRun()
            .run(
                "admin",
                "reset-secret",
                "--data",
                data.toString(),
                "--secret-out",
                secret.toString());
    assertThat(reset.exit()).as(reset.err()).isZero();
    assertThat(reset.out()).doesNotContain("mndcs1_");
    assertThat(mode(secret)).isEqualTo("rw-------");

    Served again = serve(new CliRun.Live(), secret, serveOn(data));

    assertThat(again.adminStatus()).as("the reset secret works").isEqualTo(200);
  }

  @Test
  void firstStart_withAdminSecretOut_writesTheSecretTo0600File_andNotToTheScreen()
      throws Exception {
    Path data = tmp.resolve("data");
    Path secret = tmp.resolve("admin.secret");

    Served s =
        serve(new CliRun.Live(), secret, serveOn(data, "--admin-secret-out", secret.toString()));

    assertThat(s.exit()).as(s.err()).isZero();
    assertThat(s.out() + s.err()).doesNotContain("mndcs1_");
    assertThat(s.out()).contains("admin secret    written to " + secret + " (mode 0600)");
    assertThat(mode(secret)).isEqualTo("rw-------");
    assertThat(readString(secret)).startsWith("mndcs1_");
    assertThat(s.adminStatus()).as("the written secret works").isEqualTo(200);
  }

  @Test
  void adminSecretOut_inADirectoryThatDoesNotExist_isRefusedBeforeAnythingIsCreated() {
    Path data = tmp.resolve("data");

    Served s =
        serve(
            new CliRun.Live(),
            null,
            serveOn(data, "--admin-secret-out", tmp.resolve("nope/admin.secret").toString()));

    assertThat(s.exit()).isEqualTo(2);
    assertThat(s.err()).startsWith("mandate: --admin-secret-out").contains("does not exist");
    assertThat(data).doesNotExist();
  }

  @Test
  void hostReset_onAnInteractiveTerminal_showsTheSecret_andWithoutOne_needsSecretOut()
      throws Exception {
    Path data = tmp.resolve("data");
    serve(serveOn(data));

    CliRun.Result piped = new CliRun().run("admin", "reset-secret", "--data", data.toString());
    CliRun.Result shown =
        new CliRun().interactive(true).run("admin", "reset-secret", "--data", data.toString());

    assertThat(piped.exit()).isEqualTo(2);
    assertThat(piped.err()).contains("stdout is not a terminal").contains("--secret-out");
    assertThat(piped.out()).isEmpty();
    assertThat(shown.exit()).as(shown.err()).isZero();
    assertThat(shown.out()).containsPattern("the new admin secret  mndcs1_\\S+");
  }

  @Test
  void secondServe_onTheSameDataDirectory_refusesToStart() {
    Path data = tmp.resolve("data");
    Served[] second = new Served[1];

    Served first =
        serve(
            new CliRun.Live(true, Map.of()),
            null,
            url -> second[0] = serve(new CliRun.Live(true, Map.of()), null, serveOn(data)),
            serveOn(data));

    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(second[0].exit()).isEqualTo(2);
    assertThat(second[0].err())
        .startsWith(
            "mandate: the authority did not start: another authority is running on the"
                + " data directory "
                + data);
    assertThat(second[0].url()).isNull();
  }

  @Test
  void aPasswordInsideDb_isRefused_withoutEchoingIt() {
    Served s =
        serve(
            serveOn(
                tmp.resolve("data"),
                "--db",
                "jdbc:postgresql://127.0.0.1:5432/test?user=mandate&password=hunter2"));

    assertThat(s.exit()).isEqualTo(2);
    assertThat(s.err())
        .contains("holds a password")
        .contains("MANDATE_DB_PASSWORD_FILE")
        .doesNotContain("hunter2");
    assertThat(tmp.resolve("data")).doesNotExist();
  }

  @Test
  void dbPasswordFile_mustBePrivate_andIsOnlyForPostgres() throws Exception {
    Path password = tmp.resolve("db.password");
    Files.writeString(password, "hunter2\n");
    Files.setPosixFilePermissions(
        password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    String pg = "jdbc:postgresql://127.0.0.1:5432/test?user=mandate";

    Served open =
        serve(
            new CliRun.Live(true, Map.of("MANDATE_DB_PASSWORD_FILE", password.toString())),
            null,
            serveOn(tmp.resolve("data"), "--db", pg));
    Files.setPosixFilePermissions(
        password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Served sqlite = serve(serveOn(tmp.resolve("data"), "--db-password-file", password.toString()));

    assertThat(open.exit()).isEqualTo(2);
    assertThat(open.err())
        .contains("MANDATE_DB_PASSWORD_FILE " + password)
        .contains("readable or writable by other users")
        .doesNotContain("hunter2");
    assertThat(sqlite.exit()).isEqualTo(2);
    assertThat(sqlite.err()).contains("is for a PostgreSQL database").doesNotContain("hunter2");
  }

  @Test
  void masterKey_byDefault_goesToTheConfigDirectory_notNextToTheDatabase() throws Exception {
    Path data = tmp.resolve("data");
    Path home = tmp.resolve("home");

    Served s = serve(new CliRun.Live(true, Map.of("HOME", home.toString())), null, serveOn(data));

    Path key = home.resolve(".config/mandate/master.key");
    assertThat(s.exit()).as(s.err()).isZero();
    assertThat(s.out()).contains("master key      " + key).doesNotContain("next to the database");
    assertThat(mode(key)).isEqualTo("rw-------");
    assertThat(data.resolve("master.key")).doesNotExist();
    // The host reset finds it the same way.
    CliRun.Result reset =
        new CliRun()
            .env(Map.of("HOME", home.toString()))
            .run(
                "admin",
                "reset-secret",
                "--data",
                data.toString(),
                "--secret-out",
                tmp.resolve("admin.secret").toString());
    assertThat(reset.exit()).as(reset.err()).isZero();
  }

  @Test
  void masterKey_fromAFileAnEnvironmentVariableOrACommand() throws Exception {
    Path keyFile = tmp.resolve("keys/master.key");
    Files.createDirectories(keyFile.getParent());
    CliRun.Result made = new CliRun().run("admin", "new-master-key", "--out", keyFile.toString());
    assertThat(made.exit()).as(made.err()).isZero();
    assertThat(mode(keyFile)).isEqualTo("rw-------");
    String key = readString(keyFile).strip();

    Served byOption = serve(serveOn(tmp.resolve("a"), "--master-key-file", keyFile.toString()));
    Served byFileVariable =
        serve(
            new CliRun.Live(true, Map.of("MANDATE_MASTER_KEY_FILE", keyFile.toString())),
            null,
            serveOn(tmp.resolve("a")));
    Served byKeyVariable =
        serve(
            new CliRun.Live(true, Map.of("MANDATE_MASTER_KEY", key)),
            null,
            serveOn(tmp.resolve("a")));
    Served byCommand =
        serve(serveOn(tmp.resolve("a"), "--master-key-command", "cat '" + keyFile + "'"));
    Path otherFile = tmp.resolve("keys/other.key");
    assertThat(new CliRun().run("admin", "new-master-key", "--out", otherFile.toString()).exit())
        .isZero();
    String other = readString(otherFile).strip();
    Served wrongKey =
        serve(
            new CliRun.Live(true, Map.of("MANDATE_MASTER_KEY", other)),
            null,
            serveOn(tmp.resolve("a")));

    assertThat(byOption.exit()).as(byOption.err()).isZero();
    assertThat(byOption.out()).contains("master key      " + keyFile);
    assertThat(byFileVariable.exit()).as(byFileVariable.err()).isZero();
    assertThat(byKeyVariable.exit()).as(byKeyVariable.err()).isZero();
    assertThat(byKeyVariable.out()).contains("environment variable MANDATE_MASTER_KEY");
    assertThat(byCommand.exit()).as(byCommand.err()).isZero();
    assertThat(byCommand.out()).contains("master key command");
    assertThat(wrongKey.exit()).isEqualTo(2);
    assertThat(wrongKey.err())
        .contains("is not the master key this database was created with")
        .doesNotContain(key)
        .doesNotContain(other);
    assertThat(tmp.resolve("a/master.key")).doesNotExist();
  }
}
