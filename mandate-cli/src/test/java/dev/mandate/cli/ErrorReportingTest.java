package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad input is one line on stderr, exit 2, no stack trace, and nothing on stdout. */
class ErrorReportingTest {
  private final CliRun cli = new CliRun();

  @TempDir Path dir;

  static Stream<Arguments> badMintOptions() {
    return Stream.of(
        Arguments.of("bad --arg syntax", new String[] {"--arg", "path-without-slash"}),
        Arguments.of("unknown --arg kind", new String[] {"--arg", "/p=sometimes:x"}),
        Arguments.of("bad range", new String[] {"--arg", "/n=range:ten..20"}),
        Arguments.of("exact without JSON", new String[] {"--arg", "/mode=exact:read"}),
        Arguments.of("bad regex", new String[] {"--arg", "/x=regex:(unclosed"}),
        Arguments.of("bad cidr", new String[] {"--arg", "/ip=cidr:10.0.0.0/99"}),
        Arguments.of("bad duration", new String[] {"--ttl", "15 minutes"}),
        Arguments.of("sub-second ttl", new String[] {"--ttl", "500ms"}),
        Arguments.of("bad grant", new String[] {"--allow", "fs-only"}),
        Arguments.of("bad instant", new String[] {"--not-before", "tomorrow"}),
        Arguments.of("bad CEL", new String[] {"--where", "args.x >"}),
        Arguments.of("bad max uses", new String[] {"--max-uses", "0"}),
        Arguments.of("not a number", new String[] {"--max-depth", "lots"}),
        Arguments.of("unknown option", new String[] {"--frobnicate"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badMintOptions")
  void mint_withBadInput_printsOneLineAndExitsTwo(String name, String[] bad) throws Exception {
    cli.keygen(dir, "authority");
    String[] base = {
      "mint", "--key", dir.resolve("authority.key").toString(), "--allow", "fs:r:/x", "--ttl", "1m"
    };
    String[] args = Stream.concat(Stream.of(base), Stream.of(bad)).toArray(String[]::new);

    CliRun.Result r = cli.run(args);

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("mandate: ");
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void mint_withAMissingKeyFile_saysHowToCreateOne() {
    CliRun.Result r =
        cli.run(
            "mint",
            "--key",
            dir.resolve("none.key").toString(),
            "--allow",
            "fs:r:/x",
            "--ttl",
            "1m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("does not exist").contains("mandate keygen");
  }

  @Test
  void mint_withAGarbageKeyFile_isOneLine() throws Exception {
    Path key = dir.resolve("bad.key");
    Files.writeString(key, "mndsk1_!!!!");
    Files.setPosixFilePermissions(
        key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    CliRun.Result r = cli.run("mint", "--key", key.toString(), "--allow", "fs:r:/x", "--ttl", "1m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("is not a Mandate private key");
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void mint_withoutExpiryOrGrant_isBadUsage() {
    cli.keygen(dir, "authority");
    String key = dir.resolve("authority.key").toString();

    assertThat(cli.run("mint", "--key", key, "--allow", "fs:r:/x").err()).contains("expiry");
    assertThat(cli.run("mint", "--key", key, "--ttl", "1m").err()).contains("--allow");
  }

  @Test
  void noCommand_andUnknownCommand_areBadUsage() {
    assertThat(cli.run().exit()).isEqualTo(2);
    CliRun.Result unknown = cli.run("frobnicate");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err().lines()).hasSize(1);
  }

  @Test
  void unknownLogFormat_isBadUsage_beforeAnyCommandRuns() {
    CliRun.Result r = new CliRun().env(Map.of("MANDATE_LOG_FORMAT", "xml")).run("version");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("mandate: MANDATE_LOG_FORMAT must be text or json, got 'xml'\n");
    assertThat(new CliRun().env(Map.of("MANDATE_LOG_FORMAT", "json")).run("version").exit())
        .isZero();
  }

  @Test
  void messages_escapeControlCharacters() {
    CliRun.Result r = cli.run("keygen", "--out", dir.toString(), "--name", "a\nb\u001b[31m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).doesNotContain("\u001b");
  }

  @Test
  void help_listsTheArgumentSyntax() {
    CliRun.Result r = cli.run("mint", "--help");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("within:/data/x").contains("range:0..100").contains("url:https@");
  }
}
