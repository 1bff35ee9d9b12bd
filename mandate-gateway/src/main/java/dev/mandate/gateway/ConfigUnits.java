package dev.mandate.gateway;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sizes of the gateway configuration, shared by its HTTP and MCP sections ({@code 1048576},
 * {@code 64 KiB}, {@code 1MB}); each section words its own error for a value it does not accept.
 * Durations have the grammar of every Mandate configuration, {@link dev.mandate.config.Durations}.
 */
public final class ConfigUnits {
  private static final Pattern SIZE =
      Pattern.compile("(\\d{1,12})\\s*(KiB|MiB|GiB|KB|MB|GB|B)?", Pattern.CASE_INSENSITIVE);

  private ConfigUnits() {}

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
