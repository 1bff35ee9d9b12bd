package dev.mandate.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.cli.Mandate;
import dev.mandate.cli.Terminal;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The systemd units' command lines are ones the CLI accepts: each {@code ExecStart} (with its
 * variables filled in) parses with {@code --help} appended, which picocli refuses for an unknown
 * option or a missing value, so renaming an option cannot silently break a unit.
 */
class SystemdUnitsTest {
  private static final Path UNITS = Path.of("src/systemd");
  private static final String JAR = "/opt/mandate/mandate.jar";

  @ParameterizedTest
  @ValueSource(strings = {"mandate-authority.service", "mandate-gateway@.service"})
  void execStart_isAcceptedByTheCli(String unit) throws IOException {
    List<String> args = mandateArguments(Files.readAllLines(UNITS.resolve(unit)));
    assertThat(args).isNotEmpty();
    assertThat(args.get(0)).isIn("serve", "gateway");

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Terminal terminal =
        new Terminal(
            new ByteArrayInputStream(new byte[0]),
            new PrintWriter(out),
            new PrintWriter(err),
            Clock.systemUTC(),
            new SecureRandom());
    List<String> withHelp = new ArrayList<>(args);
    withHelp.add("--help");
    int status = Mandate.run(terminal, withHelp.toArray(String[]::new));

    assertThat(status).as(err.toString()).isEqualTo(Mandate.OK);
    assertThat(out.toString()).startsWith("Usage: mandate " + args.get(0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"mandate-authority.service", "mandate-gateway@.service"})
  void secrets_areCredentials_neverArguments(String unit) throws IOException {
    List<String> lines = Files.readAllLines(UNITS.resolve(unit));
    assertThat(lines).anyMatch(l -> l.startsWith("LoadCredential="));
    assertThat(String.join(" ", mandateArguments(lines)))
        .doesNotContainIgnoringCase("password")
        .doesNotContain("MANDATE_MASTER_KEY=");
    assertThat(lines).contains("NoNewPrivileges=yes", "ProtectSystem=strict", "UMask=0077");
  }

  /** What ExecStart passes to mandate.jar, with systemd's variables and specifiers filled in. */
  private static List<String> mandateArguments(List<String> unit) {
    String exec =
        unit.stream()
            .filter(l -> l.startsWith("ExecStart="))
            .findFirst()
            .orElseThrow()
            .substring("ExecStart=".length())
            .replace("${MANDATE_DB}", "jdbc:postgresql://db.internal:5432/mandate?user=mandate")
            .replace("%i", "a");
    List<String> words = Arrays.asList(exec.trim().split("\\s+"));
    int jar = words.indexOf(JAR);
    assertThat(jar).as("ExecStart runs " + JAR).isPositive();
    assertThat(words.get(jar - 1)).isEqualTo("-jar");
    return words.subList(jar + 1, words.size());
  }
}
