package dev.mandate.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.gateway.BenchLedgers;
import dev.mandate.token.BudgetLedger;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Grant;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What per-grant constraints and a budget add to a warm call (verification cache hit): the same
 * 2-block bank capability with nothing more, with a per-grant argument constraint, with a budget
 * kept in memory, and with a budget kept in Redis (the gateway's ledger, one Lua script per call;
 * {@code MANDATE_BENCH_REDIS}, default {@code redis://127.0.0.1:6379}). The budgets are large
 * enough never to run out during a run.
 */
public class BudgetBenchmarks extends MicroBenchmark {
  private static final String BUDGET = "sum(/amount)<=9000000000";

  /**
   * The capability and ledger of the call: {@code warmPlain} no constraint and no budget (the
   * baseline); {@code warmGrantConstraint} the grant carries its own range constraint on /amount;
   * {@code warmBudgetInMemory} debited from a budget in memory (one gateway); {@code
   * warmBudgetRedis} debited from a budget in Redis (a gateway cluster): one Lua script round trip.
   */
  @Param({"warmPlain", "warmGrantConstraint", "warmBudgetInMemory", "warmBudgetRedis"})
  public String call;

  private Verifier verifier;
  private BudgetLedger redis;
  private String token;
  private Request request;

  @Setup(Level.Trial)
  public void setUp() {
    SecureRandom rng = new SecureRandom();
    SigningKey root = SigningKey.generate(rng);
    Clock clock = Clock.systemUTC();
    Verifier.Builder v =
        Verifier.builder().trustedKeys(TrustedKeys.of(root.verifyingKey())).clock(clock);
    switch (call) {
      case "warmPlain" -> token = bank(root, rng, null, null);
      case "warmGrantConstraint" -> token = bank(root, rng, "/amount", null);
      case "warmBudgetInMemory" -> {
        token = bank(root, rng, null, BUDGET);
        v.budgetLedger(BudgetLedger.inMemory(clock));
      }
      case "warmBudgetRedis" -> {
        token = bank(root, rng, null, BUDGET);
        String url = System.getenv().getOrDefault("MANDATE_BENCH_REDIS", "redis://127.0.0.1:6379");
        redis = BenchLedgers.redis(url, clock);
        v.budgetLedger(redis);
      }
      default -> throw new IllegalArgumentException("unknown call: " + call);
    }
    verifier = v.build();
    ObjectNode args =
        JsonNodeFactory.instance.objectNode().put("amount", 1).put("recipient", "acct-2");
    request = new Request(null, "bank", "send_money", "acct-1", args, Map.of());
    warm();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (redis != null) {
      BenchLedgers.close(redis);
    }
  }

  /** A bank capability: an authority block and one delegated block, as an agent would hold it. */
  private static String bank(SigningKey root, SecureRandom rng, String constrained, String budget) {
    Grant send = Grant.parse("bank:send_money:*");
    if (constrained != null) {
      send =
          send.constrain(
              constrained,
              new dev.mandate.caveat.Constraint.Range(BigDecimal.ZERO, new BigDecimal("5000")));
    }
    Capability.Minter m =
        Capability.mint(root)
            .random(rng)
            .allow(send)
            .allow("bank:get_balance:*")
            .ttl(Duration.ofDays(1));
    if (budget != null) {
      m.budget(budget);
    }
    return m.sign().attenuate().random(rng).allow("bank:send_money:acct-*").sign().toText();
  }

  /** One warm call of the capability {@link #call} names. */
  @Benchmark
  public Decision warm() {
    return Fixtures.requireAllowed(verifier.authorize(Presentation.of(token), request));
  }
}
