package dev.mandate.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code application/x-www-form-urlencoded} text (a query string or a form body) into its
 * parameters in order: pairs are separated by {@code &}, names and values percent-decoded as UTF-8
 * with {@code +} as a space, a pair without {@code =} has the empty value, and empty pairs are
 * skipped. What each parameter looked like on the wire is kept, so that {@link ArgumentAliasing}
 * can refuse names the upstream may read differently.
 */
final class UrlEncodedParameters {
  /**
   * One parameter.
   *
   * @param rawName the name as sent (still percent-encoded)
   * @param name the decoded name
   * @param value the decoded value
   * @param raw the whole pair as sent
   */
  record Parameter(String rawName, String name, String value, String raw) {}

  private UrlEncodedParameters() {}

  /**
   * Parses {@code text}; null or empty text has no parameters.
   *
   * @throws IllegalArgumentException if a name or value is not validly percent-encoded UTF-8
   */
  static List<Parameter> parse(String text) {
    List<Parameter> out = new ArrayList<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    for (String pair : text.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String rawName = eq < 0 ? pair : pair.substring(0, eq);
      String name = HttpProxy.percentDecode(rawName, true);
      String value = eq < 0 ? "" : HttpProxy.percentDecode(pair.substring(eq + 1), true);
      if (name == null || value == null) {
        throw new IllegalArgumentException("not validly percent-encoded UTF-8");
      }
      out.add(new Parameter(rawName, name, value, pair));
    }
    return out;
  }
}
