package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A grant's own argument constraints and conditions (spec §5.3). */
class GrantCaveatsTest {
  private final SigningKey root = Fixtures.key(1);
  private final Verifier verifier = Fixtures.verifier(root).build();

  private Capability.Minter mint(long seed) {
    return Capability.mint(root)
        .clock(Fixtures.clock())
        .random(Fixtures.random(seed))
        .ttl(Duration.ofHours(1));
  }

  private Capability bank() {
    return mint(3)
        .allow(Grant.parse("bank:send_money:*").constrain("/amount", exact(4)))
        .allow("bank:get_balance:*")
        .sign();
  }

  private static Constraint exact(int value) {
    return new Constraint.Exact(IntNode.valueOf(value));
  }

  private static Request call(String action, Object amount) {
    ObjectNode args = JsonNodeFactory.instance.objectNode();
    if (amount != null) {
      args.put("amount", (Integer) amount);
    }
    return new Request(null, "bank", action, "acct-1", args, null);
  }

  private Decision decide(Capability cap, Request request) {
    return verifier.authorize(Presentation.of(cap.toText()), request);
  }

  @Test
  void aGrantsConstraint_appliesOnlyToCallsThatGrantMatches() {
    assertThat(decide(bank(), call("send_money", 4)).allowed()).isTrue();
    assertThat(decide(bank(), call("get_balance", null)).allowed()).isTrue();
    Decision d = decide(bank(), call("send_money", 9000));
    assertThat(d.code()).isEqualTo(Decision.Code.ARGUMENT);
    assertThat(((Decision.Deny) d).block()).isZero();
    assertThat(d.reason()).contains("/amount").contains("grant bank:send_money:* of block 0");
  }

  @Test
  void aMissingArgumentOfTheMatchingGrant_denied() {
    Decision d = decide(bank(), call("send_money", null));
    assertThat(d.code()).isEqualTo(Decision.Code.ARGUMENT);
    assertThat(d.reason()).contains("required by grant bank:send_money:* of block 0");
  }

  @Test
  void anotherMatchingGrantWhoseConstraintsHold_allows() {
    Capability two =
        mint(4)
            .allow(Grant.parse("bank:send_money:*").constrain("/amount", exact(4)))
            .allow(Grant.parse("bank:send_money:acct-1").where("args.amount < 100"))
            .sign();
    assertThat(decide(two, call("send_money", 50)).allowed()).isTrue();
    Decision d = decide(two, call("send_money", 500));
    assertThat(d.code()).as("the first matching grant's failure").isEqualTo(Decision.Code.ARGUMENT);
  }

  @Test
  void aConditionOfTheMatchingGrant_isChecked() {
    Capability cap =
        mint(5).allow(Grant.parse("bank:send_money:*").where("args.amount <= 10")).sign();
    assertThat(decide(cap, call("send_money", 10)).allowed()).isTrue();
    Decision d = decide(cap, call("send_money", 11));
    assertThat(d.code()).isEqualTo(Decision.Code.CONDITION);
    assertThat(d.reason()).contains("of grant bank:send_money:* of block 0");
  }

  @Test
  void attenuation_cannotLiftAParentGrantsConstraint() {
    Capability child =
        bank()
            .attenuate()
            .clock(Fixtures.clock())
            .random(Fixtures.random(6))
            .allow("bank:*:*")
            .sign();
    assertThat(decide(child, call("send_money", 9000)).code()).isEqualTo(Decision.Code.ARGUMENT);
    assertThat(decide(child, call("send_money", 4)).allowed()).isTrue();
  }

  @Test
  void attenuation_canConstrainAGrantFurther() {
    Capability child =
        mint(7)
            .allow("bank:send_money:*")
            .sign()
            .attenuate()
            .clock(Fixtures.clock())
            .random(Fixtures.random(8))
            .allow(Grant.parse("bank:send_money:*").constrain("/amount", exact(4)))
            .sign();
    assertThat(decide(child, call("send_money", 5)).code()).isEqualTo(Decision.Code.ARGUMENT);
    assertThat(((Decision.Deny) decide(child, call("send_money", 5))).block()).isEqualTo(1);
  }

  @Test
  void grantCaveats_roundTripThroughTheBinaryForm() {
    Capability cap = bank();
    Capability decoded = Capability.decode(cap.toText());
    assertThat(decoded.blocks().get(0).grants()).isEqualTo(cap.blocks().get(0).grants());
    Grant send = decoded.blocks().get(0).grants().get(0);
    assertThat(send.toString()).isEqualTo("bank:send_money:*");
    assertThat(send.caveats()).containsExactly(new Caveat.Argument("/amount", exact(4)));
    assertThat(decoded.blocks().get(0).caveats()).allMatch(Caveat.Expiry.class::isInstance);
  }

  @Test
  void coverage_isByPatternOnly() {
    Request noAmount = call("send_money", null);
    assertThat(verifier.covers(Presentation.of(bank().toText()), noAmount)).isTrue();
  }

  @Test
  void aGrantCarriesOnlyArgumentsAndConditions() {
    Grant g = Grant.parse("bank:send_money:*");
    assertThatThrownBy(() -> g.with(new Caveat.MaxUses(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("applies to a whole block");
    assertThatThrownBy(() -> g.with(new Caveat.Expiry(Instant.EPOCH)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> g.where("args.amount +")).isInstanceOf(IllegalArgumentException.class);
    assertThat(g.constrain("/a", new Constraint.Range(null, BigDecimal.ONE)).withoutCaveats())
        .isEqualTo(g);
  }

  @Test
  void grantCaveats_countTowardsTheCaveatLimit() {
    Grant g = Grant.parse("bank:send_money:*");
    for (int i = 0; i < 64; i++) {
      g = g.constrain("/a" + i, exact(i));
    }
    Capability.Minter m = mint(9).allow(g);
    assertThatThrownBy(m::sign).isInstanceOf(IllegalArgumentException.class);
    assertThat(List.of(g).get(0).caveats()).hasSize(64);
  }
}
