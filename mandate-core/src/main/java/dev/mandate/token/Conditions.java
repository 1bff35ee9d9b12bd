package dev.mandate.token;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.internal.cel.CelCondition;
import java.util.Map;

/**
 * Glue between condition caveats and the CEL engine. CEL is an optional dependency (an agent that
 * only holds and attenuates capabilities does not need it): without it a condition is denied at
 * verification, and adding one to a block is refused, each with the reason.
 */
final class Conditions {
  /** Why a condition cannot be used here; shown in the deny reason or the exception. */
  static final String CEL_MISSING =
      "conditions need CEL, which is not on the class path: add the dependency dev.cel:cel (the"
          + " authority and the gateway have it; mandate-sdk leaves it out)";

  private static final boolean CEL_PRESENT = celPresent();

  private Conditions() {}

  private static boolean celPresent() {
    try {
      Class.forName(
          "dev.cel.compiler.CelCompilerFactory", false, Conditions.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  static CelCondition.CelLimits celLimits(Limits limits) {
    return new CelCondition.CelLimits(limits.maxConditionLength(), limits.maxConditionCost());
  }

  /**
   * @throws IllegalArgumentException if the expression does not compile
   * @throws IllegalStateException if CEL is not on the class path
   */
  static void compileOrThrow(String expression, Limits limits) {
    if (!CEL_PRESENT) {
      throw new IllegalStateException(CEL_MISSING);
    }
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
    if (!CEL_PRESENT) {
      return CEL_MISSING;
    }
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
