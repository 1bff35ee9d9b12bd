package dev.mandate.cli;

import dev.mandate.caveat.Caveat;
import dev.mandate.config.Durations;
import dev.mandate.token.Grant;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option value converters. Each turns a validation failure into a {@link TypeConversionException}
 * so picocli reports it as bad usage, naming the option. {@link Mandate#commandLine} registers the
 * instant and lifetime converters for every option of those types.
 */
final class Converters {
  private Converters() {}

  /** {@code --allow service:action:resource-pattern}. */
  static final class GrantConverter implements ITypeConverter<Grant> {
    @Override
    public Grant convert(String value) {
      return parsed(Grant::parse, value);
    }
  }

  /**
   * {@code --allow-literal service:action:resource}: split at the first two colons (a service or
   * action never contains one), each part taken as it is ({@link Grant#literal}).
   */
  static final class LiteralGrantConverter implements ITypeConverter<Grant> {
    @Override
    public Grant convert(String value) {
      int first = value.indexOf(':');
      int second = first < 0 ? -1 : value.indexOf(':', first + 1);
      if (first <= 0 || second <= first + 1 || second == value.length() - 1) {
        throw new TypeConversionException(
            "a literal grant is service:action:resource, each part non-empty (e.g."
                + " chat:read_channel:#general), got '"
                + Printable.escape(value)
                + "'");
      }
      return parsed(
          v ->
              Grant.literal(
                  v.substring(0, first), v.substring(first + 1, second), v.substring(second + 1)),
          value);
    }
  }

  /**
   * A lifetime, {@code --ttl 15m}, in Mandate's one duration grammar ({@link Durations}): 1s (an
   * expiry has whole seconds) to 3650d (longer is almost certainly a typo; a capability should be
   * short-lived).
   */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parse(value, Duration.ofSeconds(1), Duration.ofDays(3650));
    }
  }

  /** A polling interval, {@code --interval 500ms}: 100ms to 1d. */
  static final class IntervalConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parse(value, Duration.ofMillis(100), Duration.ofDays(1));
    }
  }

  private static Duration parse(String value, Duration min, Duration max) {
    return parsed(v -> Durations.parse(v, min, max), value);
  }

  /** {@code parse(value)}, its {@link IllegalArgumentException} turned into bad usage. */
  private static <T> T parsed(Function<String, T> parse, String value) {
    try {
      return parse.apply(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(Printable.escape(e.getMessage()));
    }
  }

  /** {@code --not-before 2030-01-01T00:00:00Z} (an offset such as +02:00 is also accepted). */
  static final class InstantConverter implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      try {
        return Instant.parse(value);
      } catch (DateTimeParseException e) {
        try {
          return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e2) {
          throw new TypeConversionException(
              "'"
                  + Printable.escape(value)
                  + "' is not an ISO-8601 instant; write e.g. 2030-01-01T00:00:00Z");
        }
      }
    }
  }

  /** {@code --arg /path=within:/data}. */
  static final class ArgumentConverter implements ITypeConverter<Caveat.Argument> {
    @Override
    public Caveat.Argument convert(String value) {
      return parsed(Caveat.Argument::parse, value);
    }
  }
}
