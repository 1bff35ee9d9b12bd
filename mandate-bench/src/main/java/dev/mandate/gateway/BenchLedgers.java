package dev.mandate.gateway;

import dev.mandate.token.BudgetLedger;
import java.time.Clock;
import java.time.Duration;

/**
 * The gateway's Redis budget ledger ({@link RedisState}, package-private) for the benchmarks, which
 * measure it under the verifier without a gateway around it.
 */
public final class BenchLedgers {
  private BenchLedgers() {}

  /**
   * The ledger a gateway with {@code redis: {url: URL}} uses; close it with the returned closer.
   */
  public static BudgetLedger redis(String url, Clock clock) {
    return new RedisState(new GatewayConfig.Redis(Secret.of(url), Duration.ofSeconds(2)), clock);
  }

  /** Closes a ledger made by {@link #redis}. */
  public static void close(BudgetLedger ledger) {
    if (ledger instanceof RedisState r) {
      r.close();
    }
  }
}
