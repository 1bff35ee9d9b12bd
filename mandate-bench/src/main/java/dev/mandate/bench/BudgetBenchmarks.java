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
  private Verifier plainVerifier;
  private Verifier memoryVerifier;
  private Verifier redisVerifier;
  private BudgetLedger redis;
  private String plain;
  private String grantConstrained;
  private String budgetedInMemory;
  private String budgetedInRedis;
  private Request request;

  @Setup(Level.Trial)
  public void setUp() {
    SecureRandom rng = new SecureRandom();
    SigningKey root = SigningKey.generate(rng);
    Clock clock = Clock.systemUTC();
    plain = bank(root, rng, null, null);
    grantConstrained = bank(root, rng, "/amount", null);
    budgetedInMemory = bank(root, rng, null, "sum(/amount)<=9000000000");
    budgetedInRedis = bank(root, rng, null, "sum(/amount)<=9000000000");
    TrustedKeys trusted = TrustedKeys.of(root.verifyingKey());
    plainVerifier = Verifier.builder().trustedKeys(trusted).clock(clock).build();
    memoryVerifier =
        Verifier.builder()
            .trustedKeys(trusted)
            .clock(clock)
            .budgetLedger(BudgetLedger.inMemory(clock))
            .build();
    String url = System.getenv().getOrDefault("MANDATE_BENCH_REDIS", "redis://127.0.0.1:6379");
    redis = BenchLedgers.redis(url, clock);
    redisVerifier =
        Verifier.builder().trustedKeys(trusted).clock(clock).budgetLedger(redis).build();
    ObjectNode args =
        JsonNodeFactory.instance.objectNode().put("amount", 1).put("recipient", "acct-2");
    request = new Request(null, "bank", "send_money", "acct-1", args, Map.of());
    for (String t : new String[] {plain, grantConstrained, budgetedInMemory, budgetedInRedis}) {
      Verifier v =
          t.equals(budgetedInMemory)
              ? memoryVerifier
              : t.equals(budgetedInRedis) ? redisVerifier : plainVerifier;
      check(v, t);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    BenchLedgers.close(redis);
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

  private Decision check(Verifier v, String token) {
    return Fixtures.requireAllowed(v.authorize(Presentation.of(token), request));
  }

  /** Warm call, no constraint, no budget: the baseline. */
  @Benchmark
  public Object warmPlain() {
    return check(plainVerifier, plain);
  }

  /** Warm call whose grant carries its own range constraint on /amount. */
  @Benchmark
  public Object warmGrantConstraint() {
    return check(plainVerifier, grantConstrained);
  }

  /** Warm call debited from a budget in memory (one gateway). */
  @Benchmark
  public Object warmBudgetInMemory() {
    return check(memoryVerifier, budgetedInMemory);
  }

  /** Warm call debited from a budget in Redis (a gateway cluster): one Lua script round trip. */
  @Benchmark
  public Object warmBudgetRedis() {
    return check(redisVerifier, budgetedInRedis);
  }
}
