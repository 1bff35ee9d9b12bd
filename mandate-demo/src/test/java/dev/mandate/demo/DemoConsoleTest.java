package dev.mandate.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code mandate demo --console} when nobody answers: the assistant's write waits for the time it
 * was given, is then reported as not approved, and the demo fails; the approver's password is never
 * printed unless asked for. (mandate-console-tests approves it in a browser.)
 */
class DemoConsoleTest {
  @Test
  void anUnansweredApproval_isReportedAsNotApproved_andThePasswordIsNotPrinted() {
    StringWriter text = new StringWriter();

    DemoReport report =
        Demo.runWithConsole(new PrintWriter(text, true), false, null, Duration.ofSeconds(3));

    String output = text.toString();
    assertThat(report.exitCode()).as(output).isEqualTo(DemoReport.FAILED);
    assertThat(report.legitimate())
        .filteredOn(c -> c.tool().equals("write_file"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.decision()).isEqualTo(DemoCall.Decision.DENY);
              assertThat(c.reason()).contains("not approved");
            });
    assertThat(output)
        .containsPattern("console\\s+http://127\\.0\\.0\\.1:[0-9]+/console/approvals")
        .containsPattern(
            "as demo \\(an operator who approves for finance\\) with the password in \\S+")
        .contains("(mode 0600)")
        .contains("recorded it at the authority as request ");
    assertThat(output).doesNotContain("mnd1_").doesNotContain("mnda1_");
  }

  @Test
  void aWaitThatIsNotPositive_isRefused() {
    PrintWriter out = new PrintWriter(new StringWriter(), true);

    assertThatThrownBy(() -> Demo.runWithConsole(out, false, null, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
  }
}
