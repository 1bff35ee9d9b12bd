package dev.mandate.demo;

import java.io.PrintWriter;
import java.util.List;

/**
 * Prints the demo's trace: headings, aligned call rows, the delegation tree and the verdict, with
 * ANSI colour when asked for and plain text otherwise.
 */
final class TraceView {
  private static final String RESET = "\u001b[0m";
  private static final String BOLD = "\u001b[1m";
  private static final String DIM = "\u001b[2m";
  private static final String RED = "\u001b[31m";
  private static final String GREEN = "\u001b[32m";
  private static final String YELLOW = "\u001b[33m";
  private static final String CYAN = "\u001b[36m";

  private static final int MAX_TARGET_CHARS = 44;

  private final PrintWriter out;
  private final boolean colour;
  private int agentWidth = 9;
  private int toolWidth = 14;
  private int targetWidth = 20;

  TraceView(PrintWriter out, boolean colour) {
    this.out = out;
    this.colour = colour;
  }

  /**
   * Whether to colour output: only for an interactive terminal that is not {@code dumb}, and never
   * when {@code NO_COLOR} is set (https://no-color.org).
   */
  static boolean colourSupported() {
    String term = System.getenv("TERM");
    String noColor = System.getenv("NO_COLOR");
    return System.console() != null
        && term != null
        && !term.isEmpty()
        && !"dumb".equals(term)
        && (noColor == null || noColor.isEmpty());
  }

  void title(String text) {
    out.println();
    out.println(paint(BOLD, text));
    out.flush();
  }

  void heading(String text) {
    out.println();
    out.println(paint(BOLD + CYAN, text));
    out.flush();
  }

  /** A {@code label text} line under a heading. */
  void fact(String label, String text) {
    out.println("  " + paint(DIM, pad(label, 11)) + text);
    out.flush();
  }

  void line(String text) {
    out.println(text);
    out.flush();
  }

  void dim(String text) {
    out.println(paint(DIM, text));
    out.flush();
  }

  /** Sizes the call columns for these agents, tools and targets and prints the header row. */
  void startCalls(List<String> agents, List<String> tools, List<String> targets) {
    agentWidth = Math.max("agent".length(), widest(agents));
    toolWidth = Math.max("tool".length(), widest(tools));
    targetWidth = Math.min(MAX_TARGET_CHARS, Math.max("target".length(), widest(targets)));
    out.println(
        paint(
            DIM,
            "  "
                + pad("#", 3)
                + pad("agent", agentWidth + 2)
                + pad("kind", 9)
                + pad("tool", toolWidth + 2)
                + pad("target", targetWidth + 2)
                + pad("decision", 10)
                + "reason"));
    out.flush();
  }

  /** Prints one call row. */
  void call(DemoCall c) {
    String kind = c.injected() ? paint(YELLOW, pad("injected", 9)) : pad("task", 9);
    String decision =
        switch (c.decision()) {
          case ALLOW -> paint(GREEN + BOLD, pad("ALLOW", 10));
          case DENY -> paint(RED + BOLD, pad("DENY", 10));
          case ERROR -> paint(YELLOW + BOLD, pad("ERROR", 10));
        };
    String mark = c.asExpected() ? "" : "  " + paint(RED + BOLD, "<- unexpected");
    out.println(
        "  "
            + pad(String.valueOf(c.number()), 3)
            + pad(c.agent(), agentWidth + 2)
            + kind
            + pad(c.tool(), toolWidth + 2)
            + pad(shorten(c.target(), targetWidth), targetWidth + 2)
            + decision
            + paint(isInjectionNote(c) ? YELLOW : DIM, c.reason())
            + mark);
    out.flush();
  }

  private static boolean isInjectionNote(DemoCall c) {
    return c.decision() == DemoCall.Decision.ALLOW && c.reason().equals(Demo.INJECTION_NOTE);
  }

  /** Prints the one-line verdict. */
  void verdict(boolean passed, String text) {
    out.println();
    String label = passed ? paint(GREEN + BOLD, "PASS") : paint(RED + BOLD, "FAIL");
    out.println(paint(BOLD, "verdict") + "  " + label + "  " + text);
    out.flush();
  }

  String bold(String text) {
    return paint(BOLD, text);
  }

  String faint(String text) {
    return paint(DIM, text);
  }

  private String paint(String style, String text) {
    return colour ? style + text + RESET : text;
  }

  private static int widest(List<String> values) {
    return values.stream().mapToInt(String::length).max().orElse(0);
  }

  private static String shorten(String text, int width) {
    return text.length() <= width ? text : text.substring(0, width - 1) + "…";
  }

  private static String pad(String text, int width) {
    return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
  }
}
