package dev.mandate.authority;

import java.util.regex.Pattern;

/** Makes database URLs safe to print: a password in the URL is replaced by {@code ***}. */
final class JdbcUrls {
  private static final Pattern PASSWORD =
      Pattern.compile("(?i)(password=)[^&;]*|(//[^/:@]+:)[^@/]*(@)");

  private JdbcUrls() {}

  static String redact(String jdbcUrl) {
    if (jdbcUrl == null) {
      return null;
    }
    return PASSWORD
        .matcher(jdbcUrl)
        .replaceAll(
            m ->
                java.util.regex.Matcher.quoteReplacement(
                    m.group(1) != null ? m.group(1) + "***" : m.group(2) + "***" + m.group(3)));
  }
}
