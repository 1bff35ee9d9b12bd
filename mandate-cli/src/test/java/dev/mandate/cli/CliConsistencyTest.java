package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** What holds for every command: help that renders cleanly, version, completion, error style. */
class CliConsistencyTest {
  private final CliRun cli = new CliRun();
  @TempDir Path tmp;

  /** Every command and subcommand, by its qualified name. */
  static Stream<Arguments> commands() {
    CommandLine root = Mandate.commandLine(CliRun.quietTerminal());
    List<Arguments> all = new ArrayList<>();
    collect(root, all);
    return all.stream();
  }

  private static void collect(CommandLine cli, List<Arguments> all) {
    all.add(Arguments.of(cli.getCommandSpec().qualifiedName(" "), cli.getCommandSpec()));
    cli.getSubcommands().values().stream()
        .distinct()
        .filter(sub -> sub.getParent() == cli)
        .forEach(sub -> collect(sub, all));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("commands")
  void helpText_formatsWithoutWarnings_andExamplesDoNotWrap(String name, CommandSpec spec) {
    var usage = spec.usageMessage();
    List<String> texts = new ArrayList<>();
    texts.addAll(List.of(usage.description()));
    texts.addAll(List.of(usage.header()));
    texts.addAll(List.of(usage.footer()));
    for (OptionSpec o : spec.options()) {
      texts.addAll(List.of(o.description()));
    }
    // picocli runs each line through String.format; an unescaped % makes it print a warning.
    for (String text : texts) {
      assertThatCode(() -> String.format(text)).as(text).doesNotThrowAnyException();
    }
    // Footers (examples, notes) are printed as written and wrapped at 80 columns: a longer line
    // breaks mid-command.
    for (String line : usage.footer()) {
      assertThat(String.format(line).length())
          .as("footer line of '%s': %s", name, line)
          .isLessThanOrEqualTo(80);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("commands")
  void helpOutput_isOnStdout_andExitsZero(String name, CommandSpec spec) {
    List<String> args =
        new ArrayList<>(List.of(name.split(" ")).subList(1, name.split(" ").length));
    args.add("--help");

    CliRun.Result r = cli.run(args.toArray(String[]::new));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("Usage: " + name + " ");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void version_printsTheBuildVersion_andTheRuntime() throws Exception {
    CliRun.Result r = cli.run("version");
    CliRun.Result flag = cli.run("--version");
    CliRun.Result json = cli.run("version", "--json");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).matches("(?s)mandate \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\nJava .*");
    assertThat(flag.out()).isEqualTo(r.out());
    assertThat(CliAuthority.JSON.readTree(json.out()).get("version").asText())
        .isEqualTo(r.out().lines().findFirst().orElseThrow().substring("mandate ".length()));
  }

  @Test
  void completion_printsABashScript_thatKnowsEveryCommandAndOption() {
    CliRun.Result r = cli.run("completion");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("#!/usr/bin/env bash")
        .contains("complete -F")
        .contains("clients")
        .contains("reset-secret")
        .contains("bootstrap")
        .contains("--admin-secret-out")
        .contains("--secret-out");
  }

  static Stream<Arguments> unreadableInputs() {
    return Stream.of(
        Arguments.of("a missing --pub", new String[] {"check", "--pub", "/nonexistent/a.pub"}),
        Arguments.of("--pub under a file", new String[] {"check", "--pub", "/etc/hostname/x"}),
        Arguments.of("--request @missing", new String[] {"check", "--request", "@/nonexistent"}),
        Arguments.of(
            "--secret-file a directory",
            new String[] {
              "keys",
              "rotate",
              "--authority",
              "http://127.0.0.1:1",
              "--client",
              "a",
              "--secret-file",
              "/tmp"
            }),
        Arguments.of(
            "unreachable authority",
            new String[] {"keys", "list", "--authority", "http://127.0.0.1:1"}),
        Arguments.of("a directory as a policy", new String[] {"policy", "test", "/tmp", "/tmp"}),
        Arguments.of(
            "--out in a missing directory",
            new String[] {"admin", "new-master-key", "--out", "/nonexistent/m.key"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unreadableInputs")
  void unreadableInput_isOneLineOnStderr_exitTwo_withoutJavaExceptionNames(
      String name, String[] args) throws Exception {
    cli.keygen(tmp, "authority");
    List<String> full = new ArrayList<>(List.of(args));
    if (full.get(0).equals("check")) {
      if (!full.contains("--pub")) {
        full.addAll(List.of("--pub", tmp.resolve("authority.pub").toString()));
      }
      if (!full.contains("--request")) {
        full.addAll(List.of("--request", CliRun.readFile("/a")));
      }
    }

    CliRun.Result r = cli.pipe("mnd1_x", full.toArray(String[]::new));

    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines()).singleElement().asString().startsWith("mandate: ");
    assertThat(r.err())
        .doesNotContainPattern("[A-Za-z]+(Exception|Error)\\b")
        .doesNotContain("java.")
        .doesNotContain("\tat ");
  }

  @Test
  void aSecretFileOthersCanRead_isRefused_withTheFix() throws Exception {
    Path secret = Files.writeString(tmp.resolve("s"), "mndcs1_x\n");
    Files.setPosixFilePermissions(
        secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

    CliRun.Result r =
        cli.env(
                java.util.Map.of(
                    "MANDATE_AUTHORITY", "http://127.0.0.1:1",
                    "MANDATE_CLIENT", "a",
                    "MANDATE_SECRET_FILE", secret.toString()))
            .run("clients", "list");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("readable or writable by other users").contains("chmod 600");
  }
}
