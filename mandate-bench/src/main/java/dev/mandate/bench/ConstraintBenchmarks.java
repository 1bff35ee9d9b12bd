package dev.mandate.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
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
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * What constraints on one grant (spec §5.3) add to a call: the same {@code send_money} request
 * authorized, on a verification cache hit (the gateway's steady state), against one-block
 * capabilities that differ only in where the amount limit sits. {@code bin/bench-constraints} runs
 * it; docs/benchmarks.md has the figures.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class ConstraintBenchmarks extends MicroBenchmark {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final BigDecimal MAX = new BigDecimal("100");
  private static final String[] OTHER_ACTIONS = {
    "get_balance",
    "list_transactions",
    "list_scheduled",
    "schedule_transaction",
    "update_scheduled_transaction",
    "get_user_info",
    "update_user_info"
  };

  /**
   * Where the limit sits: {@code noConstraint} two grants, no limit (the baseline); {@code
   * blockWideConstraint} one grant and a block-wide {@code /amount} range (one token per tool);
   * {@code grantConstraint} two grants, the matching one with its own {@code /amount} range; {@code
   * grantConstraintEighthOfEight} eight grants, each with its own range, the call matching the
   * last; {@code grantCondition} two grants, the matching one with its own CEL condition instead of
   * a range.
   */
  @Param({
    "noConstraint",
    "blockWideConstraint",
    "grantConstraint",
    "grantConstraintEighthOfEight",
    "grantCondition"
  })
  public String capability;

  private Verifier verifier;
  private Request request;
  private String token;

  @Setup(Level.Trial)
  public void setUp() {
    SecureRandom random = new SecureRandom();
    SigningKey root = SigningKey.generate(random);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    verifier =
        Verifier.builder()
            .trustedKeys(TrustedKeys.of(root.verifyingKey()))
            .clock(clock)
            .verificationCacheSize(10_000)
            .build();
    ObjectNode args =
        JsonNodeFactory.instance
            .objectNode()
            .put("iban", "DE89370400440532013000")
            .put("amount", new BigDecimal("42.50"))
            .put("subject", "Rent June");
    request = new Request(null, "bank", "send_money", "DE89370400440532013000", args, Map.of());
    Constraint upTo100 = new Constraint.Range(BigDecimal.ZERO, MAX);

    String plain =
        mint(root, clock, random)
            .allow("bank:send_money:*")
            .allow("bank:get_balance:*")
            .sign()
            .toText();
    // The workaround before grant constraints: a block-wide limit, so one token per tool.
    String blockWide =
        mint(root, clock, random)
            .allow("bank:send_money:*")
            .constrain("/amount", upTo100)
            .sign()
            .toText();
    String perGrant =
        mint(root, clock, random)
            .allow(Grant.parse("bank:send_money:*").constrain("/amount", upTo100))
            .allow("bank:get_balance:*")
            .sign()
            .toText();
    Capability.Minter eight = mint(root, clock, random);
    for (String action : OTHER_ACTIONS) {
      eight.allow(Grant.parse("bank:" + action + ":*").constrain("/amount", upTo100));
    }
    String perGrantOfEight =
        eight.allow(Grant.parse("bank:send_money:*").constrain("/amount", upTo100)).sign().toText();
    String perGrantCondition =
        mint(root, clock, random)
            .allow(Grant.parse("bank:send_money:*").where("args.amount <= 100.0"))
            .allow("bank:get_balance:*")
            .sign()
            .toText();
    Map<String, String> tokens =
        Map.of(
            "noConstraint", plain,
            "blockWideConstraint", blockWide,
            "grantConstraint", perGrant,
            "grantConstraintEighthOfEight", perGrantOfEight,
            "grantCondition", perGrantCondition);
    for (String t : tokens.values()) {
      authorize(t);
    }
    token = tokens.get(capability);
    if (token == null) {
      throw new IllegalArgumentException("unknown capability: " + capability);
    }
    ObjectNode tooMuch = args.deepCopy().put("amount", new BigDecimal("100.01"));
    Request denied =
        new Request(null, "bank", "send_money", "DE89370400440532013000", tooMuch, Map.of());
    for (String token : new String[] {blockWide, perGrant, perGrantOfEight, perGrantCondition}) {
      if (verifier.authorize(Presentation.of(token), denied).allowed()) {
        throw new IllegalStateException("a constrained capability allowed 100.01");
      }
    }
  }

  private static Capability.Minter mint(SigningKey root, Clock clock, SecureRandom random) {
    return Capability.mint(root).clock(clock).random(random).ttl(Duration.ofDays(30));
  }

  private Decision authorize(String token) {
    return Fixtures.requireAllowed(verifier.authorize(Presentation.of(token), request));
  }

  /** One call on the capability {@link #capability} names. */
  @Benchmark
  public Decision authorize() {
    return authorize(token);
  }
}
