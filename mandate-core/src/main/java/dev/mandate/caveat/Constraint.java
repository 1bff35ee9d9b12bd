package dev.mandate.caveat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.internal.CompiledPatterns;
import dev.mandate.internal.JsonScalars;
import dev.mandate.internal.match.ResourcePaths;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A typed constraint on one argument value. Each kind reads the value the way the target system
 * will (a path is normalised, a URL parsed, a shell command tokenised) before it decides.
 * Constructors validate their parameters and throw {@link IllegalArgumentException} with the
 * reason; {@link #violation(JsonNode)} never throws.
 */
public sealed interface Constraint
    permits Constraint.Exact,
        Constraint.OneOf,
        Constraint.Prefix,
        Constraint.Glob,
        Constraint.Regex,
        Constraint.Range,
        Constraint.CidrSet,
        Constraint.PathWithin,
        Constraint.Url,
        Constraint.Shell,
        Constraint.AllOf,
        Constraint.AnyOf,
        Constraint.Not {

  /**
   * Checks a value.
   *
   * @param value the argument value; null when the argument is absent
   * @return null when the value satisfies the constraint, otherwise why not
   */
  String violation(JsonNode value);

  /** The nesting depth: 1 for a leaf, more for combinators. */
  default int depth() {
    return 1;
  }

  /**
   * The value must equal this JSON scalar (string, number compared by value, or boolean). The
   * scalar is kept in its canonical form (spec section 6.1), so {@code 4.0} becomes {@code 4}.
   */
  record Exact(JsonNode value) implements Constraint {
    /**
     * @throws IllegalArgumentException if the value is not a string, number or boolean, is a number
     *     that is not finite, or is a string with an unpaired surrogate
     */
    public Exact {
      value = canonicalScalar(value);
    }

    @Override
    public String violation(JsonNode actual) {
      return scalarEquals(value, actual) ? null : "must equal " + value;
    }
  }

  /** The value must equal one of these JSON scalars, each kept in its canonical form. */
  record OneOf(List<JsonNode> values) implements Constraint {
    /**
     * @throws IllegalArgumentException if the list is empty or holds a value {@link Exact} refuses
     */
    public OneOf {
      if (values.isEmpty()) {
        throw new IllegalArgumentException("one-of needs at least one value");
      }
      values = values.stream().map(Constraint::canonicalScalar).toList();
    }

    @Override
    public String violation(JsonNode actual) {
      for (JsonNode v : values) {
        if (scalarEquals(v, actual)) {
          return null;
        }
      }
      return "must be one of " + values;
    }
  }

  /** The value must be a string starting with this prefix (exact code points). */
  record Prefix(String prefix) implements Constraint {
    /** Requires a non-null prefix. */
    public Prefix {
      Objects.requireNonNull(prefix, "prefix");
    }

    @Override
    public String violation(JsonNode actual) {
      return stringViolation(
          actual, s -> s.startsWith(prefix), () -> "must start with '" + prefix + "'");
    }
  }

  /** The value must be a string matching this glob (the grant glob syntax of the spec). */
  record Glob(String pattern) implements Constraint {
    /**
     * @throws IllegalArgumentException if the pattern is not a valid glob
     */
    public Glob {
      CompiledPatterns.glob(Objects.requireNonNull(pattern, "pattern"));
    }

    @Override
    public String violation(JsonNode actual) {
      return stringViolation(
          actual, CompiledPatterns.glob(pattern)::matches, () -> "must match '" + pattern + "'");
    }
  }

  /** The whole string value must match this RE2 expression (linear time, no backreferences). */
  record Regex(String expression) implements Constraint {
    /**
     * @throws IllegalArgumentException if the expression is too long or not valid RE2
     */
    public Regex {
      CompiledPatterns.regex(Objects.requireNonNull(expression, "expression"));
    }

    @Override
    public String violation(JsonNode actual) {
      return stringViolation(
          actual,
          CompiledPatterns.regex(expression)::matches,
          () -> "must match /" + expression + "/");
    }
  }

  /** The value must be a JSON number within [min, max]; a null bound is open. */
  record Range(BigDecimal min, BigDecimal max) implements Constraint {
    /**
     * @throws IllegalArgumentException if both bounds are null or min exceeds max
     */
    public Range {
      if (min == null && max == null) {
        throw new IllegalArgumentException("a range needs a minimum, a maximum or both");
      }
      if (min != null && max != null && min.compareTo(max) > 0) {
        throw new IllegalArgumentException("range minimum " + min + " exceeds maximum " + max);
      }
    }

    @Override
    public String violation(JsonNode actual) {
      if (actual == null || !actual.isNumber()) {
        return "must be a number";
      }
      BigDecimal v = actual.decimalValue();
      if (min != null && v.compareTo(min) < 0) {
        return "must be at least " + min.toPlainString();
      }
      if (max != null && v.compareTo(max) > 0) {
        return "must be at most " + max.toPlainString();
      }
      return null;
    }
  }

  /** The value must be an IP address (strictly parsed) inside one of these CIDR blocks. */
  record CidrSet(List<String> blocks) implements Constraint {
    /**
     * @throws IllegalArgumentException if the list is empty or a block is not valid CIDR
     */
    public CidrSet {
      blocks = List.copyOf(blocks);
      if (blocks.isEmpty()) {
        throw new IllegalArgumentException("a CIDR constraint needs at least one block");
      }
      blocks.forEach(CompiledPatterns::cidr);
    }

    @Override
    public String violation(JsonNode actual) {
      if (actual == null || !actual.isTextual()) {
        return "must be an IP address string";
      }
      for (String b : blocks) {
        if (CompiledPatterns.cidr(b).contains(actual.textValue())) {
          return null;
        }
      }
      return "must be an IP address in " + blocks;
    }
  }

  /** The value must be an absolute path that, once normalised, lies within {@code base}. */
  record PathWithin(String base) implements Constraint {
    /**
     * @throws IllegalArgumentException if base is not a normalised absolute path
     */
    public PathWithin {
      var n = ResourcePaths.normalise(base);
      if (!n.ok()) {
        throw new IllegalArgumentException("path-within base: " + n.problem());
      }
      if (!n.value().equals(base)) {
        throw new IllegalArgumentException(
            "path-within base must be normalised: use '" + n.value() + "'");
      }
    }

    @Override
    public String violation(JsonNode actual) {
      if (actual == null || !actual.isTextual()) {
        return "must be a path string";
      }
      // The base is normalised on construction, so only the value needs normalising here.
      var path = ResourcePaths.normalise(actual.textValue());
      if (!path.ok()) {
        return path.problem();
      }
      String p = path.value();
      if (base.equals("/") || p.equals(base) || p.startsWith(base + "/")) {
        return null;
      }
      return "path " + p + " is not within " + base;
    }
  }

  /**
   * The value must be a URL with one of these schemes and a host on the allow-list; private,
   * loopback, link-local and cloud-metadata addresses are always refused.
   */
  record Url(List<String> schemes, List<String> hosts) implements Constraint {
    /**
     * @throws IllegalArgumentException if a scheme or host pattern is invalid
     */
    public Url {
      schemes = List.copyOf(schemes);
      hosts = List.copyOf(hosts);
      CompiledPatterns.url(schemes, hosts);
    }

    @Override
    public String violation(JsonNode actual) {
      if (actual == null || !actual.isTextual()) {
        return "must be a URL string";
      }
      return CompiledPatterns.url(schemes, hosts).check(actual.textValue());
    }
  }

  /**
   * The value must be a shell command line that a POSIX shell would split into plain words, with no
   * metacharacters or expansions, whose program is on the allow-list.
   */
  record Shell(List<String> programs) implements Constraint {
    /**
     * @throws IllegalArgumentException if the list is empty or holds an invalid name
     */
    public Shell {
      programs = List.copyOf(programs);
      CompiledPatterns.shell(programs);
    }

    @Override
    public String violation(JsonNode actual) {
      if (actual == null || !actual.isTextual()) {
        return "must be a command string";
      }
      return CompiledPatterns.shell(programs).check(actual.textValue());
    }
  }

  /** Every one of these constraints must hold. */
  record AllOf(List<Constraint> all) implements Constraint {
    /**
     * @throws IllegalArgumentException if the list is empty
     */
    public AllOf {
      all = nonEmptyCopy(all, "all-of");
    }

    @Override
    public String violation(JsonNode actual) {
      for (Constraint c : all) {
        String v = c.violation(actual);
        if (v != null) {
          return v;
        }
      }
      return null;
    }

    @Override
    public int depth() {
      return 1 + all.stream().mapToInt(Constraint::depth).max().orElse(0);
    }
  }

  /** At least one of these constraints must hold. */
  record AnyOf(List<Constraint> any) implements Constraint {
    /**
     * @throws IllegalArgumentException if the list is empty
     */
    public AnyOf {
      any = nonEmptyCopy(any, "any-of");
    }

    @Override
    public String violation(JsonNode actual) {
      StringBuilder why = new StringBuilder("must satisfy one of: ");
      for (int i = 0; i < any.size(); i++) {
        String v = any.get(i).violation(actual);
        if (v == null) {
          return null;
        }
        why.append(i == 0 ? "" : "; or ").append(v);
      }
      return why.toString();
    }

    @Override
    public int depth() {
      return 1 + any.stream().mapToInt(Constraint::depth).max().orElse(0);
    }
  }

  /** The inner constraint must not hold. An absent argument never satisfies a negation. */
  record Not(Constraint inner) implements Constraint {
    /** Requires an inner constraint. */
    public Not {
      Objects.requireNonNull(inner, "inner");
    }

    @Override
    public String violation(JsonNode actual) {
      if (actual == null || actual.isMissingNode()) {
        return "must be present";
      }
      return inner.violation(actual) == null ? "is a value this constraint excludes" : null;
    }

    @Override
    public int depth() {
      return 1 + inner.depth();
    }
  }

  /** A copy of a combinator's constraints; throws if there are none. */
  private static List<Constraint> nonEmptyCopy(List<Constraint> constraints, String combinator) {
    if (constraints.isEmpty()) {
      throw new IllegalArgumentException(combinator + " needs at least one constraint");
    }
    return List.copyOf(constraints);
  }

  /** Null when the value is a string {@code test} accepts; otherwise why not. */
  private static String stringViolation(
      JsonNode actual, Predicate<String> test, Supplier<String> mismatch) {
    if (actual == null || !actual.isTextual()) {
      return "must be a string";
    }
    return test.test(actual.textValue()) ? null : mismatch.get();
  }

  private static JsonNode canonicalScalar(JsonNode value) {
    return JsonScalars.canonical(value);
  }

  private static boolean scalarEquals(JsonNode expected, JsonNode actual) {
    if (actual == null) {
      return false;
    }
    if (expected.isTextual()) {
      return actual.isTextual() && expected.textValue().equals(actual.textValue());
    }
    if (expected.isNumber()) {
      return actual.isNumber() && expected.decimalValue().compareTo(actual.decimalValue()) == 0;
    }
    return actual.isBoolean() && expected.booleanValue() == actual.booleanValue();
  }
}
