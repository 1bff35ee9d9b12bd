package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.crypto.SigningKey;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Revoking a delegated block with the delegator's key, leaving the delegator's own blocks. */
class DelegatedRevocationTest {
  private final SigningKey root = Fixtures.key(1);
  private final SigningKey agent = Fixtures.key(2);
  private final SigningKey subAgent = Fixtures.key(3);
  private final TrustedKeys trusted = TrustedKeys.of(root.verifyingKey());

  private final Capability parent =
      Fixtures.mint(root, 1, "fs:read:/data/**").bindTo(agent.verifyingKey()).sign();
  private final Capability child =
      parent
          .attenuate()
          .clock(Fixtures.clock())
          .allow("fs:read:/data/a/**")
          .bindTo(subAgent.verifyingKey())
          .sign(agent);
  private final Capability grandchild =
      child.attenuate().clock(Fixtures.clock()).allow("fs:read:/data/a/x").sign(subAgent);

  @Test
  void theDelegatorsProof_namesTheChildBlock_notItsOwn() {
    String proof = DelegatedRevocation.sign(child, 1, agent, Fixtures.NOW);

    String id =
        DelegatedRevocation.checkProof(
            child.toText(), 1, proof, trusted, Fixtures.clockAt(Fixtures.NOW.plusSeconds(60)));

    assertThat(id).isEqualTo(child.revocationIds().get(1));
    assertThat(parent.revocationIds()).doesNotContain(id);
    assertThat(grandchild.revocationIds()).contains(id);
  }

  @Test
  void onlyTheKeyThatSignedTheBlock_canSignOrProve() {
    assertThatThrownBy(() -> DelegatedRevocation.sign(child, 1, subAgent, Fixtures.NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("did not sign block 1");
    // The sub-agent signed block 2, so it may revoke that one, never block 1 (its own).
    String ownBlock = DelegatedRevocation.sign(grandchild, 2, subAgent, Fixtures.NOW);
    assertThatThrownBy(
            () ->
                DelegatedRevocation.checkProof(
                    grandchild.toText(), 1, ownBlock, trusted, Fixtures.clock()))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("not signed by the key that signed block 1");
    assertThat(
            DelegatedRevocation.checkProof(
                grandchild.toText(), 2, ownBlock, trusted, Fixtures.clock()))
        .isEqualTo(grandchild.revocationIds().get(2));
  }

  @Test
  void staleMalformedOrMisplacedProofs_andBlockZero_areRefused() {
    String proof = DelegatedRevocation.sign(child, 1, agent, Fixtures.NOW);
    Instant late = Fixtures.NOW.plus(DelegatedRevocation.WINDOW).plusSeconds(1);
    assertThatThrownBy(
            () ->
                DelegatedRevocation.checkProof(
                    child.toText(), 1, proof, trusted, Fixtures.clockAt(late)))
        .hasMessageContaining("not within");
    for (String bad : new String[] {null, "", "mndr1_", "mndr1_!!", proof + "A", "x" + proof}) {
      assertThatThrownBy(
              () ->
                  DelegatedRevocation.checkProof(child.toText(), 1, bad, trusted, Fixtures.clock()))
          .isInstanceOf(InvalidTokenException.class);
    }
    assertThatThrownBy(() -> DelegatedRevocation.revocationId(child.toText(), 0, trusted))
        .hasMessageContaining("block 0 is the authority's");
    assertThatThrownBy(() -> DelegatedRevocation.revocationId(child.toText(), 2, trusted))
        .hasMessageContaining("not a delegated block");
  }

  @Test
  void aTokenThatDoesNotVerify_isRefused() {
    TrustedKeys other = TrustedKeys.of(Fixtures.key(9).verifyingKey());
    assertThatThrownBy(() -> DelegatedRevocation.revocationId(child.toText(), 1, other))
        .isInstanceOf(InvalidTokenException.class)
        .extracting(e -> ((InvalidTokenException) e).code())
        .isEqualTo(Decision.Code.UNKNOWN_KEY);
    assertThatThrownBy(() -> DelegatedRevocation.revocationId("mnd1_AAAA", 1, trusted))
        .isInstanceOf(InvalidTokenException.class);
  }
}
