package dev.mandate.policy;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.mandate.internal.CompiledPatterns;
import dev.mandate.internal.match.Glob;
import dev.mandate.token.Grant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A grant template from the policy ({@code fs:read_text_file:/data/invoices/{year}/**}) and the
 * coverage rule that decides whether a requested grant is within it. The rule is documented on
 * {@link Policy}; in short, a requested grant is covered when one binding of the template's
 * parameters to allowed values makes every part of the template match everything the same part of
 * the request matches. Three fast routes decide the common cases (textual equality, a literal
 * matched by the template's glob, {@code LITERAL/**} or {@code LITERAL/*} below a template ending
 * in {@code /**} or {@code /*}); the fourth compares the two globs' languages ({@link
 * GlobLanguage}).
 *
 * <p>Regular expressions built here only <em>propose</em> parameter bindings. Every proposal is
 * then checked against the ground truth: the bound values are validated, the template is
 * instantiated textually (values escaped), and the real {@link Glob} of the instantiation, or the
 * inclusion of languages, decides. A mistake in the proposal machinery can therefore only refuse a
 * grant, never allow one.
 */
final class GrantTemplate {
  /** Longest accepted parameter value, in chars. */
  static final int MAX_VALUE_LENGTH = 256;

  /**
   * Most component-wise prefixes of a requested {@code LITERAL/**} resource that are tried against
   * a template, shortest first (a bound on the work an authenticated client can cause).
   */
  static final int MAX_PREFIX_COMPONENTS = 64;

  private static final String[] PART_NAMES = {"service", "action", "resource"};

  /** A declared parameter: its name and the RE2 regex its values must fully match. */
  record Parameter(String name, String regex, Pattern pattern) {}

  /** The outcome of {@link #covers}: the binding used, or why no binding works. */
  record Coverage(boolean covered, Map<String, String> binding, int failedPart, String why) {}

  private final String text;
  private final List<Part> parts;
  private final Set<String> parameters;
  // Per part: whether it uses a parameter that another part uses too. Only then can the choice
  // among its candidate bindings matter, so other parts stop at the first candidate found.
  private final boolean[] sharesParameters = new boolean[3];

  private final List<ConstraintTemplate> constraints;

  private GrantTemplate(
      String text, List<Part> parts, Set<String> parameters, List<ConstraintTemplate> constraints) {
    this.text = text;
    this.parts = parts;
    this.parameters = parameters;
    this.constraints = constraints;
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        if (i != j) {
          for (Parameter p : parts.get(i).groups) {
            if (parts.get(j).uses(p.name())) {
              sharesParameters[i] = true;
            }
          }
        }
      }
    }
  }

  String text() {
    return text;
  }

  /** The names of the parameters the template's pattern uses. */
  Set<String> parameters() {
    return parameters;
  }

  /** The constraints and conditions every grant minted under this template carries. */
  List<ConstraintTemplate> constraints() {
    return constraints;
  }

  /** This template, carrying these constraints and conditions. */
  GrantTemplate withConstraints(List<ConstraintTemplate> required) {
    return new GrantTemplate(text, parts, parameters, List.copyOf(required));
  }

  /**
   * Whether each part is nothing but wildcards: {@code *} or {@code **} (resource: or {@code /**}).
   */
  boolean allowsEverything() {
    String s = parts.get(0).text;
    String a = parts.get(1).text;
    String r = parts.get(2).text;
    return isStars(s) && isStars(a) && (r.equals("**") || r.equals("/**") || r.matches("\\*{3,}"));
  }

  private static boolean isStars(String s) {
    return !s.isEmpty() && s.chars().allMatch(c -> c == '*');
  }

  /**
   * Parses a template.
   *
   * @param declared the client's declared parameters, by name
   * @throws IllegalArgumentException with a message that completes "'TEXT' is not a valid grant: "
   */
  static GrantTemplate parse(String text, Map<String, Parameter> declared) {
    int first = text.indexOf(':');
    int second = first < 0 ? -1 : text.indexOf(':', first + 1);
    if (first <= 0 || second <= first + 1 || second == text.length() - 1) {
      throw new IllegalArgumentException(
          "a grant is service:action:resource, each part non-empty (e.g."
              + " fs:read_text_file:/data/**)");
    }
    String[] texts = {
      text.substring(0, first), text.substring(first + 1, second), text.substring(second + 1)
    };
    Set<String> used = new LinkedHashSet<>();
    List<Part> parts = new ArrayList<>(3);
    for (int i = 0; i < 3; i++) {
      parts.add(Part.parse(PART_NAMES[i], texts[i], declared, used));
    }
    // Let the token library judge the glob syntax and characters, with each parameter replaced by
    // a value that is valid in every position.
    try {
      new Grant(
          parts.get(0).instantiateWith("x"),
          parts.get(1).instantiateWith("x"),
          parts.get(2).instantiateWith("x"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return new GrantTemplate(text, List.copyOf(parts), Set.copyOf(used), List.of());
  }

  /**
   * Decides whether the requested grant allows nothing beyond some instantiation of this template.
   * Never throws.
   */
  Coverage covers(Grant requested) {
    String[] requestedParts = {requested.service(), requested.action(), requested.resource()};
    List<List<Map<String, String>>> candidates = new ArrayList<>(3);
    for (int i = 0; i < 3; i++) {
      List<String> notes = new ArrayList<>();
      List<Map<String, String>> found =
          parts.get(i).candidates(requestedParts[i], i == 2, !sharesParameters[i], notes);
      if (found.isEmpty()) {
        String why =
            notes.isEmpty() ? parts.get(i).mismatch(requestedParts[i], i == 2) : notes.get(0);
        return new Coverage(false, Map.of(), i, why);
      }
      candidates.add(found);
    }
    for (Map<String, String> s : candidates.get(0)) {
      for (Map<String, String> a : candidates.get(1)) {
        if (!consistent(s, a)) {
          continue;
        }
        for (Map<String, String> r : candidates.get(2)) {
          if (consistent(s, r) && consistent(a, r)) {
            Map<String, String> binding = new HashMap<>(s);
            binding.putAll(a);
            binding.putAll(r);
            return new Coverage(true, Map.copyOf(binding), -1, "");
          }
        }
      }
    }
    return new Coverage(
        false,
        Map.of(),
        2,
        "a parameter used in several parts of '" + text + "' would need different values");
  }

  private static boolean consistent(Map<String, String> a, Map<String, String> b) {
    for (Map.Entry<String, String> e : a.entrySet()) {
      String other = b.get(e.getKey());
      if (other != null && !other.equals(e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Why a value may not be bound to a parameter, or null if it may. */
  static String valueProblem(Parameter p, String value) {
    String name = "{" + p.name() + "}";
    if (value.isEmpty()) {
      return "the value for " + name + " would be empty";
    }
    if (value.length() > MAX_VALUE_LENGTH) {
      return "the value for " + name + " is longer than " + MAX_VALUE_LENGTH + " chars";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '/') {
        return "the value '"
            + value
            + "' for "
            + name
            + " contains '/'; a parameter value is a single path segment";
      }
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        return "the value for " + name + " contains a control character";
      }
    }
    if (value.equals(".") || value.equals("..")) {
      return "the value '" + value + "' for " + name + " is a relative path segment";
    }
    if (!p.pattern().matches(value)) {
      return "the value '"
          + value
          + "' for "
          + name
          + " does not match its regex '"
          + p.regex()
          + "'";
    }
    return null;
  }

  /** Whether a grant part contains no glob syntax, so its glob matches exactly itself. */
  static boolean isLiteral(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '{' || c == '}' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /** A template refers to a parameter that is not declared (or whose declaration is invalid). */
  static final class UnknownParameter extends IllegalArgumentException {
    final String parameter;

    UnknownParameter(String parameter) {
      super(
          "unknown parameter '"
              + parameter
              + "'; declare it under parameters (with the regex its values must match)");
      this.parameter = parameter;
    }
  }

  /** One literal glob piece or one parameter reference. */
  private record Piece(String literal, Parameter parameter) {}

  /** One part (service, action or resource) of a template. */
  private static final class Part {
    final String name;
    final String text;
    final List<Piece> pieces;
    final List<Parameter> groups;
    final Pattern textual;
    final Pattern semantic;
    final Part beforeGlobstar;
    final Part beforeStar;

    private Part(String name, String text, List<Piece> pieces, boolean derive) {
      this.name = name;
      this.text = text;
      this.pieces = pieces;
      List<Parameter> groups = new ArrayList<>();
      StringBuilder textualRe = new StringBuilder();
      StringBuilder semanticRe = new StringBuilder();
      for (Piece piece : pieces) {
        if (piece.parameter() != null) {
          String group = "(?P<mandateP" + groups.size() + ">(?:" + piece.parameter().regex() + "))";
          groups.add(piece.parameter());
          textualRe.append(group);
          semanticRe.append(group);
        } else {
          textualRe.append(quote(piece.literal()));
          semanticRe.append(globRegex(piece.literal()));
        }
      }
      this.groups = List.copyOf(groups);
      this.textual = groups.isEmpty() ? null : compileOrNull(textualRe.toString());
      this.semantic = groups.isEmpty() ? null : compileOrNull(semanticRe.toString());
      this.beforeGlobstar = derive ? trimmed("/**") : null;
      this.beforeStar = derive && !text.endsWith("**") ? trimmed("/*") : null;
    }

    static Part parse(String name, String text, Map<String, Parameter> declared, Set<String> used) {
      List<Piece> pieces = new ArrayList<>();
      StringBuilder literal = new StringBuilder();
      int depth = 0;
      int i = 0;
      int n = text.length();
      while (i < n) {
        char c = text.charAt(i);
        if (c == '\\') {
          if (i + 1 >= n) {
            throw new IllegalArgumentException(
                "the " + name + " ends with a lone '\\' (escape of nothing)");
          }
          int escaped = text.codePointAt(i + 1);
          literal.append(c).appendCodePoint(escaped);
          i += 1 + Character.charCount(escaped);
          continue;
        }
        if (c == '{') {
          int close = parameterEnd(text, i + 1);
          if (close > 0) {
            String parameter = text.substring(i + 1, close);
            if (depth > 0) {
              throw new IllegalArgumentException(
                  "parameter {" + parameter + "} cannot be used inside {a,b} alternatives");
            }
            Parameter declaredParameter = declared.get(parameter);
            if (declaredParameter == null) {
              throw new UnknownParameter(parameter);
            }
            if (literal.length() > 0) {
              pieces.add(new Piece(literal.toString(), null));
              literal.setLength(0);
            }
            pieces.add(new Piece(null, declaredParameter));
            used.add(parameter);
            i = close + 1;
            continue;
          }
          depth++;
        } else if (c == '}') {
          if (depth == 0) {
            throw new IllegalArgumentException(
                "unbalanced brace: the '}' at position "
                    + (i + 1)
                    + " of the "
                    + name
                    + " has no matching '{'");
          }
          depth--;
        }
        literal.append(c);
        i++;
      }
      if (depth > 0) {
        throw new IllegalArgumentException(
            "unbalanced brace: a '{' in the " + name + " is never closed");
      }
      if (literal.length() > 0) {
        pieces.add(new Piece(literal.toString(), null));
      }
      return new Part(name, text, List.copyOf(pieces), true);
    }

    /** End index of {@code name} in {@code {name}} starting at from, or -1 if not a reference. */
    private static int parameterEnd(String text, int from) {
      int i = from;
      while (i < text.length() && i - from <= 64) {
        char c = text.charAt(i);
        boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        boolean digit = c >= '0' && c <= '9';
        if (c == '}') {
          return i > from ? i : -1;
        }
        if (!(letter || (digit && i > from))) {
          return -1;
        }
        i++;
      }
      return -1;
    }

    /** This part without a trailing suffix ("/**" or "/*"), or null if it doesn't end so. */
    private Part trimmed(String suffix) {
      if (pieces.isEmpty() || pieces.get(pieces.size() - 1).literal() == null) {
        return null;
      }
      String last = pieces.get(pieces.size() - 1).literal();
      if (!last.endsWith(suffix)) {
        return null;
      }
      List<Piece> rest = new ArrayList<>(pieces.subList(0, pieces.size() - 1));
      String kept = last.substring(0, last.length() - suffix.length());
      if (!kept.isEmpty()) {
        rest.add(new Piece(kept, null));
      }
      return new Part(name, text.substring(0, text.length() - suffix.length()), rest, false);
    }

    boolean uses(String parameter) {
      return groups.stream().anyMatch(p -> p.name().equals(parameter));
    }

    String instantiateWith(String value) {
      StringBuilder s = new StringBuilder();
      for (Piece piece : pieces) {
        s.append(piece.parameter() != null ? value : piece.literal());
      }
      return s.toString();
    }

    /** The part with each parameter replaced by its value, escaped: a value is literal text. */
    String instantiate(Map<String, String> binding) {
      StringBuilder s = new StringBuilder();
      for (Piece piece : pieces) {
        s.append(
            piece.parameter() != null
                ? Grant.escape(binding.get(piece.parameter().name()))
                : piece.literal());
      }
      return s.toString();
    }

    /** Every verified binding under which this part covers the requested part. */
    List<Map<String, String>> candidates(
        String requested, boolean resource, boolean firstOnly, List<String> notes) {
      List<Map<String, String>> out = new ArrayList<>(2);
      // Route 1: the requested part is the template part with each parameter replaced.
      Map<String, String> b = bind(textual, requested, notes);
      if (b != null && instantiate(b).equals(requested)) {
        out.add(b);
        if (firstOnly) {
          return out;
        }
      }
      // Route 2: the requested part is a literal that the instantiated glob matches.
      if (isLiteral(requested)) {
        b = literalBinding(requested, notes);
        if (b == null && beforeGlobstar != null) {
          b = literalBelow(requested, notes);
        }
        if (b != null) {
          out.add(b);
          if (firstOnly) {
            return out;
          }
        }
      }
      // Route 3: LITERAL/** or LITERAL/* below a template ending in /** (or /* for LITERAL/*).
      if (resource) {
        String literal = null;
        boolean oneLevel = false;
        if (requested.endsWith("/**")) {
          literal = requested.substring(0, requested.length() - 3);
        } else if (requested.endsWith("/*")) {
          literal = requested.substring(0, requested.length() - 2);
          oneLevel = true;
        }
        if (literal != null && !literal.isEmpty() && isLiteral(literal)) {
          if (beforeGlobstar != null) {
            b = prefixBinding(beforeGlobstar, literal, notes);
            if (b != null) {
              out.add(b);
              if (firstOnly) {
                return out;
              }
            }
          }
          if (oneLevel && beforeStar != null) {
            b = beforeStar.literalBinding(literal, notes);
            if (b != null) {
              out.add(b);
              if (firstOnly) {
                return out;
              }
            }
          }
        }
      }
      // Route 4: what the requested part matches, compared with what the instantiation matches.
      // Routes 1 to 3 are fast special cases of this one.
      // Values proposed from a made-up string say little about the request: their problems are
      // not reported (the general mismatch sentence is), only a comparison too complex to make.
      for (Map<String, String> proposed : proposals(requested, resource, new ArrayList<>())) {
        if (!out.contains(proposed) && includes(proposed, requested, notes)) {
          out.add(proposed);
          if (firstOnly) {
            return out;
          }
        }
      }
      return out;
    }

    /**
     * Bindings worth checking by {@link #includes}: for a template part without parameters the
     * empty one; else those the literal routes propose for a shortest string the requested part
     * matches (and, for {@code X/**} or {@code X/*}, for a shortest string X matches). Any binding
     * that works must make the instantiation match those strings, so these are the likely ones; a
     * better split they miss is refused, never allowed.
     */
    private List<Map<String, String>> proposals(
        String requested, boolean resource, List<String> notes) {
      if (groups.isEmpty()) {
        return List.of(Map.of());
      }
      List<Map<String, String>> out = new ArrayList<>(4);
      try {
        String shortest = GlobLanguage.witness(requested);
        addIfFound(out, literalBinding(shortest, notes));
        if (beforeGlobstar != null) {
          addIfFound(out, literalBelow(shortest, notes));
        }
        String stem = resource ? stem(requested) : null;
        if (stem != null) {
          String stemWitness = GlobLanguage.witness(stem);
          if (beforeGlobstar != null) {
            addIfFound(out, prefixBinding(beforeGlobstar, stemWitness, notes));
          }
          if (beforeStar != null) {
            addIfFound(out, beforeStar.literalBinding(stemWitness, notes));
          }
        }
      } catch (IllegalArgumentException e) {
        // not a glob: nothing to propose
      }
      return out;
    }

    /** X for a requested {@code X/**} or {@code X/*} whose '/' is not escaped, else null. */
    private static String stem(String requested) {
      int cut =
          requested.endsWith("/**")
              ? requested.length() - 3
              : requested.endsWith("/*") ? requested.length() - 2 : -1;
      int backslashes = 0;
      for (int i = cut - 1; i >= 0 && requested.charAt(i) == '\\'; i--) {
        backslashes++;
      }
      return cut > 0 && backslashes % 2 == 0 ? requested.substring(0, cut) : null;
    }

    private static void addIfFound(List<Map<String, String>> out, Map<String, String> b) {
      if (b != null && !out.contains(b)) {
        out.add(b);
      }
    }

    /** Whether every string the requested glob matches is matched by this part under b. */
    private boolean includes(Map<String, String> binding, String requested, List<String> notes) {
      try {
        return GlobLanguage.counterexample(requested, instantiate(binding)).isEmpty();
      } catch (GlobLanguage.TooComplex e) {
        notes.add(e.getMessage());
        return false;
      } catch (IllegalArgumentException e) {
        return false; // not a glob after all: nothing to compare, so not covered
      }
    }

    /** A binding under which the instantiated glob matches the literal, or null. */
    Map<String, String> literalBinding(String literal, List<String> notes) {
      if (pieces.isEmpty()) {
        return literal.isEmpty() ? Map.of() : null;
      }
      Map<String, String> b = bind(semantic, literal, notes);
      if (b == null) {
        return null;
      }
      return matchesInstantiated(b, literal) ? b : null;
    }

    /**
     * For a part {@code G/**}: a binding under which G matches the literal cut before one of its
     * '/' (so this part's glob matches the literal), verified against the whole part's glob.
     * Proposes bindings segment by segment where a loose parameter regex would swallow a '/'.
     */
    private Map<String, String> literalBelow(String literal, List<String> notes) {
      if (groups.isEmpty()) {
        return null; // literalBinding already asked the glob itself
      }
      int tried = 0;
      for (int end = 0; end < literal.length() && tried < MAX_PREFIX_COMPONENTS; end++) {
        if (literal.charAt(end) != '/') {
          continue;
        }
        tried++;
        Map<String, String> b = beforeGlobstar.literalBinding(literal.substring(0, end), notes);
        if (b != null && matchesInstantiated(b, literal)) {
          return b;
        }
      }
      return null;
    }

    private boolean matchesInstantiated(Map<String, String> binding, String literal) {
      try {
        // The shared cache is bounded; instantiations are as cacheable as the policy's globs.
        return CompiledPatterns.glob(instantiate(binding)).matches(literal);
      } catch (IllegalArgumentException e) {
        return false;
      }
    }

    /**
     * A binding under which the instantiated glob (this part) matches a component-wise prefix of
     * the literal: the literal itself, or the literal cut just before one of its '/'.
     */
    private static Map<String, String> prefixBinding(
        Part prefix, String literal, List<String> notes) {
      // Shortest first: templates are usually shallower than the paths asked for below them.
      int tried = 0;
      for (int end = 0; end <= literal.length() && tried < MAX_PREFIX_COMPONENTS; end++) {
        if (end == literal.length() || literal.charAt(end) == '/') {
          tried++;
          Map<String, String> b = prefix.literalBinding(literal.substring(0, end), notes);
          if (b != null) {
            return b;
          }
        }
      }
      return null;
    }

    /**
     * Proposes a binding from a regex match and validates the values; null if there is none or a
     * value is not allowed (the reason is added to notes).
     */
    private Map<String, String> bind(Pattern pattern, String requested, List<String> notes) {
      if (groups.isEmpty()) {
        return Map.of();
      }
      if (pattern == null) {
        return null;
      }
      Matcher m = pattern.matcher(requested);
      if (!m.matches()) {
        return null;
      }
      Map<String, String> binding = new HashMap<>();
      for (int g = 0; g < groups.size(); g++) {
        Parameter p = groups.get(g);
        String value = m.group("mandateP" + g);
        String previous = binding.putIfAbsent(p.name(), value);
        if (previous != null && !previous.equals(value)) {
          return null;
        }
        String problem = valueProblem(p, value);
        if (problem != null) {
          notes.add(problem);
          return null;
        }
      }
      return Map.copyOf(binding);
    }

    /** A sentence saying why the requested part is not covered by this part. */
    String mismatch(String requested, boolean resource) {
      if (groups.isEmpty()) {
        try {
          var example = GlobLanguage.counterexample(requested, text);
          if (example.isPresent()) {
            return "the "
                + name
                + " '"
                + requested
                + "' matches "
                + (example.get().isEmpty() ? "the empty string" : "'" + example.get() + "'")
                + ", which '"
                + text
                + "' does not";
          }
        } catch (GlobLanguage.TooComplex | IllegalArgumentException e) {
          // fall through to the general sentence
        }
      }
      return "the "
          + name
          + " '"
          + requested
          + "' matches strings that '"
          + text
          + "' does not"
          + (groups.isEmpty() ? "" : " with any one allowed value of each parameter");
    }
  }

  private static Pattern compileOrNull(String regex) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      return null;
    }
  }

  private static String quote(String literal) {
    StringBuilder re = new StringBuilder();
    literal.codePoints().forEach(cp -> appendLiteral(re, cp));
    return re.toString();
  }

  /**
   * Translates a glob piece (braces balanced, no parameters) to an RE2 regex with the meaning
   * {@link Glob} documents. Used only to propose bindings; {@link Glob} has the final word.
   */
  private static String globRegex(String glob) {
    StringBuilder re = new StringBuilder();
    int depth = 0;
    int i = 0;
    while (i < glob.length()) {
      int cp = glob.codePointAt(i);
      int width = Character.charCount(cp);
      switch (cp) {
        case '*':
          {
            int run = 0;
            while (i < glob.length() && glob.charAt(i) == '*') {
              run++;
              i++;
            }
            re.append(run >= 2 ? "[\\x{0}-\\x{10FFFF}]*" : "[^/]*");
            continue;
          }
        case '?':
          re.append("[^/]");
          break;
        case '\\':
          if (i + 1 < glob.length()) {
            int escaped = glob.codePointAt(i + 1);
            appendLiteral(re, escaped);
            i += 1 + Character.charCount(escaped);
            continue;
          }
          appendLiteral(re, cp);
          break;
        case '{':
          depth++;
          re.append("(?:");
          break;
        case '}':
          depth--;
          re.append(')');
          break;
        case ',':
          re.append(depth > 0 ? "|" : "\\x{2c}");
          break;
        default:
          appendLiteral(re, cp);
      }
      i += width;
    }
    return re.toString();
  }

  private static void appendLiteral(StringBuilder re, int cp) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
      re.append((char) cp);
    } else {
      re.append("\\x{").append(Integer.toHexString(cp)).append('}');
    }
  }
}
