package dev.mandate.cli;

/** Makes text from a token or a request safe to show on a terminal. */
final class Printable {
  private Printable() {}

  /**
   * Escapes control characters (C0, DEL, C1) as {@code \}{@code uXXXX}, so a hostile token cannot
   * forge output lines or drive the terminal when it is inspected.
   */
  static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** As {@link #escape}, line by line: the line breaks of a multi-line report are kept. */
  static String escapeLines(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(text.length());
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        b.append('\n');
      }
      b.append(escape(lines[i]));
    }
    return b.toString();
  }
}
