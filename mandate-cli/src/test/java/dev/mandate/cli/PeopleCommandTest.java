package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.ConsoleBrowser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code mandate people ...} against a real authority; the people then sign in to its console. */
class PeopleCommandTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path tmp;
  @RegisterExtension final CliAuthority authority = new CliAuthority();
  private CliRun admin;

  @BeforeEach
  void start() {
    admin =
        new CliRun()
            .env(
                Map.of(
                    "MANDATE_AUTHORITY", authority.url(),
                    "MANDATE_CLIENT", "admin",
                    "MANDATE_SECRET_FILE", authority.adminSecret.toString()));
  }

  private int signIn(String name, String password) {
    return new ConsoleBrowser(authority.url()).signIn(name, password, null).status();
  }

  @Test
  void create_withThePasswordOnStdin_makesAPersonWhoCanSignIn() throws Exception {
    CliRun.Result r =
        admin.pipe(
            PASSWORD + "\n",
            "people",
            "create",
            "alice",
            "--role",
            "approver",
            "--groups",
            "finance,legal");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("alice  approver  groups=finance,legal")
        .doesNotContain(PASSWORD);
    assertThat(signIn("alice", PASSWORD)).isEqualTo(303);
    assertThat(signIn("alice", "wrong password")).isEqualTo(401);
    JsonNode list = CliAuthority.JSON.readTree(admin.run("people", "list", "--json").out());
    assertThat(list.get(0).get("name").asText()).isEqualTo("alice");
    assertThat(list.toString()).doesNotContain("argon2").doesNotContain(PASSWORD);
  }

  @Test
  void create_readsAPrivatePasswordFile_andRefusesAnOpenOne() throws Exception {
    Path file = tmp.resolve("pw");
    Files.writeString(file, PASSWORD + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    CliRun.Result open =
        admin.run(
            "people", "create", "bob", "--role", "operator", "--password-file", file.toString());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    CliRun.Result ok =
        admin.run(
            "people", "create", "bob", "--role", "operator", "--password-file", file.toString());

    assertThat(open.exit()).isEqualTo(2);
    assertThat(open.err()).contains("readable or writable by other users");
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(signIn("bob", PASSWORD)).isEqualTo(303);
  }

  @Test
  void badInput_isRefusedBeforeAnythingIsMade() {
    CliRun.Result role = admin.pipe(PASSWORD, "people", "create", "carol", "--role", "boss");
    CliRun.Result name = admin.pipe(PASSWORD, "people", "create", "Carol!", "--role", "admin");
    CliRun.Result weak = admin.pipe("short", "people", "create", "carol", "--role", "admin");

    assertThat(role.exit()).isEqualTo(2);
    assertThat(role.err()).contains("--role must be approver, operator or admin");
    assertThat(name.exit()).isEqualTo(2);
    assertThat(weak.exit()).isEqualTo(2);
    assertThat(weak.err()).contains("8 to 1024 characters");
    assertThat(admin.run("people", "list").out()).isEmpty();
  }

  @Test
  void passwd_replacesThePassword_andDisableStopsSignIn() {
    admin.pipe(PASSWORD, "people", "create", "dave", "--role", "operator");

    CliRun.Result passwd = admin.pipe("another fine password", "people", "passwd", "dave");
    assertThat(passwd.exit()).as(passwd.err()).isZero();
    assertThat(signIn("dave", PASSWORD)).isEqualTo(401);
    assertThat(signIn("dave", "another fine password")).isEqualTo(303);

    CliRun.Result disable = admin.run("people", "disable", "dave");
    assertThat(disable.exit()).as(disable.err()).isZero();
    assertThat(disable.out()).contains("disabled=");
    assertThat(signIn("dave", "another fine password")).isEqualTo(401);
  }

  @Test
  void totp_showsTheUriOnceOnATerminal_orWritesItToAPrivateFile_neverToAPipe() throws Exception {
    admin.pipe(PASSWORD, "people", "create", "erin", "--role", "approver");

    CliRun.Result pipe = admin.run("people", "totp", "erin");
    CliRun.Result terminal = admin.interactive(true).run("people", "totp", "erin");
    Path file = tmp.resolve("erin.uri");
    CliRun.Result toFile =
        admin.interactive(false).run("people", "totp", "erin", "--uri-out", file.toString());

    assertThat(pipe.exit()).isEqualTo(2);
    assertThat(pipe.err()).contains("--uri-out");
    assertThat(terminal.exit()).as(terminal.err()).isZero();
    assertThat(terminal.out()).contains("otpauth://totp/Mandate:erin?secret=");
    assertThat(toFile.exit()).as(toFile.err()).isZero();
    assertThat(toFile.out()).doesNotContain("otpauth");
    assertThat(Files.readString(file)).startsWith("otpauth://totp/");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(signIn("erin", PASSWORD)).as("the code is now required").isEqualTo(401);
    assertThat(admin.run("people", "list").out()).contains("erin  approver  groups=-  totp");
  }
}
