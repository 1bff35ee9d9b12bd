package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The command's surface; the demo itself runs in mandate-demo's DemoTest. */
class DemoCommandTest {
  private final CliRun cli = new CliRun();

  @Test
  void isListedAndDocumentsItsExitStatus() {
    assertThat(cli.run("--help").out()).contains("demo");
    CliRun.Result help = cli.run("demo", "--help");

    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("--color=WHEN").contains("auto, always, never");
    assertThat(help.out()).contains("0 every task call allowed and every injected call denied");
    assertThat(help.out()).contains("--console").contains("approval in the console");
  }

  @Test
  void anUnknownColourMode_isBadUsage() {
    CliRun.Result r = cli.run("demo", "--color=sometimes");

    assertThat(r.exit()).isEqualTo(Mandate.USAGE);
    assertThat(r.err()).startsWith("mandate: ").contains("sometimes");
  }
}
