package dev.mandate.internal.cel;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.internal.cel.CelCondition.CelLimits;
import java.time.Instant;
import java.util.Map;

/** Run in a fresh JVM by {@link CelConditionTest}: the very first compile and evaluation. */
final class ColdStartProbe {

  private ColdStartProbe() {}

  public static void main(String[] argv) throws Exception {
    CelCondition condition =
        CelCondition.compile(
            "args.amount <= 100 && args.list.all(x, x > 0)"
                + " && context.time < timestamp('2100-01-01T00:00:00Z')",
            CelLimits.DEFAULTS);
    CelCondition.Outcome outcome =
        condition.evaluate(
            new ObjectMapper().readTree("{\"amount\": 5, \"list\": [1, 2, 3]}"),
            Map.of("time", Instant.now()));
    System.out.println("OUTCOME " + outcome);
  }
}
