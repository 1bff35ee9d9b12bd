package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.crypto.SigningKey;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link Verifier#authenticate}: a valid capability here, presented by its holder, for an operation
 * no grant names; and {@link Verifier#covers}: whether the grants cover a resource.
 */
class AuthenticateTest {
  private final SigningKey root = Fixtures.key(1);
  private final SigningKey agent = Fixtures.key(9);
  private final SigningKey thief = Fixtures.key(10);
  private final Verifier verifier = Fixtures.verifier(root).build();
  private final Request session =
      new Request("gw", "fs", "mcp.session", "POST tools/list", null, null);

  private Capability.Minter mint() {
    return Fixtures.mint(root, 1, "fs:read_text_file:/data/**").audience("gw");
  }

  private Proof proof(SigningKey key, Capability cap, Request r, long seed) {
    return Proof.create(key, cap.toText(), operation(r), Fixtures.NOW, Fixtures.random(seed));
  }

  /** The MCP session operation a gateway decides as {@code r} (its resource names it). */
  private static Call operation(Request r) {
    return Call.mcp(r.audience(), r.service(), r.resource(), "", null);
  }

  @Test
  void aBearerToken_isValidHere_withoutAGrantForTheOperation() {
    Decision d = verifier.authenticate(Presentation.of(mint().sign().toText()), session);

    assertThat(d.allowed()).isTrue();
    assertThat(((Decision.Allow) d).capability().holderKeyId()).isEmpty();
  }

  @Test
  void aHolderBoundToken_needsItsHoldersProof_overExactlyThisOperation_once() {
    Capability bound = mint().bindTo(agent.verifyingKey()).sign();
    Presentation token = Presentation.of(bound.toText());
    Proof good = proof(agent, bound, session, 3);

    assertThat(verifier.authenticate(token, session).code())
        .isEqualTo(Decision.Code.PROOF_REQUIRED);
    assertThat(
            verifier
                .authenticate(
                    token.withProof(proof(thief, bound, session, 4)).withCall(operation(session)),
                    session)
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
    Request other = new Request("gw", "fs", "mcp.session", "DELETE", null, null);
    assertThat(
            verifier.authenticate(token.withProof(good).withCall(operation(other)), other).code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
    assertThat(
            verifier
                .authenticate(token.withProof(good).withCall(operation(session)), session)
                .allowed())
        .isTrue();
    assertThat(
            verifier
                .authenticate(token.withProof(good).withCall(operation(session)), session)
                .code())
        .isEqualTo(Decision.Code.PROOF_REPLAYED);
  }

  @Test
  void aRevokedExpiredForeignOrForgedToken_isNotValid() {
    Capability cap = mint().sign();
    Verifier revoking = Fixtures.verifier(root).revoked(cap.revocationIds().get(0)::equals).build();
    Verifier later =
        Fixtures.verifier(root)
            .clock(Fixtures.clockAt(Fixtures.NOW.plus(Duration.ofHours(2))))
            .build();
    Request elsewhere = new Request("other-gw", "fs", "mcp.session", "GET", null, null);

    assertThat(revoking.authenticate(Presentation.of(cap.toText()), session).code())
        .isEqualTo(Decision.Code.REVOKED);
    assertThat(later.authenticate(Presentation.of(cap.toText()), session).code())
        .isEqualTo(Decision.Code.EXPIRED);
    assertThat(verifier.authenticate(Presentation.of(cap.toText()), elsewhere).code())
        .isEqualTo(Decision.Code.AUDIENCE);
    assertThat(verifier.authenticate(Presentation.of("mnd1_garbage"), session).allowed()).isFalse();
    assertThat(verifier.authenticate(Presentation.of(null), session).allowed()).isFalse();
  }

  @Test
  void covers_checksTheResourceAgainstEveryBlocksGrants() {
    Capability cap = mint().sign().attenuate().allow("fs:read_text_file:/data/invoices/**").sign();
    Presentation p = Presentation.of(cap.toText());

    assertThat(
            verifier.covers(
                p, new Request("gw", "fs", "read_text_file", "/data/invoices/a", null, null)))
        .isTrue();
    assertThat(
            verifier.covers(
                p, new Request("gw", "fs", "read_text_file", "/data/invoices/../hr/x", null, null)))
        .as("normalised before matching")
        .isFalse();
    assertThat(
            verifier.covers(p, new Request("gw", "fs", "read_text_file", "/data/hr/x", null, null)))
        .as("block 1 narrows")
        .isFalse();
    assertThat(
            verifier.covers(
                p, new Request("other", "fs", "read_text_file", "/data/invoices/a", null, null)))
        .isFalse();
    assertThat(
            verifier.covers(
                Presentation.of("mnd1_x"),
                new Request("gw", "fs", "read_text_file", "/data/invoices/a", null, null)))
        .isFalse();
  }
}
