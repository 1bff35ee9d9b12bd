package dev.mandate.gateway.mcp;

import java.nio.charset.StandardCharsets;

/**
 * Just enough of RFC 6570 URI templates to see which URI a completion value leads to: {@link
 * #expandOne} expands the expressions that name one variable and leaves every other expression as
 * written.
 */
final class UriTemplates {
  private static final String OPERATORS = "+#./;?&";

  private UriTemplates() {}

  /**
   * Expands {@code template} with {@code variable} set to {@code value} (other variables of an
   * expression that names it are undefined, so omitted); expressions that do not name it stay as
   * they are. Malformed text (an unclosed brace) is kept literally.
   */
  static String expandOne(String template, String variable, String value) {
    StringBuilder out = new StringBuilder(template.length() + value.length());
    int i = 0;
    while (i < template.length()) {
      int open = template.indexOf('{', i);
      int close = open < 0 ? -1 : template.indexOf('}', open);
      if (open < 0 || close < 0) {
        out.append(template, i, template.length());
        break;
      }
      out.append(template, i, open);
      String expression = template.substring(open + 1, close);
      String expanded = expand(expression, variable, value);
      out.append(expanded != null ? expanded : template.substring(open, close + 1));
      i = close + 1;
    }
    return out.toString();
  }

  /** One expression with the variable set, or null if it does not name the variable. */
  private static String expand(String expression, String variable, String value) {
    char op = expression.isEmpty() ? 0 : expression.charAt(0);
    boolean hasOperator = op != 0 && OPERATORS.indexOf(op) >= 0;
    String list = hasOperator ? expression.substring(1) : expression;
    boolean named = false;
    for (String spec : list.split(",", -1)) {
      String name = spec;
      int modifier = indexOfAny(spec, ":*");
      if (modifier >= 0) {
        name = spec.substring(0, modifier);
      }
      if (name.equals(variable)) {
        named = true;
        break;
      }
    }
    if (!named) {
      return null;
    }
    boolean reserved = op == '+' || op == '#';
    String v = reserved ? value : encode(value);
    return switch (hasOperator ? op : 0) {
      case '+' -> v;
      case '#' -> "#" + v;
      case '.' -> "." + v;
      case '/' -> "/" + v;
      case ';' -> ";" + variable + (v.isEmpty() ? "" : "=" + v);
      case '?' -> "?" + variable + "=" + v;
      case '&' -> "&" + variable + "=" + v;
      default -> v;
    };
  }

  /** Percent-encodes everything but unreserved characters, as a simple expansion does. */
  private static String encode(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }
}
