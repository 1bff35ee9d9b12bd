package dev.mandate.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A path template such as {@code /repos/{owner}/{repo}/issues}: literal segments and whole-segment
 * parameters. Matching works on decoded segments; a parameter never matches an empty segment, a dot
 * segment, or one holding a separator, a {@code ;} or a control character, so an encoded {@code
 * %2F}, a {@code ..} or a {@code ..;} cannot move a resource outside what the template describes.
 */
final class PathTemplate {
  private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]{0,63})}");

  private final String text;
  private final List<String> segments;

  private PathTemplate(String text) {
    this.text = text;
    this.segments = split(text);
  }

  static PathTemplate parse(String text) {
    String problem = problem(text);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return new PathTemplate(text);
  }

  /** Returns what is wrong with a template, or null. */
  static String problem(String text) {
    if (text == null || !text.startsWith("/")) {
      return "a path template starts with '/'";
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String s : split(text)) {
      if (s.contains("{") || s.contains("}")) {
        var m = PARAM.matcher(s);
        if (!m.matches()) {
          return "segment '" + s + "' must be literal or exactly one {name}";
        }
        if (!seen.add(m.group(1))) {
          return "parameter {" + m.group(1) + "} appears twice";
        }
      }
    }
    return null;
  }

  /** The parameter names a template (or resource template) uses. */
  static Set<String> parameters(String text) {
    Set<String> names = new LinkedHashSet<>();
    var m = PARAM.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /**
   * Matches decoded path segments.
   *
   * @return the parameters, or null when the path does not match
   */
  Map<String, String> match(List<String> decodedSegments) {
    if (decodedSegments.size() != segments.size()) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < segments.size(); i++) {
      String want = segments.get(i);
      String have = decodedSegments.get(i);
      if (want.startsWith("{")) {
        if (!safeParameter(have)) {
          return null;
        }
        params.put(want.substring(1, want.length() - 1), have);
      } else if (!want.equals(have)) {
        return null;
      }
    }
    return params;
  }

  /** Substitutes parameters into a template such as {@code /repos/{owner}/{repo}}. */
  static String expand(String template, Map<String, String> params) {
    var m = PARAM.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = params.get(m.group(1));
      m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(v == null ? "" : v));
    }
    m.appendTail(out);
    return out.toString();
  }

  static boolean safeParameter(String s) {
    if (s.isEmpty() || s.equals(".") || s.equals("..")) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      // ';' starts a path parameter that Tomcat and Spring strip before routing ("..;" is "..").
      if (c == '/' || c == '\\' || c == ';' || c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  static List<String> split(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    return new ArrayList<>(List.of(p.split("/", -1)));
  }

  @Override
  public String toString() {
    return text;
  }
}
