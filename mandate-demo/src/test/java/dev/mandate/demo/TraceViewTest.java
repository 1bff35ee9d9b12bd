package dev.mandate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceViewTest {
  private static final DemoCall ALLOWED =
      new DemoCall(1, "reader", "read_text_file", "/a.txt", false, DemoCall.Decision.ALLOW, "");
  private static final DemoCall DENIED =
      new DemoCall(
          12, "attacker", "send_email", "to x@y", true, DemoCall.Decision.DENY, "not enabled");

  @Test
  void plain_hasNoEscapes_andAlignsTheColumns() {
    String text = render(false);

    assertThat(text).doesNotContain("\u001b[");
    List<String> rows =
        text.lines().filter(l -> l.contains("/a.txt") || l.contains("x@y")).toList();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).indexOf("ALLOW")).isEqualTo(rows.get(1).indexOf("DENY"));
    assertThat(rows.get(0).indexOf("/a.txt")).isEqualTo(rows.get(1).indexOf("to x@y"));
  }

  @Test
  void colour_paintsDecisions() {
    String text = render(true);

    assertThat(text).contains("\u001b[32m\u001b[1mALLOW").contains("\u001b[31m\u001b[1mDENY");
  }

  @Test
  void anUnexpectedDecisionIsFlagged() {
    StringWriter out = new StringWriter();
    TraceView view = new TraceView(new PrintWriter(out), false);
    view.call(new DemoCall(1, "reader", "write_file", "/p", true, DemoCall.Decision.ALLOW, ""));

    assertThat(out.toString()).contains("<- unexpected");
  }

  private static String render(boolean colour) {
    StringWriter out = new StringWriter();
    TraceView view = new TraceView(new PrintWriter(out), colour);
    view.startCalls(
        List.of("reader", "attacker"), List.of("read_text_file", "send_email"), List.of("/a.txt"));
    view.call(ALLOWED);
    view.call(DENIED);
    return out.toString();
  }
}
