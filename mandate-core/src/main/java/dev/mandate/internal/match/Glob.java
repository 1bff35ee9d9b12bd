package dev.mandate.internal.match;

import com.google.re2j.Pattern;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A compiled glob pattern, matched against a whole string in linear time.
 *
 * <p>Syntax:
 *
 * <ul>
 *   <li>{@code **} matches any run of characters, including {@code '/'} and the empty run. A run of
 *       three or more {@code '*'} means the same as {@code **}.
 *   <li>{@code *} matches any run of characters not containing {@code '/'}, including the empty
 *       run.
 *   <li>{@code ?} matches exactly one character (Unicode code point) other than {@code '/'}.
 *   <li>{@code {a,b,c}} matches any one of the alternatives; each alternative may itself contain
 *       glob syntax and nested braces. Braces nest at most {@value #MAX_BRACE_DEPTH} deep, a
 *       pattern has at most {@value #MAX_ALTERNATIVES} alternatives in total, and neither a brace
 *       group nor any alternative may be empty. Outside braces {@code ','} is a literal.
 *   <li>{@code \} makes the next character literal.
 *   <li>Every other character is a literal.
 * </ul>
 *
 * <p>Matching is exact code-point comparison of the whole input: case-sensitive and without any
 * Unicode normalisation. Consequently {@code /data/**} matches {@code /data/} and {@code
 * /data/x/y}, but not {@code /data} itself, and {@code /Data/x} is not matched by {@code /data/*}.
 *
 * <p>Instances are immutable and thread-safe; they compile to an RE2J automaton, so matching never
 * takes exponential time however hostile the pattern or input. Equality, hash code and string form
 * are those of the source pattern.
 */
public final class Glob {

  /** Maximum pattern length, in UTF-16 chars. */
  public static final int MAX_PATTERN_LENGTH = 1024;

  /** Maximum nesting depth of brace groups. */
  public static final int MAX_BRACE_DEPTH = 4;

  /** Maximum number of brace alternatives, summed over all groups of a pattern. */
  public static final int MAX_ALTERNATIVES = 64;

  private final String pattern;
  private final Pattern regex;
  private final Predicate<String> shortcut;

  private Glob(String pattern, Pattern regex) {
    this.pattern = pattern;
    this.regex = regex;
    this.shortcut = shortcut(pattern);
  }

  /**
   * Returns an exact, cheaper matcher for the common shapes of grant patterns (a literal, a literal
   * followed by {@code **}, a single brace set of literals, a lone {@code *}), or null when the
   * pattern needs the automaton. Each shortcut matches exactly the same strings as the automaton.
   */
  private static Predicate<String> shortcut(String pattern) {
    if (isLiteral(pattern)) {
      return pattern::equals;
    }
    if (pattern.endsWith("**") && isLiteral(pattern.substring(0, pattern.length() - 2))) {
      String prefix = pattern.substring(0, pattern.length() - 2);
      return input -> input.startsWith(prefix);
    }
    if (pattern.equals("*")) {
      return input -> input.indexOf('/') < 0;
    }
    if (pattern.length() > 2 && pattern.charAt(0) == '{' && pattern.endsWith("}")) {
      String inner = pattern.substring(1, pattern.length() - 1);
      if (inner.indexOf('{') < 0 && inner.indexOf('}') < 0) {
        String[] options = inner.split(",", -1);
        for (String option : options) {
          if (option.isEmpty() || !isLiteral(option)) {
            return null;
          }
        }
        Set<String> set = Set.copyOf(java.util.Arrays.asList(options));
        return set::contains;
      }
    }
    return null;
  }

  private static boolean isLiteral(String text) {
    for (int i = 0; i < text.length(); i++) {
      switch (text.charAt(i)) {
        case '*', '?', '{', '}', ',', '\\' -> {
          return false;
        }
        default -> {}
      }
      if (Character.isSurrogate(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Compiles a glob pattern.
   *
   * @param pattern the glob, non-empty and at most {@value #MAX_PATTERN_LENGTH} chars
   * @return the compiled glob
   * @throws IllegalArgumentException if the pattern is null, empty, too long, contains an unpaired
   *     surrogate, ends with a lone {@code '\'}, has unbalanced or empty braces or empty
   *     alternatives, nests braces too deeply, or has too many alternatives; the message names the
   *     pattern and the rule broken
   */
  public static Glob compile(String pattern) {
    if (pattern == null) {
      throw new IllegalArgumentException("glob pattern is missing (null)");
    }
    if (pattern.isEmpty()) {
      throw new IllegalArgumentException("glob pattern is empty");
    }
    if (pattern.length() > MAX_PATTERN_LENGTH) {
      throw new IllegalArgumentException(
          "glob pattern is "
              + pattern.length()
              + " chars long; the maximum is "
              + MAX_PATTERN_LENGTH);
    }
    StringBuilder re = new StringBuilder(pattern.length() * 4 + 8);
    // One entry per open brace group: whether the current alternative is still empty.
    Deque<boolean[]> groups = new ArrayDeque<>();
    int alternatives = 0;
    int i = 0;
    int n = pattern.length();
    while (i < n) {
      char c = pattern.charAt(i);
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c)
            || i + 1 >= n
            || !Character.isLowSurrogate(pattern.charAt(i + 1))) {
          throw bad(pattern, "contains an unpaired surrogate at index " + i);
        }
        appendLiteral(re, pattern.codePointAt(i));
        markNonEmpty(groups);
        i += 2;
        continue;
      }
      switch (c) {
        case '*':
          {
            int run = 0;
            while (i < n && pattern.charAt(i) == '*') {
              run++;
              i++;
            }
            re.append(run >= 2 ? "[\\x{0}-\\x{10FFFF}]*" : "[^/]*");
            markNonEmpty(groups);
            continue;
          }
        case '?':
          re.append("[^/]");
          markNonEmpty(groups);
          break;
        case '\\':
          if (i + 1 >= n) {
            throw bad(pattern, "ends with a lone '\\' (escape of nothing)");
          }
          int escaped = pattern.codePointAt(i + 1);
          if (escaped <= 0xFFFF && Character.isSurrogate((char) escaped)) {
            throw bad(pattern, "contains an unpaired surrogate at index " + (i + 1));
          }
          appendLiteral(re, escaped);
          markNonEmpty(groups);
          i += 1 + Character.charCount(escaped);
          continue;
        case '{':
          if (groups.size() >= MAX_BRACE_DEPTH) {
            throw bad(pattern, "nests braces deeper than " + MAX_BRACE_DEPTH + " levels");
          }
          markNonEmpty(groups);
          groups.push(new boolean[] {true});
          alternatives++;
          re.append("(?:");
          break;
        case ',':
          if (groups.isEmpty()) {
            appendLiteral(re, c);
          } else {
            if (groups.peek()[0]) {
              throw bad(pattern, "has an empty alternative in braces at index " + i);
            }
            groups.peek()[0] = true;
            alternatives++;
            re.append('|');
          }
          break;
        case '}':
          if (groups.isEmpty()) {
            throw bad(pattern, "has an unmatched '}' at index " + i);
          }
          if (groups.pop()[0]) {
            throw bad(pattern, "has an empty brace group or alternative ending at index " + i);
          }
          re.append(')');
          break;
        default:
          appendLiteral(re, c);
          markNonEmpty(groups);
      }
      if (alternatives > MAX_ALTERNATIVES) {
        throw bad(pattern, "has more than " + MAX_ALTERNATIVES + " brace alternatives");
      }
      i++;
    }
    if (!groups.isEmpty()) {
      throw bad(pattern, "has an unclosed '{'");
    }
    return new Glob(pattern, Pattern.compile(re.toString()));
  }

  /**
   * Tells whether the whole input matches this glob.
   *
   * @param input the value to test; {@code null} never matches
   * @return true if the entire input matches; never throws
   */
  public boolean matches(String input) {
    if (input == null) {
      return false;
    }
    return shortcut != null ? shortcut.test(input) : regex.matches(input);
  }

  /**
   * Returns the source pattern this glob was compiled from.
   *
   * @return the pattern exactly as given to {@link #compile(String)}
   */
  /** Matches with the automaton only, bypassing shortcuts (for tests of their equivalence). */
  boolean matchesByAutomaton(String input) {
    return input != null && regex.matches(input);
  }

  /** Returns true if this pattern is matched by a shortcut rather than the automaton. */
  boolean hasShortcut() {
    return shortcut != null;
  }

  public String pattern() {
    return pattern;
  }

  /** Two globs are equal when their source patterns are equal. */
  @Override
  public boolean equals(Object other) {
    return other instanceof Glob && ((Glob) other).pattern.equals(pattern);
  }

  /** Returns the hash code of the source pattern. */
  @Override
  public int hashCode() {
    return pattern.hashCode();
  }

  /** Returns the source pattern. */
  @Override
  public String toString() {
    return pattern;
  }

  private static void markNonEmpty(Deque<boolean[]> groups) {
    if (!groups.isEmpty()) {
      groups.peek()[0] = false;
    }
  }

  /** Appends a code point as a literal: ASCII letters and digits as is, all else as \x{..}. */
  private static void appendLiteral(StringBuilder re, int codePoint) {
    if ((codePoint >= 'a' && codePoint <= 'z')
        || (codePoint >= 'A' && codePoint <= 'Z')
        || (codePoint >= '0' && codePoint <= '9')) {
      re.append((char) codePoint);
    } else {
      re.append("\\x{").append(Integer.toHexString(codePoint)).append('}');
    }
  }

  private static IllegalArgumentException bad(String pattern, String rule) {
    return new IllegalArgumentException("glob pattern \"" + pattern + "\" " + rule);
  }
}
