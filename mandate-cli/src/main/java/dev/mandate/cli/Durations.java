package dev.mandate.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses lifetimes such as {@code 30s}, {@code 15m}, {@code 2h}, {@code 7d} or {@code 1h30m}. */
final class Durations {
  /** Longer lifetimes are almost certainly a typo; a capability should be short-lived. */
  static final Duration MAX = Duration.ofDays(3650);

  private static final Pattern WHOLE = Pattern.compile("(?:[0-9]{1,9}[smhd])+");
  private static final Pattern PART = Pattern.compile("([0-9]{1,9})([smhd])");

  private Durations() {}

  /**
   * Parses a positive duration.
   *
   * @throws IllegalArgumentException saying the accepted forms
   */
  static Duration parse(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "'"
              + Printable.escape(text)
              + "' is not a duration; write a number and a unit (s, m, h, d), e.g. 30s, 15m, 2h,"
              + " 7d or 1h30m");
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(text);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
              });
    }
    if (total.isZero()) {
      throw new IllegalArgumentException("a duration must be positive, got '" + text + "'");
    }
    if (total.compareTo(MAX) > 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is longer than the maximum of " + MAX.toDays() + "d");
    }
    return total;
  }
}
