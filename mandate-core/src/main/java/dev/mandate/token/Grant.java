package dev.mandate.token;

import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.internal.CompiledPatterns;
import dev.mandate.internal.match.Glob;
import dev.mandate.internal.match.ResourcePaths;
import java.util.ArrayList;
import java.util.List;

/**
 * What a block allows: {@code service:action:resource-pattern}, a glob in each part ({@code *}
 * within a path segment, {@code **} across segments, {@code ?}, and {@code {a,b}} alternatives).
 * The resource pattern is everything after the second colon, so it may itself contain colons.
 *
 * <p>For example {@code fs:read_text_file:/data/invoices/2024/**}: service {@code fs}, action
 * {@code read_text_file}, resources under {@code /data/invoices/2024/}. Immutable.
 *
 * <p>A value that must be matched literally, above all one read from data an attacker may write (a
 * channel name, a file name from a listing), is never pasted into grant text: {@link #literal}
 * makes a grant of exactly that service, action and resource, and {@link #escape} makes one value
 * literal inside a pattern ({@code "/users/" + Grant.escape(name) + "/**"}).
 *
 * <p>A grant may carry its own argument constraints and conditions ({@link #constrain}, {@link
 * #where}), which apply only when this grant is the one that matches the call: {@code
 * bank:send_money:*} with {@code /amount} exactly 4 beside an unconstrained {@code
 * bank:get_balance:*}. A block allows a call when one of its grants matches it and every caveat of
 * that grant holds (spec section 5.3). The grant text ({@link #toString()}) is the pattern only;
 * {@link #caveats()} are the grant's own caveats.
 */
public final class Grant {
  /** Longest accepted grant text, in chars. */
  public static final int MAX_LENGTH = 1024;

  /** The characters {@link #escape} escapes. */
  private static final String GLOB_CHARACTERS = "\\*?{},";

  private final String service;
  private final String action;
  private final String resource;
  // Compiled once per grant, so authorizing a cached token does no pattern lookups.
  private final Glob serviceGlob;
  private final Glob actionGlob;
  private final Glob resourceGlob;
  private final List<Caveat> caveats;

