package dev.mandate.authority.store;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes database URLs, and messages that quote them, safe to print: a password given as a {@code
 * password=} parameter (also {@code sslpassword=} and the like) or as URL user info ({@code
 * //user:secret@host}) is replaced by {@code ***}.
 */
public final class JdbcUrls {
  private static final Pattern PASSWORD =
      Pattern.compile("(?i)(password=)[^&;\\s]*|(//[^/:@\\s]+:)[^@/\\s]*(@)");

  private JdbcUrls() {}

  /**
   * Returns {@code text} with every password in it replaced by {@code ***}; null stays null.
   *
   * @param text a JDBC URL, or a message that may quote one
   */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    return PASSWORD
        .matcher(text)
        .replaceAll(
            m ->
                Matcher.quoteReplacement(
                    m.group(1) != null ? m.group(1) + "***" : m.group(2) + "***" + m.group(3)));
  }
}
