package dev.mandate.token;

import static dev.mandate.token.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.SigningKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A capability whose calls need a person's approval (approval caveat, spec §7.1). */
class ApprovalTest {
  private final SigningKey root = Fixtures.key(1);
  private final Verifier verifier = Fixtures.verifier(root).build();

  private Capability.Minter mint() {
    return Capability.mint(root).clock(Fixtures.clock()).random(Fixtures.random(7));
  }

  private static Request send(String to, String body) {
    ObjectNode args = JsonNodeFactory.instance.objectNode().put("to", to).put("body", body);
    return new Request("gw", "mail", "send_email", to, args, null);
  }

  private Capability payments() {
    return mint()
        .allow("mail:send_email:*@example.com")
        .ttl(Duration.ofHours(1))
        .requireApproval("finance", "owners")
        .sign();
  }

  private Approval approve(Capability cap, Request call, String group, Duration ttl) {
    return Approval.issue(
        root, cap.tokenId(), call, group, NOW.plus(ttl), Fixtures.random(cap.tokenId().hashCode()));
  }

  @Test
  void withoutApproval_deniedSayingWhatToApprove() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");

    Decision d = verifier.authorize(Presentation.of(cap.toText()), call);

    assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_REQUIRED);
    assertThat(((Decision.Deny) d).check()).isEqualTo(Decision.Check.APPROVAL);
    assertThat(d.reason())
        .contains("[finance, owners]")
        .contains(Approval.requestDigest(call))
        .contains(cap.tokenId());
  }

  @Test
  void sign_reDerivesAnIssuedApproval_fromItsClaims_andRefusesAnotherKeysOrBadClaims() {
    Capability cap = payments();
    Approval issued =
        approve(cap, send("bob@example.com", "pay 40 EUR"), "owners", Duration.ofMinutes(5));
    Approval.Claims c = issued.claims();

    assertThat(Approval.sign(root, c).text()).isEqualTo(issued.text());
    assertThatThrownBy(() -> Approval.sign(Fixtures.key(2), c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not the signing key's id");
    Approval.Claims shortId =
        new Approval.Claims(
            c.keyId(), c.tokenId(), c.requestDigest(), c.group(), "abc", c.notAfter());
    assertThatThrownBy(() -> Approval.sign(root, shortId))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("approval id");
    Approval.Claims badGroup =
        new Approval.Claims(
            c.keyId(), c.tokenId(), c.requestDigest(), "Owners", c.approvalId(), c.notAfter());
    assertThatThrownBy(() -> Approval.sign(root, badGroup))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("approver group");
  }

  @Test
  void approvalOfExactlyThisCall_allowsItOnce() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    Approval approval = approve(cap, call, "finance", Duration.ofMinutes(5));

    assertThat(
            verifier
                .authorize(Presentation.of(cap.toText()).withApproval(approval), call)
                .allowed())
        .isTrue();
    Decision again = verifier.authorize(Presentation.of(cap.toText()).withApproval(approval), call);
    assertThat(again.code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    assertThat(again.reason()).contains("already used");
  }

  @Test
  void approvalForOtherArguments_denied() {
    Capability cap = payments();
    Approval approval =
        approve(cap, send("bob@example.com", "pay 40 EUR"), "finance", Duration.ofMinutes(5));

    Decision d =
        verifier.authorize(
            Presentation.of(cap.toText()).withApproval(approval),
            send("bob@example.com", "pay 4000 EUR"));

    assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    assertThat(d.reason()).contains("for another call");
  }

  @Test
  void approvalForAnotherCapability_denied() {
    Capability cap = payments();
    Capability other =
        Fixtures.mint(root, 99, "mail:send_email:*@example.com").requireApproval("finance").sign();
    Request call = send("bob@example.com", "pay 40 EUR");

    Decision d =
        verifier.authorize(
            Presentation.of(cap.toText())
                .withApproval(approve(other, call, "finance", Duration.ofMinutes(5))),
            call);

    assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    assertThat(d.reason()).contains("another capability");
  }

  @Test
  void approvalByAGroupTheCaveatDoesNotName_denied_andEveryBlocksCaveatApplies() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    assertThat(
            verifier
                .authorize(
                    Presentation.of(cap.toText())
                        .withApproval(approve(cap, call, "interns", Duration.ofMinutes(5))),
                    call)
                .code())
        .isEqualTo(Decision.Code.APPROVAL_INVALID);

    // A holder narrows the approvers to finance: an owners' approval no longer does.
    Capability narrowed = cap.attenuate().requireApproval("finance").sign();
    Decision d =
        verifier.authorize(
            Presentation.of(narrowed.toText())
                .withApproval(approve(cap, call, "owners", Duration.ofMinutes(5))),
            call);
    assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    assertThat(((Decision.Deny) d).block()).isEqualTo(1);
    assertThat(
            verifier
                .authorize(
                    Presentation.of(narrowed.toText())
                        .withApproval(approve(cap, call, "finance", Duration.ofMinutes(5))),
                    call)
                .allowed())
        .isTrue();
  }

  @Test
  void expiredApproval_denied_withinSkewAccepted() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    Approval lapsed = approve(cap, call, "finance", Duration.ofMinutes(-5));
    Approval justLapsed = approve(cap, call, "finance", Duration.ofSeconds(-10));

    assertThat(
            verifier.authorize(Presentation.of(cap.toText()).withApproval(lapsed), call).reason())
        .contains("expired");
    assertThat(
            verifier
                .authorize(Presentation.of(cap.toText()).withApproval(justLapsed), call)
                .allowed())
        .isTrue();
  }

  @Test
  void approvalSignedByAnUntrustedKey_orEdited_denied() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    Approval forged =
        Approval.issue(
            Fixtures.key(2),
            cap.tokenId(),
            call,
            "finance",
            NOW.plus(Duration.ofMinutes(5)),
            Fixtures.random(3));
    assertThat(
            verifier.authorize(Presentation.of(cap.toText()).withApproval(forged), call).reason())
        .contains("not signed by a trusted authority key");

    byte[] bytes =
        Base64.getUrlDecoder()
            .decode(
                approve(cap, call, "finance", Duration.ofMinutes(5))
                    .text()
                    .substring(Approval.TEXT_PREFIX.length()));
    for (int i = 0; i < bytes.length; i++) {
      byte[] edited = bytes.clone();
      edited[i] ^= 0x01;
      String text =
          Approval.TEXT_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(edited);
      Decision d =
          verifier.authorize(Presentation.of(cap.toText()).withApproval(Approval.of(text)), call);
      assertThat(d.allowed()).as("byte %d edited: %s", i, d).isFalse();
      assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    }
  }

  @Test
  void malformedApprovals_deniedWithAReason() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    for (String bad :
        List.of("nonsense", "mnda1_", "mnda1_!!", "mnda1_" + "A".repeat(600), "mndp1_AAAA")) {
      Decision d =
          verifier.authorize(Presentation.of(cap.toText()).withApproval(Approval.of(bad)), call);
      assertThat(d.code()).as(bad).isEqualTo(Decision.Code.APPROVAL_INVALID);
      assertThat(d.reason()).isNotBlank();
    }
  }

  @Test
  void aCapabilityWithoutApprovalCaveat_ignoresAnApproval() {
    Capability plain =
        mint().allow("mail:send_email:*@example.com").ttl(Duration.ofHours(1)).sign();
    assertThat(
            verifier
                .authorize(
                    Presentation.of(plain.toText()).withApproval(Approval.of("junk")),
                    send("a@example.com", "hi"))
                .allowed())
        .isTrue();
  }

  @Test
  void caveatRoundTrips_andItsGroupsAreChecked() {
    Capability cap = payments();
    Capability decoded = Capability.decode(cap.toText());
    assertThat(decoded.blocks().get(0).caveats())
        .contains(new Caveat.ApprovalRequired(List.of("finance", "owners")));
    assertThatThrownBy(() -> new Caveat.ApprovalRequired(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Caveat.ApprovalRequired(List.of("Finance Team")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void claims_readTheFields_andIssueRefusesBadInput() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    Approval.Claims a = approve(cap, call, "finance", Duration.ofMinutes(5)).claims();

    assertThat(a.tokenId()).isEqualTo(cap.tokenId());
    assertThat(a.requestDigest()).isEqualTo(Approval.requestDigest(call));
    assertThat(a.group()).isEqualTo("finance");
    assertThat(a.keyId()).isEqualTo(root.verifyingKey().keyId());
    assertThat(a.notAfter())
        .isEqualTo(Instant.ofEpochSecond(NOW.plusSeconds(300).getEpochSecond()));
    assertThatThrownBy(() -> Approval.issue(root, "xyz", call, "finance", NOW, Fixtures.random(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Approval.issue(root, cap.tokenId(), call, "", NOW, Fixtures.random(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Approval.of("mnda1_AAAA").claims())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
