package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.caveat.Constraint;
import dev.mandate.config.Durations;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class RestrictionsTest {
  static final SigningKey ROOT = Fixtures.key(1);
  static final VerifyingKey HOLDER = Fixtures.key(2).verifyingKey();
  static final ObjectMapper JSON = new ObjectMapper();

  /** Every kind of restriction, applied to any block builder. */
  static <B extends BlockSpec<B>> B everything(B b) {
    return b.allow("fs:read_text_file:/data/invoices/**")
        .allow("fs:list_directory:/data/invoices")
        .ttl(Duration.ofMinutes(15))
        .notBefore(Fixtures.NOW.minusSeconds(60))
        .audience("gateway-1", "gateway-2")
        .constrain("/path", new Constraint.Prefix("/srv/data/invoices/"))
        .constrainExact("/mode", "text")
        .where("size(args.path) < 200")
        .maxDepth(2)
        .maxUses(10)
        .requireApproval("owner")
        .bindTo(HOLDER);
  }

  @Test
  void mintingWithRestrictions_signsTheSameTokenAsTheSetters() {
    Capability direct =
        everything(Capability.mint(ROOT)).clock(Fixtures.clock()).random(Fixtures.random(7)).sign();
    Capability viaValue =
        Capability.mint(ROOT)
            .clock(Fixtures.clock())
            .random(Fixtures.random(7))
            .restrict(everything(Restrictions.builder()).build())
            .sign();

    assertThat(viaValue.toText()).isEqualTo(direct.toText());
  }

  @Test
  void attenuatingWithRestrictions_signsTheSameBlockAsTheSetters() {
    Capability parent =
        Capability.mint(ROOT)
            .allow("fs:*:/data/**")
            .ttl(Duration.ofHours(1))
            .clock(Fixtures.clock())
            .random(Fixtures.random(1))
            .sign();
    UnaryOperator<Capability.Attenuator> fixed =
        a -> a.clock(Fixtures.clock()).random(Fixtures.random(9));

    Capability direct = everything(fixed.apply(parent.attenuate())).seal().sign();
    Capability viaValue =
        fixed
            .apply(parent.attenuate())
            .restrict(everything(Restrictions.builder()).seal().build())
            .sign();

    assertThat(viaValue.toText()).isEqualTo(direct.toText());
    assertThat(viaValue.sealed()).isTrue();
    assertThat(viaValue.holderKeyId()).hasValue(HOLDER.keyId());
  }

  @Test
  void restrictions_areAValue_thatLaterSettersDoNotChange() {
    Restrictions.Builder b = Restrictions.builder().allow("fs:read_text_file:/a/**");
    Restrictions first = b.build();
    b.allow("fs:read_text_file:/b/**").maxUses(3);

    assertThat(first.grants())
        .extracting(Grant::toString)
        .containsExactly("fs:read_text_file:/a/**");
    assertThat(first.caveats()).isEmpty();
    assertThat(b.build()).isNotEqualTo(first);
    assertThat(Restrictions.builder().allow("fs:read_text_file:/a/**").build()).isEqualTo(first);
  }

  @Test
  void emptinessAndExpiry_countEveryKindOfRestriction() {
    assertThat(Restrictions.builder().build().isEmpty()).isTrue();
    assertThat(Restrictions.builder().seal().build().isEmpty()).isFalse();
    assertThat(Restrictions.builder().bindTo(HOLDER).build().isEmpty()).isFalse();
    assertThat(Restrictions.builder().maxUses(1).build().isEmpty()).isFalse();

    assertThat(Restrictions.builder().allow("fs:*:*").build().hasExpiry()).isFalse();
    assertThat(Restrictions.builder().ttl(Duration.ofMinutes(1)).build().hasExpiry()).isTrue();
    assertThat(Restrictions.builder().expiresAt(Fixtures.NOW).build().hasExpiry()).isTrue();
  }

  @Test
  void badValues_areRefusedWhenSet() {
    assertThatThrownBy(() -> Restrictions.builder().allow("not a grant"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Restrictions.builder().ttl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> Restrictions.builder().maxUses(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Restrictions.builder().where("args.path +"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mintRequest_carriesWhatAnAuthorityMints_inItsJsonShape() throws Exception {
    Restrictions r =
        Restrictions.builder()
            .allow("fs:read_text_file:/data/invoices/2024/**")
            .ttl(Duration.ofMinutes(15))
            .audience("gateway-1")
            .maxUses(20)
            .maxDepth(1)
            .requireApproval("owner", "finance")
            .bindTo(HOLDER)
            .build();

    MintRequestBody body = MintRequestBody.of(r, true);

    assertThat(JSON.readTree(JSON.writeValueAsString(body)))
        .isEqualTo(
            JSON.readTree(
                "{\"grants\":[\"fs:read_text_file:/data/invoices/2024/**\"],\"ttl\":\"15m\","
                    + "\"audience\":\"gateway-1\",\"holderKey\":\""
                    + HOLDER.toText()
                    + "\",\"maxUses\":20,\"maxDepth\":1,\"indirect\":true,"
                    + "\"requireApproval\":[\"owner\",\"finance\"]}"));
    assertThat(JSON.readValue(JSON.writeValueAsString(body), MintRequestBody.class))
        .isEqualTo(body);
  }

  @Test
  void mintRequest_leavesOutWhatWasNotAskedFor() throws Exception {
    MintRequestBody body =
        MintRequestBody.of(Restrictions.builder().allow("fs:read_text_file:/a/**").build(), false);

    assertThat(JSON.writeValueAsString(body))
        .isEqualTo("{\"grants\":[\"fs:read_text_file:/a/**\"]}");
  }

  @Test
  void mintRequest_ttl_isWrittenInTheOneDurationGrammar_inWholeSeconds() {
    for (Duration ttl :
        List.of(
            Duration.ofSeconds(90),
            Duration.ofMinutes(90),
            Duration.ofHours(2),
            Duration.ofDays(7))) {
      assertThat(Durations.parse(ttlOf(ttl))).as(ttlOf(ttl)).isEqualTo(ttl);
    }
    assertThat(ttlOf(Duration.ofMinutes(15))).isEqualTo("15m");
    assertThatThrownBy(() -> ttlOf(Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole seconds");
  }

  @Test
  void mintRequest_refusesWhatOnlyAttenuationCanAdd_namingIt() {
    Instant t = Fixtures.NOW.plusSeconds(600);
    List.of(
            Restrictions.builder().expiresAt(t).build(),
            Restrictions.builder().notBefore(t).build(),
            Restrictions.builder()
                .constrain(
                    "/n",
                    new Constraint.AnyOf(
                        List.of(new Constraint.Prefix("a"), new Constraint.Prefix("b"))))
                .build(),
            Restrictions.builder().seal().build())
        .forEach(
            r ->
                assertThatThrownBy(() -> MintRequestBody.of(r, false))
                    .as(r.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("a mint request cannot carry")
                    .hasMessageContaining("attenuate"));
    assertThatThrownBy(() -> MintRequestBody.of(Restrictions.builder().seal().build(), false))
        .hasMessageContaining("(seal)");
    assertThatThrownBy(
            () -> MintRequestBody.of(Restrictions.builder().audience("a", "b").build(), false))
        .hasMessageContaining("at most one audience");
    assertThatThrownBy(
            () -> MintRequestBody.of(Restrictions.builder().maxUses(1L << 31).build(), false))
        .hasMessageContaining(String.valueOf(Integer.MAX_VALUE));
  }

  @Test
  void mintRequest_carriesArgumentsConditionsAndGrantCaveats_asText() {
    Restrictions r =
        Restrictions.builder()
            .allow("bank:get_balance:*")
            .allow(
                Grant.parse("bank:send_money:*")
                    .constrain("/amount", new Constraint.Range(null, new BigDecimal("5000")))
                    .where("args.currency == 'EUR'")
                    .budget("sum(/amount)<=5000.00"))
            .constrainExact("/account", "acct-1")
            .budget("calls<=10/1m")
            .where("args.memo == ''")
            .build();

    MintRequestBody body = MintRequestBody.of(r, false);

    assertThat(body.grants()).containsExactly("bank:get_balance:*");
    assertThat(body.constrainedGrants())
        .containsExactly(
            new MintRequestBody.ConstrainedGrant(
                "bank:send_money:*",
                List.of("/amount=range:..5000"),
                List.of("args.currency == 'EUR'"),
                List.of("sum(/amount)<=5000")));
    assertThat(body.budgets()).containsExactly("calls<=10/1m");
    assertThat(body.arguments()).containsExactly("/account=exact:\"acct-1\"");
    assertThat(body.conditions()).containsExactly("args.memo == ''");
    assertThat(body.constrainedGrants().get(0).toGrant()).isEqualTo(r.grants().get(1));
    assertThat(body.withParameters(Map.of("max", "10")).parameters()).containsEntry("max", "10");
  }

  private static String ttlOf(Duration ttl) {
    return MintRequestBody.of(Restrictions.builder().ttl(ttl).build(), false).ttl();
  }
}
