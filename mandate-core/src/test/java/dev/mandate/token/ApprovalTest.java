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

  private String approve(Capability cap, Request call, String group, Duration ttl) {
    return Approval.issue(
        root, cap.tokenId(), call, group, NOW.plus(ttl), Fixtures.random(cap.tokenId().hashCode()));
  }

  @Test
  void withoutApproval_deniedSayingWhatToApprove() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");

    Decision d = verifier.authorize(cap.toText(), call);

    assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_REQUIRED);
    assertThat(d.caveat()).isEqualTo("approval");
    assertThat(d.reason())
        .contains("[finance, owners]")
        .contains(Approval.requestDigest(call))
        .contains(cap.tokenId());
  }

  @Test
  void approvalOfExactlyThisCall_allowsItOnce() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    String approval = approve(cap, call, "finance", Duration.ofMinutes(5));

    assertThat(verifier.authorize(cap.toText(), call, null, approval).allowed()).isTrue();
    Decision again = verifier.authorize(cap.toText(), call, null, approval);
    assertThat(again.code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    assertThat(again.reason()).contains("already used");
  }

  @Test
  void approvalForOtherArguments_denied() {
    Capability cap = payments();
    String approval =
        approve(cap, send("bob@example.com", "pay 40 EUR"), "finance", Duration.ofMinutes(5));

    Decision d =
        verifier.authorize(cap.toText(), send("bob@example.com", "pay 4000 EUR"), null, approval);

    assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    assertThat(d.reason()).contains("for another call");
  }

  @Test
  void approvalForAnotherCapability_denied() {
    Capability cap = payments();
    Capability other =
        Capability.mint(root)
            .clock(Fixtures.clock())
            .random(Fixtures.random(99))
            .allow("mail:send_email:*@example.com")
            .ttl(Duration.ofHours(1))
            .requireApproval("finance")
            .sign();
    Request call = send("bob@example.com", "pay 40 EUR");

    Decision d =
        verifier.authorize(
            cap.toText(), call, null, approve(other, call, "finance", Duration.ofMinutes(5)));

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
                    cap.toText(), call, null, approve(cap, call, "interns", Duration.ofMinutes(5)))
                .code())
        .isEqualTo(Decision.Code.APPROVAL_INVALID);

    // A holder narrows the approvers to finance: an owners' approval no longer does.
    Capability narrowed = cap.attenuate().requireApproval("finance").sign();
    Decision d =
        verifier.authorize(
            narrowed.toText(), call, null, approve(cap, call, "owners", Duration.ofMinutes(5)));
    assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    assertThat(d.block()).isEqualTo(1);
    assertThat(
            verifier
                .authorize(
                    narrowed.toText(),
                    call,
                    null,
                    approve(cap, call, "finance", Duration.ofMinutes(5)))
                .allowed())
        .isTrue();
  }

  @Test
  void expiredApproval_denied_withinSkewAccepted() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    String lapsed = approve(cap, call, "finance", Duration.ofMinutes(-5));
    String justLapsed = approve(cap, call, "finance", Duration.ofSeconds(-10));

    assertThat(verifier.authorize(cap.toText(), call, null, lapsed).reason()).contains("expired");
    assertThat(verifier.authorize(cap.toText(), call, null, justLapsed).allowed()).isTrue();
  }

  @Test
  void approvalSignedByAnUntrustedKey_orEdited_denied() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    String forged =
        Approval.issue(
            Fixtures.key(2),
            cap.tokenId(),
            call,
            "finance",
            NOW.plus(Duration.ofMinutes(5)),
            Fixtures.random(3));
    assertThat(verifier.authorize(cap.toText(), call, null, forged).reason())
        .contains("not signed by a trusted authority key");

    byte[] bytes =
        Base64.getUrlDecoder()
            .decode(
                approve(cap, call, "finance", Duration.ofMinutes(5))
                    .substring(Approval.TEXT_PREFIX.length()));
    for (int i = 0; i < bytes.length; i++) {
      byte[] edited = bytes.clone();
      edited[i] ^= 0x01;
      String text =
          Approval.TEXT_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(edited);
      Decision d = verifier.authorize(cap.toText(), call, null, text);
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
      Decision d = verifier.authorize(cap.toText(), call, null, bad);
      assertThat(d.code()).as(bad).isEqualTo(Decision.Code.APPROVAL_INVALID);
      assertThat(d.reason()).isNotBlank();
    }
  }

  @Test
  void aCapabilityWithoutApprovalCaveat_ignoresAnApproval() {
    Capability plain =
        mint().allow("mail:send_email:*@example.com").ttl(Duration.ofHours(1)).sign();
    assertThat(
            verifier.authorize(plain.toText(), send("a@example.com", "hi"), null, "junk").allowed())
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
  void decode_readsTheFields_andIssueRefusesBadInput() {
    Capability cap = payments();
    Request call = send("bob@example.com", "pay 40 EUR");
    Approval a = Approval.decode(approve(cap, call, "finance", Duration.ofMinutes(5)));

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
    assertThatThrownBy(() -> Approval.decode("mnda1_AAAA"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
