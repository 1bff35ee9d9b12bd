package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * Requests whose arguments the canonical form signed by proofs and approvals could not tell apart
 * from other arguments are refused (spec §8), so a signature never covers two different calls.
 */
class CanonicalArgsTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final SigningKey root = Fixtures.key(1);
  private final SigningKey agent = Fixtures.key(9);
  private final Verifier verifier = Fixtures.verifier(root).build();
  private final String token = Fixtures.mint(root, 7, "bank:send_money:*").sign().toText();

  private Decision decide(ObjectNode args) {
    return verifier.authorize(
        Presentation.of(token), new Request(null, "bank", "send_money", "acct", args, null));
  }

  @Test
  void integersUpTo2pow53minus1_allowed_beyond_refused() {
    long max = (1L << 53) - 1;
    assertThat(decide(F.objectNode().put("amount", max)).allowed()).isTrue();
    assertThat(decide(F.objectNode().put("amount", -max)).allowed()).isTrue();

    Decision d = decide(F.objectNode().put("amount", max + 2));
    assertThat(d.code()).isEqualTo(Decision.Code.INVALID_REQUEST);
    assertThat(d.reason()).contains("9007199254740993");
    assertThat(
            decide(F.objectNode().put("amount", new BigInteger("123456789012345678901234567890")))
                .code())
        .isEqualTo(Decision.Code.INVALID_REQUEST);
  }

  @Test
  void nonFiniteNumbers_refused() {
    assertThat(decide(F.objectNode().put("amount", Double.POSITIVE_INFINITY)).code())
        .isEqualTo(Decision.Code.INVALID_REQUEST);
    assertThat(decide(F.objectNode().put("amount", Double.NaN)).code())
        .isEqualTo(Decision.Code.INVALID_REQUEST);
  }

  @Test
  void decimalsThatADoubleCarries_allowed_morePrecise_refused() {
    assertThat(decide(F.objectNode().put("amount", new BigDecimal("98.70"))).allowed()).isTrue();
    assertThat(decide(F.objectNode().put("amount", 0.1)).allowed()).isTrue();

    Decision d = decide(F.objectNode().put("amount", new BigDecimal("0.10000000000000001")));
    assertThat(d.code()).isEqualTo(Decision.Code.INVALID_REQUEST);
    assertThat(d.reason()).contains("more precision");
  }

  @Test
  void unpairedSurrogates_inStringsKeysOrTheRequest_refused() {
    assertThat(decide(F.objectNode().put("note", "ok \uD83D\uDE00")).allowed()).isTrue();
    assertThat(decide(F.objectNode().put("note", "bad \uD83D")).code())
        .isEqualTo(Decision.Code.INVALID_REQUEST);
    assertThat(decide(F.objectNode().put("bad \uDE00", 1)).code())
        .isEqualTo(Decision.Code.INVALID_REQUEST);
    ObjectNode nested = F.objectNode();
    nested.putArray("list").addObject().put("deep", "\uDC00");
    assertThat(decide(nested).code()).isEqualTo(Decision.Code.INVALID_REQUEST);

    Decision d =
        verifier.authorize(
            Presentation.of(token),
            new Request(null, "bank", "send_money", "acct\uD800", null, null));
    assertThat(d.code()).isEqualTo(Decision.Code.INVALID_REQUEST);
    assertThat(((Decision.Deny) d).check().label()).isEqualTo("request");
  }

  @Test
  void aProofCannotBeMovedToArgumentsWithTheSameCanonicalDigest() {
    String bound =
        Fixtures.mint(root, 8, "bank:send_money:*").bindTo(agent.verifyingKey()).sign().toText();
    Request signed =
        new Request(
            null, "bank", "send_money", "acct", F.objectNode().put("amount", 1L << 53), null);
    Proof proof =
        Proof.create(agent, bound, Fixtures.call(signed), Fixtures.NOW, Fixtures.random(3));
    // 2^53 + 1 has the same double, hence the same canonical digest, as 2^53.
    Request moved =
        new Request(
            null, "bank", "send_money", "acct", F.objectNode().put("amount", (1L << 53) + 1), null);

    assertThat(
            verifier
                .authorize(
                    Presentation.of(bound).withProof(proof).withCall(Fixtures.call(moved)), moved)
                .code())
        .isEqualTo(Decision.Code.INVALID_REQUEST);
  }
}
