package dev.mandate.token;

import dev.mandate.internal.CompiledPatterns;
import dev.mandate.internal.match.Glob;

/**
 * What a block allows: {@code service:action:resource-pattern}, a glob in each part ({@code *}
 * within a path segment, {@code **} across segments, {@code ?}, and {@code {a,b}} alternatives).
 * The resource pattern is everything after the second colon, so it may itself contain colons.
 *
 * @param service glob over service names, such as {@code fs}
 * @param action glob over action names, such as {@code read_text_file}
 * @param resource glob over resources, such as {@code /data/invoices/2024/**}
 */
public record Grant(String service, String action, String resource) {
  /** Longest accepted grant text, in chars. */
  public static final int MAX_LENGTH = 1024;

  /**
   * Validates each part.
   *
   * @throws IllegalArgumentException if a part is empty, contains a forbidden character, or is not
   *     a valid glob
   */
  public Grant {
    requirePart("service", service, true);
    requirePart("action", action, true);
    requirePart("resource", resource, false);
    int length = service.length() + action.length() + resource.length() + 2;
    if (length > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "a grant is at most " + MAX_LENGTH + " chars, this one is " + length);
    }
  }

  /**
   * Parses {@code service:action:resource-pattern}.
   *
   * @throws IllegalArgumentException if the text does not have three non-empty parts or a part is
   *     invalid
   */
  public static Grant parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("a grant is service:action:resource, got nothing");
    }
    int first = text.indexOf(':');
    int second = first < 0 ? -1 : text.indexOf(':', first + 1);
    if (first <= 0 || second <= first + 1 || second == text.length() - 1) {
      throw new IllegalArgumentException(
          "a grant is service:action:resource (e.g. fs:read_text_file:/data/**), got '"
              + text
              + "'");
    }
    return new Grant(
        text.substring(0, first), text.substring(first + 1, second), text.substring(second + 1));
  }

  boolean matches(String requestService, String requestAction, String normalisedResource) {
    return glob(service).matches(requestService)
        && glob(action).matches(requestAction)
        && glob(resource).matches(normalisedResource);
  }

  boolean matchesAction(String requestService, String requestAction) {
    return glob(service).matches(requestService) && glob(action).matches(requestAction);
  }

  private static Glob glob(String pattern) {
    return CompiledPatterns.glob(pattern);
  }

  private static void requirePart(String name, String value, boolean name_like) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("a grant's " + name + " must not be empty");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f || (name_like && (c == ':' || c == '/' || c == ' '))) {
        throw new IllegalArgumentException(
            "a grant's " + name + " must not contain " + describe(c) + ": '" + value + "'");
      }
    }
    try {
      CompiledPatterns.glob(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "a grant's " + name + " '" + value + "' is not a valid glob: " + e.getMessage());
    }
  }

  private static String describe(char c) {
    return c < 0x20 || c == 0x7f
        ? String.format("control character U+%04X", (int) c)
        : "'" + c + "'";
  }

  /** Returns {@code service:action:resource}. */
  @Override
  public String toString() {
    return service + ":" + action + ":" + resource;
  }
}
