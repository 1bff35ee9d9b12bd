package dev.mandate.policy;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The policy format's durations: a positive whole number and one unit, {@code s m h d}. */
public final class DurationText {
  /** Longest duration a policy may name. */
  static final Duration MAX = Duration.ofDays(366);

  private static final Pattern FORMAT = Pattern.compile("([1-9][0-9]{0,7})([smhd])");

  private DurationText() {}

  /**
   * Parses {@code 30s}, {@code 15m}, {@code 1h} or {@code 7d}.
   *
   * @throws IllegalArgumentException saying what is accepted
   */
  public static Duration parse(String text) {
    Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a duration; write a whole number and one unit: 30s, 15m, 1h or 7d");
    }
    long n = Long.parseLong(m.group(1));
    Duration d;
    switch (m.group(2)) {
      case "s":
        d = Duration.ofSeconds(n);
        break;
      case "m":
        d = Duration.ofMinutes(n);
        break;
      case "h":
        d = Duration.ofHours(n);
        break;
      default:
        d = Duration.ofDays(n);
    }
    if (d.compareTo(MAX) > 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is longer than the maximum of " + format(MAX));
    }
    return d;
  }

  /** Formats in the largest unit that divides the duration exactly (sub-second parts in ms). */
  static String format(Duration d) {
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    if (d.getNano() != 0) {
      return d.toMillis() + "ms";
    }
    long s = d.getSeconds();
    if (s != 0 && s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s != 0 && s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s != 0 && s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
