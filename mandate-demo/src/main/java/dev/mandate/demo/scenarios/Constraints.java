package dev.mandate.demo.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.caveat.Constraint;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the argument constraints of the suite files: one key per constraint, {@code exact}, {@code
 * oneOf}, {@code prefix}, {@code glob}, {@code regex}, {@code range} ({@code {"min":..,"max":..}}),
 * {@code within} (a path; {@code {root}} is the filesystem root), {@code allOf}, {@code anyOf},
 * {@code not}.
 */
final class Constraints {
  private Constraints() {}

  /**
   * @throws IllegalArgumentException if the JSON is not one known constraint
   */
  static Constraint parse(JsonNode node, String root) {
    if (node == null || !node.isObject() || node.size() != 1) {
      throw new IllegalArgumentException("a constraint is an object with one key, got " + node);
    }
    Map.Entry<String, JsonNode> e = node.properties().iterator().next();
    JsonNode v = e.getValue();
    return switch (e.getKey()) {
      case "exact" -> new Constraint.Exact(v);
      case "oneOf" -> new Constraint.OneOf(elements(v));
      case "prefix" -> new Constraint.Prefix(v.asText());
      case "glob" -> new Constraint.Glob(v.asText());
      case "regex" -> new Constraint.Regex(v.asText());
      case "range" ->
          new Constraint.Range(
              v.hasNonNull("min") ? v.get("min").decimalValue() : (BigDecimal) null,
              v.hasNonNull("max") ? v.get("max").decimalValue() : null);
      case "within" -> new Constraint.PathWithin(v.asText().replace("{root}", root));
      case "allOf" -> new Constraint.AllOf(all(v, root));
      case "anyOf" -> new Constraint.AnyOf(all(v, root));
      case "not" -> new Constraint.Not(parse(v, root));
      default -> throw new IllegalArgumentException("unknown constraint '" + e.getKey() + "'");
    };
  }

  private static List<JsonNode> elements(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out;
  }

  private static List<Constraint> all(JsonNode array, String root) {
    List<Constraint> out = new ArrayList<>();
    array.forEach(n -> out.add(parse(n, root)));
    return out;
  }
}
