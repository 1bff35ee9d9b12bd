package dev.mandate.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.re2j.Pattern;
import dev.mandate.internal.match.Cidr;
import dev.mandate.internal.match.Glob;
import dev.mandate.internal.match.ShellCommand;
import dev.mandate.internal.match.UrlRule;
import java.util.List;
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

  private static final Cache<List<List<String>>, UrlRule> URLS =
      Caffeine.newBuilder().maximumSize(2_000).build();
  private static final Cache<List<String>, ShellCommand> SHELLS =
      Caffeine.newBuilder().maximumSize(2_000).build();
  private static final Cache<String, Cidr> CIDRS = Caffeine.newBuilder().maximumSize(5_000).build();

  private CompiledPatterns() {}

  /**
   * Returns the compiled URL rule.
   *
   * @throws IllegalArgumentException if a scheme or host pattern is invalid
   */
  public static UrlRule url(List<String> schemes, List<String> hosts) {
    return URLS.get(List.of(schemes, hosts), k -> UrlRule.compile(k.get(0), k.get(1)));
  }

  /**
   * Returns the compiled shell command rule.
   *
   * @throws IllegalArgumentException if a program name is invalid
   */
  public static ShellCommand shell(List<String> programs) {
    return SHELLS.get(programs, ShellCommand::compile);
  }

  /**
   * Returns the parsed CIDR block.
   *
   * @throws IllegalArgumentException if the block is not valid CIDR notation
   */
  public static Cidr cidr(String block) {
    return CIDRS.get(block, Cidr::parse);
  }

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
