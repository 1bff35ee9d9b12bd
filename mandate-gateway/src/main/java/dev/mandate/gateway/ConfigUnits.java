package dev.mandate.gateway;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The units of the gateway configuration, shared by its HTTP and MCP sections: durations ({@code
 * 500ms}, {@code 30s}, {@code 5m}, {@code 1h}) and sizes ({@code 1048576}, {@code 64 KiB}, {@code
 * 1MB}). Each section words its own error for a value these do not accept.
 */
public final class ConfigUnits {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");
  private static final Pattern SIZE =
      Pattern.compile("(\\d{1,12})\\s*(KiB|MiB|GiB|KB|MB|GB|B)?", Pattern.CASE_INSENSITIVE);

  private ConfigUnits() {}

  /** The duration {@code text} names, or empty if it is not a whole number with a unit. */
  public static Optional<Duration> duration(String text) {
    Matcher m = text == null ? null : DURATION.matcher(text.trim());
    if (m == null || !m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    return Optional.of(
        switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        });
  }

  /**
   * The bytes {@code text} names, or empty if it is not a whole number with an optional unit (KiB,
   * MiB, GiB, KB, MB, GB, B) or does not fit in a {@code long}.
   */
  public static OptionalLong bytes(String text) {
    Matcher m = text == null ? null : SIZE.matcher(text.trim());
    if (m == null || !m.matches()) {
      return OptionalLong.empty();
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    long factor =
        switch (unit) {
          case "KIB" -> 1024L;
          case "MIB" -> 1024L * 1024;
          case "GIB" -> 1024L * 1024 * 1024;
          case "KB" -> 1000L;
          case "MB" -> 1000L * 1000;
          case "GB" -> 1000L * 1000 * 1000;
          default -> 1L;
        };
    try {
      return OptionalLong.of(Math.multiplyExact(n, factor));
    } catch (ArithmeticException tooLarge) {
      return OptionalLong.empty();
    }
  }
}
