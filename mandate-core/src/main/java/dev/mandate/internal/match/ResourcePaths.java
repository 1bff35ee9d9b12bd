package dev.mandate.internal.match;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Lexical normalisation and containment checks for slash-separated resource paths such as file
 * system paths.
 *
 * <p>Normalisation is purely lexical (the file system is never consulted, so symbolic links are not
 * resolved) and defeats path traversal, encoded separators and Unicode look-alike tricks by
 * rejecting anything suspicious rather than trying to repair it. Comparison after normalisation is
 * exact and case-sensitive: {@code /Data} is not {@code /data}.
 */
public final class ResourcePaths {

  /** Maximum path length, in UTF-16 chars. */
  public static final int MAX_PATH_LENGTH = 4096;

  private ResourcePaths() {}

  /**
   * The outcome of {@link ResourcePaths#normalise(String)}: exactly one of {@code value} and {@code
   * problem} is non-null.
   *
   * @param value the normalised absolute path, or null if the path was rejected
   * @param problem a short sentence saying why the path was rejected, or null if it was accepted
   */
  public record NormalisedPath(String value, String problem) {

    /**
     * Checks that exactly one component is present.
     *
     * @throws IllegalArgumentException if both or neither of value and problem are null
     */
    public NormalisedPath {
      if ((value == null) == (problem == null)) {
        throw new IllegalArgumentException("exactly one of value and problem must be non-null");
      }
    }

    /**
     * Tells whether the path was accepted.
     *
     * @return true if {@link #value()} holds the normalised path
     */
    public boolean ok() {
      return value != null;
    }

    private static NormalisedPath of(String value) {
      return new NormalisedPath(value, null);
    }

    private static NormalisedPath rejected(String problem) {
      return new NormalisedPath(null, problem);
    }
  }

