package dev.mandate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Runs {@code mandate demo} in this process, for real, once, and checks what it reports. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoTest {
  private DemoReport report;
  private String output;

  @BeforeAll
  void runTheDemo() {
    StringWriter text = new StringWriter();
    report = Demo.run(new PrintWriter(text, true), false);
    output = text.toString();
  }

  @Test
  void passes_everyTaskCallAllowed_everyInjectedCallDenied() {
    assertThat(report.exitCode()).as(output).isEqualTo(DemoReport.PASSED);
    assertThat(report.legitimate())
        .extracting(DemoCall::decision)
        .containsOnly(DemoCall.Decision.ALLOW)
        .hasSize(4);
    assertThat(report.injected())
        .extracting(DemoCall::decision)
        .containsOnly(DemoCall.Decision.DENY)
        .hasSize(7);
    assertThat(report.answer()).contains("1,920.50 EUR");
  }

  @Test
  void eachInjectedCallIsDeniedForTheRightReason() {
    List<DemoCall> injected = report.injected();

    assertThat(injected)
        .extracting(c -> c.agent() + " " + c.tool() + " " + c.target())
        .containsExactly(
            "reader read_text_file /home/.ssh/id_rsa",
            "reader read_text_file /invoices/2024/../../home/.ssh/id_rsa",
            "reader send_email to " + Workspace.ATTACKER_MAIL,
            "reader write_file /invoices/2024/PAID.txt",
            "reader read_text_file /invoices/2023/inv-2023-117.txt",
            "attacker read_text_file /invoices/2024/inv-2024-001.txt",
            "attacker read_text_file /invoices/2024/inv-2024-001.txt");
    assertThat(injected.get(0).reason())
        .contains("fs:read_text_file:/home/.ssh/id_rsa is not covered");
    // The gateway normalises the path before matching, so the traversal is the same request.
    assertThat(injected.get(1).reason())
        .contains("fs:read_text_file:/home/.ssh/id_rsa is not covered");
    assertThat(injected.get(2).reason()).contains("tool 'send_email' is not enabled on fs");
    assertThat(injected.get(3).reason())
        .contains("fs:write_file:/invoices/2024/PAID.txt is not covered");
    assertThat(injected.get(4).reason())
        .contains("fs:read_text_file:/invoices/2023/inv-2023-117.txt is not covered");
    assertThat(injected.get(5).reason())
        .startsWith("stolen assistant token, no proof:")
        .contains("needs a proof signed by that key");
    assertThat(injected.get(6).reason())
        .startsWith("stolen token, proof by the attacker's key:")
        .contains("not signed by holder");
  }

  @Test
  void theLeakedTokenIsRedactedBeforeAnyModelSeesIt() {
    assertThat(report.leakedTokenRedacted()).isTrue();
    assertThat(report.leakedTokenReachedModel()).isFalse();
    assertThat(output).doesNotContain("mnd1_");
  }

  @Test
  void printsThePlainTrace_theDelegationTree_andTheVerdict() {
    assertThat(output)
        .doesNotContain("\u001b[")
        .contains("Delegation tree")
        .contains("└─ assistant")
        .contains("└─ reader")
        .contains("10 uses · no further delegation")
        .contains("assistant  list_directory, read_text_file")
        .contains("reader     read_text_file")
        .containsPattern("verdict +PASS +4/4 task calls allowed, 7/7 injected calls denied");
    // One row per call, numbered in order.
    for (DemoCall c : report.calls()) {
      assertThat(output).containsPattern("(?m)^  " + c.number() + " +" + c.agent() + " ");
    }
  }
}
