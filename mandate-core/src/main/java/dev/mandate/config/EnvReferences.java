package dev.mandate.config;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The one {@code ${NAME}} substitution of configuration values (gateway upstream headers, stdio
 * environments): each {@code ${NAME}} is replaced by the environment variable {@code NAME}, where a
 * name is a letter or underscore followed by letters, digits and underscores. There is no default
 * syntax and no escape: a {@code $} not followed by <code>&#123;</code> is kept as it is, and a
 * <code>$&#123;</code> that does not start a well-formed reference is an error rather than text, so
 * a typo such as {@code ${GITHUB-TOKEN}} is reported instead of being sent upstream verbatim.
 */
public final class EnvReferences {
  private EnvReferences() {}

  /**
   * Returns {@code text} with every {@code ${NAME}} replaced by {@code env.apply(NAME)}.
   *
   * @param env looks a variable up; returns null for one that is not set (e.g. {@code
   *     System::getenv} or {@code map::get})
   * @throws IllegalArgumentException if a reference is malformed or names a variable that is not
   *     set; the message names every such reference (never a value) and reads after the name of the
   *     setting, e.g. "uses ${TOKEN}, which is not set in the environment"
   */
  public static String expand(String text, Function<String, String> env) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(env, "env");
    int at = text.indexOf("${");
    if (at < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    Set<String> unset = new LinkedHashSet<>();
    int i = 0;
    while (at >= 0) {
      out.append(text, i, at);
      int end = text.indexOf('}', at + 2);
      String name = end < 0 ? null : text.substring(at + 2, end);
      if (name == null || !isName(name)) {
        throw new IllegalArgumentException(
            "has a malformed reference '"
                + Durations.echo(end < 0 ? text.substring(at) : text.substring(at, end + 1))
                + "'; write ${NAME} with a letter or _ followed by letters, digits or _");
      }
      String value = env.apply(name);
      if (value == null) {
        unset.add("${" + name + "}");
      } else {
        out.append(value);
      }
      i = end + 1;
      at = text.indexOf("${", i);
    }
    out.append(text, i, text.length());
    if (!unset.isEmpty()) {
      throw new IllegalArgumentException(
          "uses "
              + String.join(", ", unset)
              + (unset.size() == 1 ? ", which is" : ", which are")
              + " not set in the environment");
    }
    return out.toString();
  }

  private static boolean isName(String name) {
    if (name.isEmpty() || !(isAsciiLetter(name.charAt(0)) || name.charAt(0) == '_')) {
      return false;
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
}
