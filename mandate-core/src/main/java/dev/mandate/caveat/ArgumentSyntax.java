package dev.mandate.caveat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The compact {@code POINTER=KIND:VALUE} text of an argument constraint ({@link
 * Caveat.Argument#parse}, {@link Caveat.Argument#text}), shared by the CLI's {@code --arg}, the
 * mint API and policy templates. The pointer is everything before the first {@code =}.
 */
final class ArgumentSyntax {
  // Decimals are read exactly (1e400 is a number, not infinity), and anything after the value is
  // refused; the constraint then keeps each scalar in the canonical form a token carries (4.0
  // becomes 4).
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private ArgumentSyntax() {}

  /**
   * Parses {@code POINTER=KIND:VALUE}.
   *
   * @throws IllegalArgumentException saying what is wrong and the expected form
   */
  static Caveat.Argument parse(String text) {
    int eq = text == null ? -1 : text.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not POINTER=KIND:VALUE (e.g. /path=within:/data); see --help for the kinds");
    }
    String pointer = text.substring(0, eq);
    if (!pointer.startsWith("/")) {
      throw new IllegalArgumentException(
          "the argument '" + pointer + "' must be a JSON Pointer such as /path");
    }
    Constraint constraint = constraint(text.substring(eq + 1), 0);
    try {
      return new Caveat.Argument(pointer, constraint);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + pointer + "' is not a valid JSON Pointer: " + e.getMessage());
    }
  }

  private static Constraint constraint(String spec, int depth) {
    int colon = spec.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "'"
              + spec
              + "' is not KIND:VALUE; KIND is one of within, glob, prefix, regex, exact, oneof,"
              + " range, cidr, url, shell, not");
    }
    String kind = spec.substring(0, colon);
    String value = spec.substring(colon + 1);
    try {
      return switch (kind) {
        case "within" -> new Constraint.PathWithin(value);
        case "glob" -> new Constraint.Glob(value);
        case "prefix" -> new Constraint.Prefix(value);
        case "regex" -> new Constraint.Regex(value);
        case "exact" -> new Constraint.Exact(jsonScalar(value));
        case "oneof" -> new Constraint.OneOf(jsonScalars(value));
        case "range" -> range(value);
        case "cidr" -> new Constraint.CidrSet(list(value, "CIDR block"));
        case "url" -> url(value);
        case "shell" -> new Constraint.Shell(list(value, "program"));
        case "not" -> {
          if (depth >= 4) {
            throw new IllegalArgumentException("too many nested not: prefixes");
          }
          yield new Constraint.Not(constraint(value, depth + 1));
        }
        default ->
            throw new IllegalArgumentException(
                "unknown constraint kind '"
                    + kind
                    + "'; use within, glob, prefix, regex, exact, oneof, range, cidr, url, shell"
                    + " or not");
      };
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(kind + ":")) {
        throw e;
      }
      throw new IllegalArgumentException(kind + ": " + e.getMessage());
    }
  }

  private static JsonNode jsonScalar(String value) {
    JsonNode node = json(value, "exact needs a JSON scalar, e.g. exact:\"read\", exact:42");
    if (!(node.isTextual() || node.isNumber() || node.isBoolean())) {
      throw new IllegalArgumentException(
          "exact needs a JSON string, number or boolean, e.g. exact:\"read\"");
    }
    return node;
  }

  private static List<JsonNode> jsonScalars(String value) {
    JsonNode node = json(value, "oneof needs a JSON array of scalars, e.g. oneof:[\"a\",\"b\"]");
    if (!node.isArray()) {
      throw new IllegalArgumentException(
          "oneof needs a JSON array of scalars, e.g. oneof:[\"a\",\"b\"]");
    }
    List<JsonNode> values = new ArrayList<>();
    node.forEach(values::add);
    return values;
  }

  private static JsonNode json(String value, String expected) {
    try {
      JsonNode node = JSON.readTree(value);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException(expected);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          expected + " (in a shell, quote it: --arg '/mode=exact:\"read\"')");
    }
  }

  private static Constraint range(String value) {
    int dots = value.indexOf("..");
    if (dots < 0) {
      throw new IllegalArgumentException("write range:MIN..MAX, e.g. range:0..100 or range:10..");
    }
    return new Constraint.Range(bound(value.substring(0, dots)), bound(value.substring(dots + 2)));
  }

  private static BigDecimal bound(String text) {
    if (text.isEmpty()) {
      return null;
    }
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a number");
    }
  }

  private static Constraint url(String value) {
    int at = value.indexOf('@');
    List<String> schemes = at < 0 ? List.of("https") : list(value.substring(0, at), "scheme");
    return new Constraint.Url(schemes, list(value.substring(at + 1), "host"));
  }

  private static List<String> list(String value, String what) {
    List<String> items = Arrays.stream(value.split(",", -1)).map(String::strip).toList();
    if (items.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException(
          "an empty " + what + " in '" + value + "'; separate items with ,");
    }
    return items;
  }

  /** Renders a constraint in the {@code KIND:VALUE} syntax (combinators in a readable form). */
  static String format(Constraint c) {
    if (c instanceof Constraint.PathWithin p) {
      return "within:" + p.base();
    } else if (c instanceof Constraint.Glob g) {
      return "glob:" + g.pattern();
    } else if (c instanceof Constraint.Prefix p) {
      return "prefix:" + p.prefix();
    } else if (c instanceof Constraint.Regex r) {
      return "regex:" + r.expression();
    } else if (c instanceof Constraint.Exact e) {
      return "exact:" + e.value();
    } else if (c instanceof Constraint.OneOf o) {
      return "oneof:"
          + o.values().stream().map(JsonNode::toString).collect(Collectors.joining(",", "[", "]"));
    } else if (c instanceof Constraint.Range r) {
      return "range:"
          + (r.min() == null ? "" : r.min().toPlainString())
          + ".."
          + (r.max() == null ? "" : r.max().toPlainString());
    } else if (c instanceof Constraint.CidrSet s) {
      return "cidr:" + String.join(",", s.blocks());
    } else if (c instanceof Constraint.Url u) {
      return "url:" + String.join(",", u.schemes()) + "@" + String.join(",", u.hosts());
    } else if (c instanceof Constraint.Shell s) {
      return "shell:" + String.join(",", s.programs());
    } else if (c instanceof Constraint.Not n) {
      return "not:" + format(n.inner());
    } else if (c instanceof Constraint.AllOf a) {
      return a.all().stream()
          .map(ArgumentSyntax::format)
          .collect(Collectors.joining(" and ", "all(", ")"));
    } else if (c instanceof Constraint.AnyOf a) {
      return a.any().stream()
          .map(ArgumentSyntax::format)
          .collect(Collectors.joining(" or ", "any(", ")"));
    }
    return c.toString();
  }
}
