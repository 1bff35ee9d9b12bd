package dev.mandate.caveat;

import dev.mandate.config.Durations;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * The rules and the text form of budgets and rates ({@link Caveat.Budget}, {@link Caveat.Rate}):
 * {@code sum(/amount)<=5000}, {@code sum(/amount)<=9000/1h}, {@code calls<=10/1m}. The pointer is
 * what lies between {@code sum(} and the last {@code )<=}, so it may hold any character.
 */
final class BudgetSyntax {
  /** The largest limit or amount a budget counts: 9 000 000 000 (exact in micro-units). */
  static final BigDecimal MAX_AMOUNT = new BigDecimal("9000000000");

  /** Digits after the point a limit or an amount may have: amounts are counted in millionths. */
  static final int SCALE = 6;

  /** The longest rolling window of a rate: 366 days. */
  static final Duration MAX_WINDOW = Duration.ofDays(366);

  private static final String FORM =
      "sum(POINTER)<=LIMIT, sum(POINTER)<=LIMIT/WINDOW or calls<=LIMIT/WINDOW"
          + " (e.g. sum(/amount)<=5000, calls<=10/1m)";

  private BudgetSyntax() {}

  static Caveat parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a budget is " + FORM);
    }
    String s = text.strip();
    String pointer;
    String rest;
    if (s.startsWith("calls<=")) {
      pointer = null;
      rest = s.substring("calls<=".length());
    } else if (s.startsWith("sum(") && s.lastIndexOf(")<=") > 4) {
      int close = s.lastIndexOf(")<=");
      pointer = s.substring(4, close);
      rest = s.substring(close + 3);
    } else {
      throw new IllegalArgumentException("'" + s + "' is not a budget: a budget is " + FORM);
    }
    int slash = rest.indexOf('/');
    String limitText = slash < 0 ? rest : rest.substring(0, slash);
    BigDecimal limit;
    try {
      limit = new BigDecimal(limitText.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "the limit '" + limitText + "' of budget '" + s + "' is not a decimal number");
    }
    if (slash < 0) {
      if (pointer == null) {
        throw new IllegalArgumentException(
            "a rate of calls needs a window, as in calls<=10/1m (a lifetime count of calls is"
                + " max-uses)");
      }
      return new Caveat.Budget(pointer, limit);
    }
    Duration window = Durations.parse(rest.substring(slash + 1));
    return new Caveat.Rate(pointer, limit, window);
  }

  static String pointer(String pointer) {
    if (pointer == null || !pointer.startsWith("/")) {
      throw new IllegalArgumentException(
          "a budget counts the argument named by a JSON Pointer such as /amount, got '"
              + pointer
              + "'");
    }
    com.fasterxml.jackson.core.JsonPointer.compile(pointer);
    return pointer;
  }

  /** The limit in canonical form: no trailing zeros after the point, scale at least 0. */
  static BigDecimal limit(BigDecimal limit) {
    if (limit == null) {
      throw new IllegalArgumentException("a budget needs a limit");
    }
    BigDecimal canonical = canonical(limit);
    if (canonical == null || canonical.signum() <= 0) {
      throw new IllegalArgumentException(
          "a budget's limit is above 0, at most "
              + MAX_AMOUNT.toPlainString()
              + ", with at most "
              + SCALE
              + " digits after the point; got "
              + limit.toPlainString());
    }
    return canonical;
  }

  /**
   * The amount in canonical form (trailing zeros stripped, never an exponent scale below 0), or
   * null if it is negative, above {@link #MAX_AMOUNT} or has more than {@link #SCALE} digits after
   * the point.
   */
  static BigDecimal canonical(BigDecimal amount) {
    if (amount.signum() < 0 || amount.compareTo(MAX_AMOUNT) > 0) {
      return null;
    }
    BigDecimal stripped = amount.stripTrailingZeros();
    if (stripped.scale() < 0) {
      stripped = stripped.setScale(0);
    }
    return stripped.scale() > SCALE ? null : stripped;
  }

  static Duration window(Duration window) {
    if (window == null
        || window.getNano() != 0
        || window.compareTo(Duration.ofSeconds(1)) < 0
        || window.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException(
          "a rate's window is whole seconds from 1s to 366d, got "
              + (window == null ? "none" : Durations.format(window)));
    }
    return window;
  }
}
