package dev.mandate.policy;

import dev.mandate.caveat.Caveat;
import dev.mandate.policy.GrantTemplate.Parameter;
import dev.mandate.token.Grant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An argument constraint ({@code POINTER=KIND:VALUE}, as {@link Caveat.Argument#parse} reads it) or
 * a CEL condition that a grant template carries and every grant minted under it gets, with {@code
 * {name}} parameters. Instantiated with one value per parameter: in an argument constraint a value
 * is put in as it is, in a condition as a CEL literal (an integer, else a string). A value may hold
 * only letters, digits and {@code . _ @ + -}, so it can never change the structure of what it is
 * put into (no quote, comma, bracket, colon, slash or space). Immutable.
 */
final class ConstraintTemplate {
  /** What a parameter value put into a constraint may look like. */
  static final Pattern SAFE_VALUE = Pattern.compile("[A-Za-z0-9_.@+-]{1,256}");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  private static final Pattern CEL_INTEGER = Pattern.compile("-?[0-9]{1,18}");

  private final boolean condition;
  private final String text;
  private final Set<String> parameters;

  private ConstraintTemplate(boolean condition, String text, Set<String> parameters) {
    this.condition = condition;
    this.text = text;
    this.parameters = parameters;
  }

  /**
   * Parses an argument constraint template, checking it with each parameter replaced by 1.
   *
   * @throws IllegalArgumentException naming an undeclared parameter or what is wrong with it
   */
  static ConstraintTemplate argument(String text, Map<String, Parameter> declared) {
    ConstraintTemplate t = new ConstraintTemplate(false, text, used(text, declared));
    t.probe();
    return t;
  }

  /**
   * Parses a condition template, checking it compiles with each parameter replaced by 1.
   *
   * @throws IllegalArgumentException naming an undeclared parameter or the compile error
   */
  static ConstraintTemplate condition(String text, Map<String, Parameter> declared) {
    ConstraintTemplate t = new ConstraintTemplate(true, text, used(text, declared));
    t.probe();
    return t;
  }

  private void probe() {
    Map<String, String> ones = new java.util.HashMap<>();
    parameters.forEach(p -> ones.put(p, "1"));
    instantiate(ones);
  }

  private static Set<String> used(String text, Map<String, Parameter> declared) {
    Set<String> used = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      if (!declared.containsKey(m.group(1))) {
        throw new IllegalArgumentException(
            "{" + m.group(1) + "} is not a declared parameter (see parameters:)");
      }
      used.add(m.group(1));
    }
    return Set.copyOf(used);
  }

  String text() {
    return text;
  }

  /** The names of the parameters it uses. */
  Set<String> parameters() {
    return parameters;
  }

  /**
   * Returns the caveat with each parameter replaced by its value.
   *
   * @param values a value for every parameter used; each must already match its parameter's regex
   * @throws IllegalArgumentException if a value is missing or not a {@link #SAFE_VALUE}, or the
   *     result is not a valid constraint or condition
   */
  Caveat instantiate(Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException("no value for parameter " + m.group(1));
      }
      if (!SAFE_VALUE.matcher(value).matches()) {
        throw new IllegalArgumentException(
            "the value of "
                + m.group(1)
                + " may hold only letters, digits and . _ @ + - (1 to 256) where a constraint uses"
                + " it");
      }
      String put = condition && !CEL_INTEGER.matcher(value).matches() ? '"' + value + '"' : value;
      m.appendReplacement(out, Matcher.quoteReplacement(put));
    }
    m.appendTail(out);
    String result = out.toString();
    if (!condition) {
      return Caveat.Argument.parse(result);
    }
    // Grant.where compiles the condition as a token builder would, and refuses what fails.
    List<Caveat> compiled = new ArrayList<>(Grant.parse("a:b:c").where(result).caveats());
    return compiled.get(0);
  }
}
