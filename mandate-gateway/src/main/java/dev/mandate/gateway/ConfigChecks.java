package dev.mandate.gateway;

import dev.mandate.config.Durations;
import dev.mandate.config.EnvReferences;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The value rules every section of the configuration shares (text, durations, sizes, URLs, {@code
 * ${VAR}} references, relative paths), each reporting to one {@link ConfigProblems} and returning a
 * usable fallback so that checking goes on to the next value.
 */
final class ConfigChecks {

  private final ConfigProblems problems;
  private final Map<String, String> env;
  private final Path baseDir;

  ConfigChecks(ConfigProblems problems, Map<String, String> env, Path baseDir) {
    this.problems = problems;
    this.env = env;
    this.baseDir = baseDir;
  }

  void problem(ConfigPath where, String detail) {
    problems.add(where, detail);
  }

  /**
   * The environment variable {@code name} (named at {@code where}), stripped; null (reported) when
   * it is not set or blank.
   */
  String envValue(ConfigPath where, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      problem(where, " names " + name + ", which is not set in the environment");
      return null;
    }
    return value.strip();
  }

  /** {@code path} resolved against the configuration file's directory. */
  Path resolve(String path) {
    return baseDir.resolve(path).normalize();
  }

  /** Whether exactly one of two alternatives is given; reported if not. */
  boolean exactlyOne(ConfigPath where, Object one, Object other, String alternatives) {
    if ((one == null) == (other == null)) {
      problem(where, " needs exactly one of " + alternatives);
      return false;
    }
    return true;
  }

  /** Required, non-empty text; null (reported) otherwise. */
  String text(ConfigPath where, String value) {
    if (value == null) {
      problem(where, " is required");
      return null;
    }
    if (value.isEmpty()) {
      problem(where, " must not be empty");
      return null;
    }
    return value;
  }

  /** How a kind of value is written: how to read it, what else it must be, and the words for it. */
  private record Grammar<T>(
      Function<String, Optional<T>> reader, Predicate<T> acceptable, String expected) {}

  private static final String SIZE =
      "number of bytes, optionally with a unit (KiB, MiB, GiB, KB, MB, GB), such as 1MiB";
  private static final Grammar<Long> ANY_SIZE =
      new Grammar<>(ConfigChecks::parseSize, n -> true, " is a whole " + SIZE);
  private static final Grammar<Long> POSITIVE_SIZE =
      new Grammar<>(ConfigChecks::parseSize, n -> n > 0, " is a positive " + SIZE);

  /**
   * A duration in the one grammar of every Mandate configuration ({@link Durations}); {@code
   * otherwise} when absent or unreadable (reported with the grammar's own reason), so later checks
   * that depend on it go on.
   */
  Duration duration(ConfigPath where, String text, Duration otherwise) {
    if (text == null) {
      return otherwise;
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException notADuration) {
      problem(where, " " + notADuration.getMessage());
      return otherwise;
    }
  }

  /** As {@link #duration}, more than zero. */
  Duration positiveDuration(ConfigPath where, String text, Duration otherwise) {
    Duration d = duration(where, text, null);
    if (d == null) {
      return otherwise;
    }
    if (d.isZero()) {
      problem(where, " must be a positive duration, got " + Durations.format(d));
      return otherwise;
    }
    return d;
  }

  /** A duration setting: its key, its default and the range it must be in. */
  record DurationRule(String key, Duration otherwise, Duration min, Duration max) {}

  /** The duration at {@code rule}'s key in {@code section}, within its range. */
  Duration duration(ConfigPath section, DurationRule rule, String text) {
    ConfigPath where = section.key(rule.key());
    Duration d = duration(where, text, rule.otherwise());
    if (d.compareTo(rule.min()) < 0 || d.compareTo(rule.max()) > 0) {
      problem(
          where, " must be " + human(rule.min()) + ".." + human(rule.max()) + ", got " + human(d));
    }
    return d;
  }

  /** A byte count such as {@code 1048576} or {@code 1MiB}; {@code otherwise} when absent. */
  long size(ConfigPath where, String text, long otherwise) {
    return parsed(where, text, otherwise, ANY_SIZE);
  }

  /** As {@link #size}, more than zero. */
  long positiveSize(ConfigPath where, String text, long otherwise) {
    return parsed(where, text, otherwise, POSITIVE_SIZE);
  }

  private static Optional<Long> parseSize(String text) {
    OptionalLong bytes = ConfigUnits.bytes(text);
    return bytes.isPresent() ? Optional.of(bytes.getAsLong()) : Optional.empty();
  }

  /** A size setting: its key, its default and the range it must be in, in bytes. */
  record SizeRule(String key, long otherwise, long min, long max) {}

  /** The size at {@code rule}'s key in {@code section}, within its range. */
  long size(ConfigPath section, SizeRule rule, String text) {
    ConfigPath where = section.key(rule.key());
    long bytes = size(where, text, rule.otherwise());
    if (bytes < rule.min() || bytes > rule.max()) {
      problem(
          where,
          (rule.max() == Long.MAX_VALUE
                  ? " must be at least " + bytes(rule.min())
                  : " must be " + bytes(rule.min()) + ".." + bytes(rule.max()))
              + ", got "
              + bytes);
    }
    return bytes;
  }

  /**
   * {@code text} read with {@code grammar}; {@code otherwise} when absent, or when unreadable or
   * not acceptable, which is reported with what was given.
   */
  private <T> T parsed(ConfigPath where, String text, T otherwise, Grammar<T> grammar) {
    if (text == null) {
      return otherwise;
    }
    Optional<T> value = grammar.reader().apply(text).filter(grammar.acceptable());
    if (value.isEmpty()) {
      problem(where, grammar.expected() + "; got '" + text + "'");
      return otherwise;
    }
    return value.get();
  }

  /**
   * An {@code http://} or {@code https://} URL with a host, as written (surrounding spaces
   * removed); null (reported) otherwise.
   */
  URI httpUrl(ConfigPath where, String text) {
    if (text == null || text.isBlank()) {
      problem(where, " is required (http:// or https://)");
      return null;
    }
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      problem(where, " is not a valid URL: '" + text + "'");
      return null;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      problem(where, " must be an http:// or https:// URL, got '" + text + "'");
      return null;
    }
    return uri;
  }

  /**
   * Replaces each {@code ${VAR}} in {@code value} with the variable from the environment; null
   * (reported) if one is not set. The one place the configuration reads {@code ${VAR}}.
   */
  String interpolate(ConfigPath where, String value) {
    try {
      return EnvReferences.expand(value, env::get);
    } catch (IllegalArgumentException unresolved) {
      problem(where, " " + unresolved.getMessage());
      return null;
    }
  }

  /** A byte count for messages: {@code 1048576} as {@code 1MiB}. */
  private static String bytes(long n) {
    String[] units = {"KiB", "MiB", "GiB"};
    for (int i = units.length; i > 0; i--) {
      long factor = 1L << (10 * i);
      if (n != 0 && n % factor == 0) {
        return n / factor + units[i - 1];
      }
    }
    return String.valueOf(n);
  }

  private static String human(Duration d) {
    return Durations.format(d);
  }
}