  /**
   * Validates each part.
   *
   * @throws IllegalArgumentException if a part is empty, contains a forbidden character, or is not
   *     a valid glob
   */
  public Grant(String service, String action, String resource) {
    this.serviceGlob = requirePart("service", service, true);
    this.actionGlob = requirePart("action", action, true);
    this.resourceGlob = requirePart("resource", resource, false);
    int length = service.length() + action.length() + resource.length() + 2;
    if (length > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "a grant is at most " + MAX_LENGTH + " chars, this one is " + length);
    }
    this.service = service;
    this.action = action;
    this.resource = resource;
    this.caveats = List.of();
  }

  private Grant(Grant pattern, List<Caveat> caveats) {
    this.service = pattern.service;
    this.action = pattern.action;
    this.resource = pattern.resource;
    this.serviceGlob = pattern.serviceGlob;
    this.actionGlob = pattern.actionGlob;
    this.resourceGlob = pattern.resourceGlob;
    this.caveats = List.copyOf(caveats);
  }

  /** Returns the service pattern. */
  public String service() {
    return service;
  }

  /** Returns the action pattern. */
  public String action() {
    return action;
  }

  /** Returns the resource pattern. */
  public String resource() {
    return resource;
  }

  /**
   * Returns this grant's own caveats (argument constraints, conditions, budgets and rates), in the
   * order given; empty when only the block's caveats apply.
   */
  public List<Caveat> caveats() {
    return caveats;
  }

  /**
   * Returns this grant with one more caveat of its own: the argument at {@code pointer} must exist
   * and satisfy {@code constraint} whenever this grant is the one that matches a call.
   *
   * @throws IllegalArgumentException if the pointer is not a JSON Pointer
   */
  public Grant constrain(String pointer, Constraint constraint) {
    return with(new Caveat.Argument(pointer, constraint));
  }

  /**
   * Returns this grant with one more caveat of its own: a CEL condition over {@code args} and
   * {@code context} that must be true whenever this grant is the one that matches a call.
   *
   * @throws IllegalArgumentException if the expression does not compile to a boolean
   */
  public Grant where(String celExpression) {
    Caveat.Condition condition = new Caveat.Condition(celExpression);
    Conditions.compileOrThrow(celExpression, Limits.DEFAULTS);
    return with(condition);
  }

  /**
   * Returns this grant with one more caveat of its own: a budget or a rate ({@link
   * Caveat.Budget#parse}, such as {@code sum(/amount)<=5000}) that calls covered by this grant
   * spend from.
   *
   * @throws IllegalArgumentException if the text is not a budget or a rate
   */
  public Grant budget(String text) {
    return with(Caveat.Budget.parse(text));
  }

  /**
   * Returns this grant with one more caveat of its own.
   *
   * @throws IllegalArgumentException if the caveat is not an argument constraint, a condition, a
   *     budget or a rate (expiry, audience, uses and the like apply to a whole block)
   */
  public Grant with(Caveat caveat) {
    if (!(caveat instanceof Caveat.Argument)
        && !(caveat instanceof Caveat.Condition)
        && !(caveat instanceof Caveat.Budget)
        && !(caveat instanceof Caveat.Rate)) {
      throw new IllegalArgumentException(
          "a grant carries only argument constraints, conditions, budgets and rates; a "
              + (caveat == null ? "null" : caveat.kind())
              + " caveat applies to a whole block");
    }
    List<Caveat> all = new ArrayList<>(caveats);
    all.add(caveat);
    return new Grant(this, all);
  }

  /** Returns the same pattern without caveats of its own. */
  public Grant withoutCaveats() {
    return caveats.isEmpty() ? this : new Grant(this, List.of());
  }

  /**
   * Returns a grant that matches exactly this service, action and resource, whatever characters
   * they contain: each glob character is escaped ({@link #escape}). A resource that starts with '/'
   * is a path and must already be normalised (spec section 5.1), since a request's path is
   * normalised before it is matched and a grant of {@code /a/../b} could never match.
   *
   * @throws IllegalArgumentException if a part is empty or contains a character no grant may
   *     contain (a control character; in the service or action also ':', '/' or a space), the
   *     resource is a path that is not normalised, or the escaped grant is too long
   */
  public static Grant literal(String service, String action, String resource) {
    if (resource != null && ResourcePaths.isPathPattern(resource)) {
      ResourcePaths.NormalisedPath n = ResourcePaths.normalise(resource);
      if (!n.ok()) {
        throw new IllegalArgumentException(
            "the literal resource '" + resource + "' is refused as a path: " + n.problem());
      }
      if (!n.value().equals(resource)) {
        throw new IllegalArgumentException(
            "the literal resource '"
                + resource
                + "' is not a normalised path (it means '"
                + n.value()
                + "'), so no request could match it");
      }
    }
    return new Grant(escapeOrNull(service), escapeOrNull(action), escapeOrNull(resource));
  }

  /**
   * Returns the glob that matches exactly {@code value}: a {@code \} before each of the glob
   * characters {@code \ * ? { } ,}, everything else as it is.
   *
   * @throws IllegalArgumentException if the value is null
   */
  public static String escape(String value) {
    if (value == null) {
      throw new IllegalArgumentException("nothing to escape (null)");
    }
    StringBuilder out = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (GLOB_CHARACTERS.indexOf(c) >= 0) {
        if (out == null) {
          out = new StringBuilder(value.length() + 8).append(value, 0, i);
        }
        out.append('\\');
      }
      if (out != null) {
        out.append(c);
      }
    }
    return out == null ? value : out.toString();
  }

  private static String escapeOrNull(String value) {
    return value == null ? null : escape(value); // the constructor says which part is missing
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
    return serviceGlob.matches(requestService)
        && actionGlob.matches(requestAction)
        && resourceGlob.matches(normalisedResource);
  }

  boolean matchesAction(String requestService, String requestAction) {
    return serviceGlob.matches(requestService) && actionGlob.matches(requestAction);
  }

  private static Glob requirePart(String name, String value, boolean nameLike) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("a grant's " + name + " must not be empty");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f || (nameLike && (c == ':' || c == '/' || c == ' '))) {
        throw new IllegalArgumentException(
            "a grant's " + name + " must not contain " + describe(c) + ": '" + value + "'");
      }
    }
    try {
      return CompiledPatterns.glob(value);
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

  /**
   * Returns {@code service:action:resource}, the grant's pattern; its own caveats are in {@link
   * #caveats()}.
   */
  @Override
  public String toString() {
    return service + ":" + action + ":" + resource;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Grant g
        && g.service.equals(service)
        && g.action.equals(action)
        && g.resource.equals(resource)
        && g.caveats.equals(caveats);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(service, action, resource, caveats);
  }
}
