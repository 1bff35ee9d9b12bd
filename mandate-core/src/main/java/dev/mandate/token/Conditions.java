package dev.mandate.token;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.internal.cel.CelCondition;
import java.util.Map;

/** Glue between condition caveats and the CEL engine. */
final class Conditions {
  private Conditions() {}

  static CelCondition.CelLimits celLimits(Limits limits) {
    return new CelCondition.CelLimits(limits.maxConditionLength(), limits.maxConditionCost());
  }

  static void compileOrThrow(String expression, Limits limits) {
    try {
      CelCondition.compile(expression, celLimits(limits));
    } catch (IllegalArgumentException e) {
      // CEL reports errors over several lines with a caret; keep messages to one line.
      throw new IllegalArgumentException(e.getMessage().replaceAll("\\s*\\R\\s*", " | "));
    }
  }

  /** Returns null when satisfied, else why not. Never throws. */
  static String check(
      String expression, JsonNode args, Map<String, Object> context, Limits limits) {
    CelCondition condition;
    try {
      condition = CelCondition.compile(expression, celLimits(limits));
    } catch (IllegalArgumentException e) {
      return "condition is invalid: " + e.getMessage();
    } catch (RuntimeException e) {
      return "condition could not be compiled";
    }
    CelCondition.Outcome outcome = condition.evaluate(args, context);
    return outcome.satisfied() ? null : outcome.problem();
  }
}
