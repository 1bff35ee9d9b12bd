package dev.mandate.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The one duration grammar of policy files, the gateway configuration and the command line: one or
 * more whole numbers, each followed by a unit, largest unit first and each unit at most once. The
 * units are {@code d} (24 hours), {@code h}, {@code m}, {@code s} and {@code ms}; examples: {@code
 * 500ms}, {@code 30s}, {@code 15m}, {@code 1h30m}, {@code 7d}, {@code 1m30s500ms}. No sign,
 * fraction, exponent or inner space; surrounding whitespace is ignored. A number has at most 9
 * digits, so no duration overflows.
 */
public final class Durations {
  private static final String UNITS = "d, h, m, s, ms";
  private static final String EXAMPLES = "500ms, 30s, 15m, 1h30m or 7d";
  private static final int MAX_DIGITS = 9;
  private static final int MAX_ECHO = 40;

  /** The units, largest first, with their length in milliseconds. */
  private enum Unit {
    DAYS("d", 86_400_000L),
    HOURS("h", 3_600_000L),
    MINUTES("m", 60_000L),
    SECONDS("s", 1_000L),
    MILLIS("ms", 1L);

    final String symbol;
    final long millis;

    Unit(String symbol, long millis) {
      this.symbol = symbol;
      this.millis = millis;
    }
  }

  private Durations() {}

  /**
   * Parses a duration such as {@code 1h30m}; zero ({@code 0s}) is accepted.
   *
   * @throws IllegalArgumentException if {@code text} is null or not in the grammar, naming the
   *     offending part and the accepted units
   */
  public static Duration parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException(
          "a duration is required: a whole number and a unit (" + UNITS + "), e.g. " + EXAMPLES);
    }
    String s = text.strip();
    if (s.isEmpty()) {
      throw notADuration(text, "it is empty");
    }
    long total = 0;
    int i = 0;
    Unit previous = null;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      if (i == start) {
        char c = s.charAt(start);
        throw notADuration(
            text,
            start == 0 && (c == '-' || c == '+')
                ? "a duration has no sign"
                : Character.isWhitespace(c)
                    ? "no spaces inside a duration"
                    : "expected a whole number at '" + echo(s.substring(start)) + "'");
      }
      if (i - start > MAX_DIGITS) {
        throw notADuration(text, "a number has at most " + MAX_DIGITS + " digits");
      }
      long n = Long.parseLong(s, start, i, 10);
      Unit unit = unitAt(s, i);
      if (unit == null) {
        String why;
        if (i == s.length()) {
          why = "the number " + n + " has no unit";
        } else if (s.charAt(i) == '.' || s.charAt(i) == ',') {
          why = "no fractions: write 1s500ms or 1500ms rather than 1.5s";
        } else if (Character.isWhitespace(s.charAt(i))) {
          why = "no spaces inside a duration";
        } else {
          why = "'" + echo(s.substring(i)) + "' does not start with a unit";
        }
        throw notADuration(text, why);
      }
      if (previous != null && unit.ordinal() <= previous.ordinal()) {
        throw notADuration(
            text,
            unit == previous
                ? "the unit " + unit.symbol + " appears twice"
                : "units go largest first, and " + unit.symbol + " comes after " + previous.symbol);
      }
      // At most 9 digits per unit and 5 units: the sum stays far below Long.MAX_VALUE millis.
      total += n * unit.millis;
      previous = unit;
      i += unit.symbol.length();
    }
    return Duration.ofMillis(total);
  }

  /**
   * Parses a duration and checks that it lies within {@code [min, max]}.
   *
   * @throws IllegalArgumentException if {@code text} is not a duration (see {@link #parse(String)})
   *     or lies outside the range, naming both bounds
   */
  public static Duration parse(String text, Duration min, Duration max) {
    Objects.requireNonNull(min, "min");
    Objects.requireNonNull(max, "max");
    Duration d = parse(text);
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          "'"
              + echo(text.strip())
              + "' is out of range: a duration here is "
              + (min.isZero() ? "at most " + format(max) : format(min) + " to " + format(max)));
    }
    return d;
  }

  /**
   * Checks a duration given in code (a builder's setting) against its range.
   *
   * @param name the setting, for the message
   * @return {@code d}
   * @throws IllegalArgumentException if {@code d} is null or outside {@code [min, max]}, naming the
   *     setting, the range and the value in this grammar
   */
  public static Duration requireWithin(String name, Duration d, Duration min, Duration max) {
    if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          name
              + " must be "
              + format(min)
              + ".."
              + format(max)
              + ", got "
              + (d == null ? "none" : format(d)));
    }
    return d;
  }

  /**
   * Writes a duration in the grammar {@link #parse(String)} reads, to the millisecond, each unit as
   * large as it divides: {@code 90m} becomes {@code 1h30m}, zero {@code 0s}; a negative duration
   * gets a leading {@code -} (for messages only: {@code parse} refuses it).
   */
  public static String format(Duration d) {
    Objects.requireNonNull(d, "d");
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    long millis;
    try {
      millis = d.toMillis();
    } catch (ArithmeticException tooLong) {
      return d.toDays() + "d";
    }
    if (millis == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    for (Unit unit : Unit.values()) {
      long n = millis / unit.millis;
      if (n != 0) {
        out.append(n).append(unit.symbol);
        millis -= n * unit.millis;
      }
    }
    return out.toString();
  }

  private static Unit unitAt(String s, int i) {
    if (s.startsWith("ms", i)) {
      return Unit.MILLIS;
    }
    if (i < s.length()) {
      switch (s.charAt(i)) {
        case 'd':
          return Unit.DAYS;
        case 'h':
          return Unit.HOURS;
        case 'm':
          return Unit.MINUTES;
        case 's':
          return Unit.SECONDS;
        default:
          return null;
      }
    }
    return null;
  }

  private static IllegalArgumentException notADuration(String text, String why) {
    return new IllegalArgumentException(
        "'"
            + echo(text)
            + "' is not a duration ("
            + why
            + "); write whole numbers with units ("
            + UNITS
            + "), largest first, e.g. "
            + EXAMPLES);
  }

  /** The text as it may appear in a message: control characters escaped, long text cut. */
  static String echo(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      if (out.length() >= MAX_ECHO) {
        return out.append('…').toString();
      }
      char c = text.charAt(i);
      if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