  /**
   * Validates and lexically normalises an absolute path.
   *
   * <p>The path must be non-null, at most {@value #MAX_PATH_LENGTH} chars and start with {@code
   * '/'}. It is rejected if it contains a control character (U+0000–U+001F, U+007F–U+009F), a
   * backslash, an unpaired surrogate, an invisible or bidirectional-control character (U+200B–
   * U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF), a percent-encoded separator, dot,
   * NUL or percent sign ({@code %2f %5c %2e %00 %25} in any case), an overlong UTF-8 lead byte
   * ({@code %c0 %c1}) or a {@code %uXXXX} escape, or if it is not in Unicode NFC or differs from
   * its NFKC form (which rejects e.g. fullwidth solidus U+FF0F and one-dot leader U+2024). It is
   * then resolved: repeated {@code '/'} collapse, {@code .} segments are dropped, {@code ..}
   * removes the previous segment (a problem if there is none: the path escapes the root), and a
   * trailing {@code '/'} is dropped unless the result is {@code "/"}.
   *
   * @param path the untrusted path
   * @return the normalised path, or the problem that made it unacceptable; never throws
   */
  public static NormalisedPath normalise(String path) {
    if (path == null) {
      return NormalisedPath.rejected("path is missing");
    }
    if (path.length() > MAX_PATH_LENGTH) {
      return NormalisedPath.rejected(
          "path is longer than " + MAX_PATH_LENGTH + " characters (" + path.length() + ")");
    }
    if (path.isEmpty() || path.charAt(0) != '/') {
      return NormalisedPath.rejected("path is not absolute (must start with '/')");
    }
    if (isCleanAscii(path)) {
      return NormalisedPath.of(path);
    }
    String problem = characterProblem(path);
    if (problem == null) {
      problem = percentProblem(path);
    }
    if (problem != null) {
      return NormalisedPath.rejected(problem);
    }
    if (!Normalizer.isNormalized(path, Normalizer.Form.NFC)) {
      return NormalisedPath.rejected("path is not in Unicode normalisation form NFC");
    }
    if (!Normalizer.normalize(path, Normalizer.Form.NFKC).equals(path)) {
      return NormalisedPath.rejected(
          "path contains Unicode compatibility characters (such as fullwidth or ligature forms)");
    }
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        if (segments.isEmpty()) {
          return NormalisedPath.rejected("path escapes the root");
        }
        segments.remove(segments.size() - 1);
      } else {
        segments.add(segment);
      }
    }
    return NormalisedPath.of("/" + String.join("/", segments));
  }

  /**
   * Checks that a path lies within a base directory, after normalising both with {@link
   * #normalise(String)}. Containment is component-wise: {@code /data/inv} contains {@code
   * /data/inv} and {@code /data/inv/x}, but not {@code /data/invoices}.
   *
   * @param base the directory the path must stay within
   * @param path the untrusted path to check
   * @return null if the path equals or lies beneath the base, otherwise a short sentence saying
   *     what is wrong; never throws
   */
  public static String within(String base, String path) {
    NormalisedPath normalisedBase = normalise(base);
    if (!normalisedBase.ok()) {
      return "base " + normalisedBase.problem();
    }
    NormalisedPath normalisedPath = normalise(path);
    if (!normalisedPath.ok()) {
      return normalisedPath.problem();
    }
    String b = normalisedBase.value();
    String p = normalisedPath.value();
    if (b.equals("/") || p.equals(b) || p.startsWith(b + "/")) {
      return null;
    }
    return "path " + p + " is not within " + b;
  }

  /**
   * Tells whether a grant's resource pattern denotes a path, i.e. starts with {@code '/'}.
   *
   * @param pattern the resource pattern; null is not a path pattern
   * @return true if the pattern starts with {@code '/'}
   */
  public static boolean isPathPattern(String pattern) {
    return pattern != null && pattern.startsWith("/");
  }

  /**
   * True for a path that normalisation would return unchanged and that needs no Unicode checks:
   * printable ASCII without backslash or percent, no empty, "." or ".." segment, no trailing slash.
   */
  private static boolean isCleanAscii(String path) {
    int n = path.length();
    if (n > 1 && path.charAt(n - 1) == '/') {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c > 0x7E || c == '\\' || c == '%') {
        return false;
      }
      if (c == '/' && i + 1 < n) {
        char next = path.charAt(i + 1);
        if (next == '/') {
          return false;
        }
        if (next == '.') {
          int end = i + 2;
          if (end == n || path.charAt(end) == '/') {
            return false;
          }
          if (path.charAt(end) == '.' && (end + 1 == n || path.charAt(end + 1) == '/')) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /**
   * What is wrong with the characters of {@code path} (NUL, control characters, a backslash, an
   * unpaired surrogate, invisible or bidirectional-control characters), or null; the answer starts
   * with "path ". Also the gateway's check of a resource URI's characters.
   */
  public static String characterProblem(String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == 0) {
        return "path contains a NUL character";
      }
      if (c <= 0x1F || (c >= 0x7F && c <= 0x9F)) {
        return "path contains a control character (" + codePoint(c) + ")";
      }
      if (c == '\\') {
        return "path contains a backslash";
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < path.length()
          && Character.isLowSurrogate(path.charAt(i + 1))) {
        i++;
        continue;
      }
      if (Character.isSurrogate(c)) {
        return "path contains an unpaired surrogate (" + codePoint(c) + ")";
      }
      if ((c >= 0x200B && c <= 0x200F)
          || (c >= 0x202A && c <= 0x202E)
          || (c >= 0x2060 && c <= 0x2064)
          || (c >= 0x2066 && c <= 0x2069)
          || c == 0xFEFF) {
        return "path contains an invisible or bidirectional-control character ("
            + codePoint(c)
            + ")";
      }
    }
    return null;
  }

  private static String percentProblem(String path) {
    for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
      if (i + 3 > path.length()) {
        continue;
      }
      String escape = path.substring(i, i + 3);
      switch (escape.toLowerCase(Locale.ROOT)) {
        case "%2f":
        case "%5c":
          return "path contains an encoded separator (" + escape + ")";
        case "%2e":
          return "path contains an encoded dot (" + escape + ")";
        case "%00":
          return "path contains an encoded NUL (" + escape + ")";
        case "%25":
          return "path contains an encoded percent sign (" + escape + ")";
        case "%c0":
        case "%c1":
          return "path contains an overlong UTF-8 encoding (" + escape + ")";
        default:
          break;
      }
      if ((escape.charAt(1) == 'u' || escape.charAt(1) == 'U')
          && i + 6 <= path.length()
          && isHex(path, i + 2, i + 6)) {
        return "path contains a %u escape (" + path.substring(i, i + 6) + ")";
      }
    }
    return null;
  }

  private static boolean isHex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  private static String codePoint(char c) {
    return String.format(Locale.ROOT, "U+%04X", (int) c);
  }
}
