package dev.mandate.token;

import static dev.mandate.token.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import org.junit.jupiter.api.Test;

/**
 * What the verifier returns and what it consults: an allow carries the verified capability, a
 * failing replay guard is a denial coded UNAVAILABLE, a request cannot change after it was built.
 */
class VerifierStoresTest {
  private final SigningKey root = Fixtures.key(1);
  private final SigningKey holder = Fixtures.key(2);
  private final ReplayGuard failing =
      (id, expiresAt) -> {
        throw new IllegalStateException("replay store down");
      };

  private Capability.Minter mint() {
    return Fixtures.mint(root, 3, "fs:*:**");
  }

  @Test
  void allow_carriesWhatWasVerified() {
    Capability cap = mint().bindTo(holder.verifyingKey()).requireApproval("finance").sign();
    Capability delegated = cap.attenuate().requireApproval("finance", "owners").sign(holder);
    Request call = Request.of("fs", "read_text_file", "/data/a");
    Approval approval =
        Approval.issue(
            root, cap.tokenId(), call, "finance", NOW.plusSeconds(60), Fixtures.random(4));
    Decision d =
        Fixtures.verifier(root)
            .build()
            .authorize(
                Presentation.of(delegated.toText())
                    .withProof(
                        Proof.create(
                            holder,
                            delegated.toText(),
                            Fixtures.call(call),
                            NOW,
                            Fixtures.random(5)))
                    .withCall(Fixtures.call(call))
                    .withApproval(approval),
                call);

    assertThat(d).isInstanceOf(Decision.Allow.class);
    VerifiedCapability v = ((Decision.Allow) d).capability();
    assertThat(v.tokenId()).isEqualTo(cap.tokenId());
    assertThat(v.rootKeyId()).isEqualTo(root.verifyingKey().keyId());
    assertThat(v.revocationIds()).isEqualTo(delegated.revocationIds());
    assertThat(v.blocks()).isEqualTo(delegated.blocks());
    assertThat(v.holderKeyId()).hasValue(holder.verifyingKey().keyId());
    assertThat(v.approvalGroups()).containsExactly("finance");
    assertThat(v.expiresAt()).isEqualTo(delegated.expiresAt());
    assertThat(d.tokenId()).isEqualTo(cap.tokenId());
  }

  @Test
  void approvalRequired_namesTheGroupsEveryCaveatAccepts() {
    Capability cap = mint().requireApproval("owners", "finance").sign();
    Capability narrowed = cap.attenuate().requireApproval("finance", "audit").sign();

    Decision d =
        Fixtures.verifier(root)
            .build()
            .authorize(
                Presentation.of(narrowed.toText()), Request.of("fs", "read_text_file", "/a"));

    assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_REQUIRED);
    assertThat(((Decision.Deny) d).approverGroups()).containsExactly("finance");
  }

  @Test
  void aFailingReplayGuard_deniesTheProofUnavailable() {
    Capability cap = mint().bindTo(holder.verifyingKey()).sign();
    Request call = Request.of("fs", "read_text_file", "/data/a");

    Decision d =
        Fixtures.verifier(root)
            .replayGuard(failing)
            .build()
            .authorize(
                Presentation.of(cap.toText())
                    .withProof(
                        Proof.create(
                            holder, cap.toText(), Fixtures.call(call), NOW, Fixtures.random(6)))
                    .withCall(Fixtures.call(call)),
                call);

    assertThat(d.code()).isEqualTo(Decision.Code.UNAVAILABLE);
    assertThat(((Decision.Deny) d).check()).isEqualTo(Decision.Check.HOLDER);
    assertThat(d.reason()).doesNotContain("store down").contains("replay");
  }

  @Test
  void aFailingReplayGuard_deniesTheApprovalUnavailable() {
    Capability cap = mint().requireApproval("finance").sign();
    Request call = Request.of("fs", "read_text_file", "/data/a");
    Approval approval =
        Approval.issue(
            root, cap.tokenId(), call, "finance", NOW.plusSeconds(60), Fixtures.random(7));

    Decision d =
        Fixtures.verifier(root)
            .replayGuard(failing)
            .build()
            .authorize(Presentation.of(cap.toText()).withApproval(approval), call);

    assertThat(d.code()).isEqualTo(Decision.Code.UNAVAILABLE);
    assertThat(((Decision.Deny) d).check()).isEqualTo(Decision.Check.APPROVAL);
  }

  @Test
  void request_cannotBeChangedThroughItsArguments() {
    ObjectNode args = JsonNodeFactory.instance.objectNode().put("path", "/data/a");
    Request request = new Request(null, "fs", "read_text_file", "/data/a", args, null);

    args.put("path", "/etc/passwd");
    request.args().put("path", "/etc/shadow");
    ((ObjectNode) request.withAudience("gw").args()).put("extra", true);

    assertThat(request.args().get("path").asText()).isEqualTo("/data/a");
    assertThat(request.args().size()).isEqualTo(1);
  }

  @Test
  void presentation_andItsParts_neverPrintSecrets() {
    Capability cap = mint().bindTo(holder.verifyingKey()).sign();
    Request call = Request.of("fs", "read_text_file", "/data/a");
    Proof proof = Proof.create(holder, cap.toText(), Fixtures.call(call), NOW, Fixtures.random(8));
    Presentation p = Presentation.of(cap.toText()).withProof(proof);

    assertThat(p.toString()).doesNotContain(cap.toText()).doesNotContain(proof.text());
    assertThat(proof.toString()).doesNotContain(proof.text());
    assertThat(Approval.of("mnda1_secret").toString()).doesNotContain("secret");
    assertThatThrownBy(() -> Proof.of(null)).isInstanceOf(NullPointerException.class);
  }
}
