package dev.mandate.gateway;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A media type as RFC 9110 §8.3.1 writes it ({@code type/subtype;name=value}), parsed strictly: no
 * empty or repeated parameters, no whitespace around {@code =}, no characters outside the grammar,
 * at most {@value #MAX_LENGTH} characters. Lenient parsers differ on exactly those inputs (one
 * reads {@code application/json;x} as JSON, another not), so the gateway refuses them rather than
 * guess which reading the upstream takes.
 *
 * @param type the top-level type, lower case
 * @param subtype the subtype, lower case
 * @param parameters parameter names (lower case) to values (unquoted), in order
 */
record MediaType(String type, String subtype, Map<String, String> parameters) {
  static final int MAX_LENGTH = 256;

  MediaType {
    parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }

  /**
   * Parses a {@code Content-Type} value.
   *
   * @throws IllegalArgumentException with the reason, if it is not a well-formed media type
   */
  static MediaType parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("it is empty");
    }
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("it is longer than " + MAX_LENGTH + " characters");
    }
    Cursor c = new Cursor(text);
    String type = c.token("a type");
    c.expect('/');
    String subtype = c.token("a subtype");
    Map<String, String> parameters = new LinkedHashMap<>();
    while (true) {
      c.whitespace();
      if (c.done()) {
        break;
      }
      c.expect(';');
      c.whitespace();
      String name = c.token("a parameter name").toLowerCase(Locale.ROOT);
      c.expect('=');
      String value = c.peek() == '"' ? c.quoted() : c.token("a parameter value");
      if (parameters.put(name, value) != null) {
        throw new IllegalArgumentException("the parameter '" + name + "' is given twice");
      }
    }
    return new MediaType(
        type.toLowerCase(Locale.ROOT), subtype.toLowerCase(Locale.ROOT), parameters);
  }

  /** {@code type/subtype}, without parameters. */
  String essence() {
    return type + "/" + subtype;
  }

  /** Whether this is JSON: {@code application/json} or an {@code application/...+json} type. */
  boolean json() {
    return type.equals("application") && (subtype.equals("json") || subtype.endsWith("+json"));
  }

  /** Whether this is an HTML form body, {@code application/x-www-form-urlencoded}. */
  boolean form() {
    return type.equals("application") && subtype.equals("x-www-form-urlencoded");
  }

  private static final class Cursor {
    private final String s;
    private int i;

    Cursor(String s) {
      this.s = s;
    }

    boolean done() {
      return i >= s.length();
    }

    char peek() {
      return done() ? 0 : s.charAt(i);
    }

    void expect(char c) {
      if (peek() != c) {
        throw new IllegalArgumentException(
            done()
                ? "it ends where '" + c + "' is expected"
                : "'" + c + "' is expected at position " + (i + 1));
      }
      i++;
    }

    void whitespace() {
      while (peek() == ' ' || peek() == '\t') {
        i++;
      }
    }

    String token(String what) {
      int start = i;
      while (!done() && tchar(s.charAt(i))) {
        i++;
      }
      if (i == start) {
        throw new IllegalArgumentException(what + " is expected at position " + (i + 1));
      }
      return s.substring(start, i);
    }

    String quoted() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        if (done()) {
          throw new IllegalArgumentException("a quoted string is not closed");
        }
        char c = s.charAt(i++);
        if (c == '"') {
          return out.toString();
        }
        if (c == '\\') {
          if (done()) {
            throw new IllegalArgumentException("a quoted string is not closed");
          }
          c = s.charAt(i++);
        }
        if (c != '\t' && (c < 0x20 || c > 0x7e)) {
          throw new IllegalArgumentException("a quoted string holds a control or non-ASCII char");
        }
        out.append(c);
      }
    }

    /** RFC 9110 §5.6.2 tchar. */
    private static boolean tchar(char c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
  }
}
