package dev.mandate.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.re2j.Pattern;
import dev.mandate.internal.match.Glob;
import java.util.function.Function;

/**
 * Bounded caches of compiled globs and regular expressions, so that the same pattern met in many
 * tokens is compiled once. Compilation failures are not cached.
 */
public final class CompiledPatterns {
  /** Longest accepted regular expression, in chars. */
  public static final int MAX_REGEX_LENGTH = 1024;

  private static final Cache<String, Glob> GLOBS =
      Caffeine.newBuilder().maximumSize(20_000).build();
  private static final Cache<String, Pattern> REGEXES =
      Caffeine.newBuilder().maximumSize(5_000).build();

  private CompiledPatterns() {}

  /**
   * Returns the compiled glob.
   *
   * @throws IllegalArgumentException if the pattern is not a valid glob
   */
  public static Glob glob(String pattern) {
    return GLOBS.get(pattern, (Function<String, Glob>) Glob::compile);
  }

  /**
   * Returns the compiled linear-time (RE2) regular expression.
   *
   * @throws IllegalArgumentException if the expression is too long or not valid RE2 syntax
   */
  public static Pattern regex(String expression) {
    return REGEXES.get(
        expression,
        e -> {
          if (e.length() > MAX_REGEX_LENGTH) {
            throw new IllegalArgumentException(
                "a regular expression is at most " + MAX_REGEX_LENGTH + " chars");
          }
          try {
            return Pattern.compile(e);
          } catch (com.google.re2j.PatternSyntaxException ex) {
            throw new IllegalArgumentException(
                "not a valid RE2 regular expression: " + ex.getDescription());
          }
        });
  }
}
