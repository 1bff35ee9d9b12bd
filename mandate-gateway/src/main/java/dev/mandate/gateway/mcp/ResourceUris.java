package dev.mandate.gateway.mcp;

import dev.mandate.internal.match.ResourcePaths;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Normalises the URI of a {@code resources/read} (and of the resources and templates a list shows)
 * the way the verifier normalises paths (spec §5.1), so that a grant is matched against the one
 * form the upstream will read: the scheme in lower case; percent-escapes of unreserved characters
 * decoded and every other escape in upper case; the path's dot segments resolved and repeated
 * slashes collapsed. Anything that could name another resource after a decoding step is refused
 * rather than repaired: control, invisible and bidirectional-control characters, a backslash, text
 * not in Unicode NFC or differing from its NFKC form (fullwidth solidus, one-dot leader), a
 * malformed escape, an encoded separator, dot, NUL or percent sign, and a {@code ..} that climbs
 * above the path's start.
 *
 * <p>The gateway forwards the normalised URI, so the resource it decided is the resource the
 * upstream reads.
 */
final class ResourceUris {
  /** The longest URI accepted, in chars. */
  static final int MAX_LENGTH = 2048;

  private ResourceUris() {}

  /**
   * The outcome of {@link #normalise}: exactly one of {@code value} and {@code problem} is set.
   *
   * @param value the normalised URI, or null
   * @param problem why the URI is refused, or null
   */
  record Normalised(String value, String problem) {
    boolean ok() {
      return value != null;
    }

    static Normalised of(String value) {
      return new Normalised(value, null);
    }

    static Normalised refused(String problem) {
      return new Normalised(null, problem);
    }
  }

  /** Normalises an untrusted absolute URI; never throws. */
  static Normalised normalise(String uri) {
    if (uri == null || uri.isEmpty()) {
      return Normalised.refused("is empty");
    }
    if (uri.length() > MAX_LENGTH) {
      return Normalised.refused("is longer than " + MAX_LENGTH + " chars");
    }
    String problem = characterProblem(uri);
    if (problem != null) {
      return Normalised.refused(problem);
    }
    if (!Normalizer.isNormalized(uri, Normalizer.Form.NFC)
        || !Normalizer.normalize(uri, Normalizer.Form.NFKC).equals(uri)) {
      return Normalised.refused(
          "is not in Unicode NFC or contains compatibility characters (such as fullwidth forms)");
    }
    int colon = uri.indexOf(':');
    if (colon <= 0 || !isScheme(uri.substring(0, colon))) {
      return Normalised.refused("has no scheme (an absolute URI starts with scheme:)");
    }
    String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    String rest;
    try {
      rest = percentNormalised(uri.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      return Normalised.refused(e.getMessage());
    }
    int pathStart = 0;
    if (rest.startsWith("//")) {
      pathStart = indexOfAny(rest, 2, "/?#");
      if (pathStart < 0) {
        pathStart = rest.length();
      }
    }
    int pathEnd = indexOfAny(rest, pathStart, "?#");
    if (pathEnd < 0) {
      pathEnd = rest.length();
    }
    String path = rest.substring(pathStart, pathEnd);
    String normalisedPath;
    if (path.isEmpty()) {
      normalisedPath = path;
    } else {
      boolean rooted = path.startsWith("/");
      ResourcePaths.NormalisedPath p = ResourcePaths.normalise(rooted ? path : "/" + path);
      if (!p.ok()) {
        return Normalised.refused("path " + withoutPathWord(p.problem()));
      }
      normalisedPath = rooted ? p.value() : p.value().substring(1);
      // A trailing slash names a collection to many servers; keep the one the client sent.
      if (path.endsWith("/") && !normalisedPath.endsWith("/")) {
        normalisedPath = normalisedPath + "/";
      }
    }
    return Normalised.of(
        scheme + ":" + rest.substring(0, pathStart) + normalisedPath + rest.substring(pathEnd));
  }

  /** Whether {@code s} is an RFC 3986 scheme: a letter, then letters, digits, +, - or '.'. */
  private static boolean isScheme(String s) {
    if (!isAsciiLetter(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /**
   * Decodes escapes of unreserved characters (letters, digits, {@code - _ ~}) and writes every
   * other escape in upper case.
   *
   * @throws IllegalArgumentException naming the problem, for a malformed escape or an encoded
   *     separator, dot, NUL or percent sign, or a {@code %u} escape
   */
  private static String percentNormalised(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '%') {
        out.append(c);
        continue;
      }
      if (i + 2 >= s.length() || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) {
        throw new IllegalArgumentException(
            "contains a malformed percent-escape ("
                + s.substring(i, Math.min(s.length(), i + 3))
                + ")");
      }
      int b = hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2));
      String escape = s.substring(i, i + 3);
      switch (b) {
        case '/', '\\' ->
            throw new IllegalArgumentException("contains an encoded separator (" + escape + ")");
        case '.' -> throw new IllegalArgumentException("contains an encoded dot (" + escape + ")");
        case 0 -> throw new IllegalArgumentException("contains an encoded NUL (" + escape + ")");
        case '%' ->
            throw new IllegalArgumentException("contains an encoded percent sign (" + escape + ")");
        case 0xc0, 0xc1 ->
            throw new IllegalArgumentException(
                "contains an overlong UTF-8 encoding (" + escape + ")");
        default -> {
          // handled below
        }
      }
      if (b < 0x20 || b == 0x7f) {
        throw new IllegalArgumentException(
            "contains an encoded control character (" + escape + ")");
      }
      if (isUnreserved(b)) {
        out.append((char) b);
      } else {
        out.append('%').append(escape.substring(1).toUpperCase(Locale.ROOT));
      }
      i += 2;
    }
    return out.toString();
  }

  private static boolean isUnreserved(int b) {
    return (b >= 'a' && b <= 'z')
        || (b >= 'A' && b <= 'Z')
        || (b >= '0' && b <= '9')
        || b == '-'
        || b == '_'
        || b == '~';
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** What is wrong with the characters of a URI, or null: a space, or what a path may not hold. */
  private static String characterProblem(String s) {
    if (s.indexOf(' ') >= 0) {
      return "contains a space or control character";
    }
    String problem = ResourcePaths.characterProblem(s);
    return problem == null ? null : withoutPathWord(problem);
  }

  private static String withoutPathWord(String problem) {
    return problem.startsWith("path ") ? problem.substring(5) : problem;
  }

  private static int indexOfAny(String s, int from, String chars) {
    for (int i = from; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }
}
