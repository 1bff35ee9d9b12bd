package dev.mandate.sdk;

import static dev.mandate.sdk.AgentAuthority.args;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.sdk.RequestShape.ResourceRule;
import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A wallet keeps approvals for their calls and presents each once; time from a test clock. */
class WalletApprovalTest extends WalletTestBase {
  /** Matching kept approvals to tool calls needs the gateway's mapping, mirrored. */
  static final RequestShape FS =
      RequestShape.of("gw-test", "fs")
          .withApprovalMatching(ResourceRule.argumentUnderRoot("path", "/srv"));

  static final ToolCall JAN =
      new ToolCall("read_text_file", args("path", "/srv/data/invoices/2024/jan.txt"));
  static final ToolCall FEB =
      new ToolCall("read_text_file", args("path", "/srv/data/invoices/2024/feb.txt"));

  private Capability.Minter mint() {
    return invoices(Duration.ofMinutes(30)).requireApproval("finance");
  }

  private String approve(Capability capability, ToolCall call, Duration ttl) {
    return Approval.issue(
            root,
            capability.tokenId(),
            FS.requestFor(call),
            "finance",
            clock.instant().plus(ttl),
            random)
        .text();
  }

  @Test
  void anApproval_isPresentedWithExactlyItsCall_once() {
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), FS);
    String approval = approve(capability, JAN, Duration.ofMinutes(5));

    wallet.addApproval(h, approval);
    Presentation other = wallet.authorize(h, FEB);
    Presentation approved = wallet.authorize(h, JAN);
    Presentation again = wallet.authorize(h, JAN);

    assertThat(other.approval().map(Approval::text).orElse(null))
        .as("another call keeps no approval")
        .isNull();
    assertThat(approved.approval().map(Approval::text).orElse(null)).isEqualTo(approval);
    assertThat(again.approval().map(Approval::text).orElse(null))
        .as("an approval allows one call")
        .isNull();
    Decision allowed = verify(approved, JAN);
    assertThat(allowed.allowed()).as(allowed.toString()).isTrue();
    assertThat(verify(other, FEB).code()).isEqualTo(Decision.Code.APPROVAL_REQUIRED);
    assertThat(verify(again, JAN).code()).isEqualTo(Decision.Code.APPROVAL_REQUIRED);
  }

  @Test
  void aHolderBoundCapability_getsTheProofAndTheApproval() {
    Capability capability = mint().bindTo(wallet.holderPublicKey()).sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), FS);
    wallet.addApproval(h, approve(capability, JAN, Duration.ofMinutes(5)));

    Presentation p = wallet.authorize(h, JAN);

    assertThat(p.proof().map(Proof::text).orElse(null)).startsWith(Proof.TEXT_PREFIX);
    assertThat(p.approval().map(Approval::text).orElse(null)).startsWith(Approval.TEXT_PREFIX);
    Decision d = verify(p, JAN);
    assertThat(d.allowed()).as(d.toString()).isTrue();
  }

  @Test
  void approvalsForSeveralCalls_eachGoWithTheirOwn_inAnyOrder() {
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), FS);
    String jan = approve(capability, JAN, Duration.ofMinutes(5));
    String feb = approve(capability, FEB, Duration.ofMinutes(5));
    wallet.addApproval(h, jan);
    wallet.addApproval(h, feb);

    assertThat(wallet.authorize(h, FEB).approval().map(Approval::text).orElse(null)).isEqualTo(feb);
    assertThat(wallet.authorize(h, JAN).approval().map(Approval::text).orElse(null)).isEqualTo(jan);
  }

  @Test
  void anApprovalThatExpiresUnused_isDropped_andAnExpiredOneIsRefused() {
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), FS);
    wallet.addApproval(h, approve(capability, JAN, Duration.ofMinutes(5)));
    String late = approve(capability, FEB, Duration.ofMinutes(1));

    clock.advance(Duration.ofMinutes(5).plusSeconds(1));

    assertThat(wallet.authorize(h, JAN).approval().map(Approval::text).orElse(null)).isNull();
    assertThatThrownBy(() -> wallet.addApproval(h, late))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expired at")
        .hasMessageNotContaining(late);
  }

  @Test
  void addApproval_refusesAnotherCapabilitysApproval_garbage_andUnknownHandles() {
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), FS);
    Capability other = mint().sign();
    String forOther = approve(other, JAN, Duration.ofMinutes(5));
    String garbage = "mnda1_c2VjcmV0LWxvb2tpbmctYnV0LWdhcmJhZ2U";

    assertThatThrownBy(() -> wallet.addApproval(h, forOther))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is for token " + other.tokenId())
        .hasMessageContaining(capability.tokenId())
        .hasMessageNotContaining(forOther);
    assertThatThrownBy(() -> wallet.addApproval(h, garbage))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a well-formed approval")
        .hasMessageNotContaining(garbage.substring(6));
    assertThatThrownBy(() -> wallet.addApproval(h, null))
        .isInstanceOf(IllegalArgumentException.class);
    Wallet elsewhere = Wallet.create(random, clock);
    CapabilityHandle foreign = elsewhere.add("x", capability.toText(), FS);
    assertThatThrownBy(() -> wallet.addApproval(foreign, approve(capability, JAN, Duration.ZERO)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another wallet");
    assertThat(wallet.authorize(h, JAN).approval().map(Approval::text).orElse(null)).isNull();
  }

  @Test
  void aCapabilityKeepsABoundedNumberOfApprovals_expiredOnesMakeRoom() {
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), FS);
    for (int i = 0; i < 32; i++) {
      ToolCall call =
          new ToolCall("read_text_file", args("path", "/srv/data/invoices/2024/" + i + ".txt"));
      wallet.addApproval(h, approve(capability, call, Duration.ofMinutes(1)));
    }
    String one = approve(capability, JAN, Duration.ofMinutes(10));

    assertThatThrownBy(() -> wallet.addApproval(h, one))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("32 approvals");
    clock.advance(Duration.ofMinutes(2));
    wallet.addApproval(h, one);
    assertThat(wallet.authorize(h, JAN).approval().map(Approval::text).orElse(null)).isEqualTo(one);
  }

  @Test
  void theSameApprovalTwice_isKeptOnce() {
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), FS);
    String approval = approve(capability, JAN, Duration.ofMinutes(5));

    wallet.addApproval(h, approval);
    wallet.addApproval(h, " " + approval + "\n");

    assertThat(wallet.authorize(h, JAN).approval().map(Approval::text).orElse(null))
        .isEqualTo(approval);
    assertThat(wallet.authorize(h, JAN).approval().map(Approval::text).orElse(null)).isNull();
  }

  @Test
  void removingTheCapability_dropsItsApprovals() {
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), FS);
    wallet.addApproval(h, approve(capability, JAN, Duration.ofMinutes(5)));
    wallet.remove(h);
    CapabilityHandle again = wallet.add("invoices", capability.toText(), FS);

    assertThat(wallet.authorize(again, JAN).approval().map(Approval::text).orElse(null)).isNull();
  }

  @Test
  void attach_setsTheApprovalHeader_andToStringRedactsIt() {
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), FS);
    String approval = approve(capability, JAN, Duration.ofMinutes(5));
    wallet.addApproval(h, approval);
    Presentation p = wallet.authorize(h, JAN);

    HttpHeaders headers =
        MandateHttp.attach(HttpRequest.newBuilder(URI.create("http://127.0.0.1/")), p)
            .build()
            .headers();

    assertThat(headers.allValues("Mandate-Approval")).containsExactly(approval);
    assertThat(p.toString()).isEqualTo("Presentation[token redacted, with approval]");
    for (Object o : List.of(p, wallet, h, wallet.describe(h))) {
      assertThat(o.toString()).doesNotContain(approval.substring(6));
    }
    assertThat(wallet.describe(h).restrictions()).contains("each call approved by finance");
    assertThat(wallet.describe(h).tokenId()).isEqualTo(capability.tokenId());
  }

  @Test
  void withoutAResourceRule_aToolCallGetsAnApprovalOnlyByTheRequestItsDenialNamed() {
    RequestShape plain = RequestShape.of("gw-test", "fs");
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), plain);
    String unnamed = approve(capability, JAN, Duration.ofMinutes(5));
    wallet.addApproval(h, unnamed);
    assertThat(wallet.authorize(h, JAN).approval())
        .as("without the gateway's resource the wallet cannot tell the call")
        .isEmpty();

    // What the gateway decided for JAN and named in its APPROVAL_REQUIRED denial.
    Request named = FS.requestFor(JAN);
    String approval = approve(capability, JAN, Duration.ofMinutes(5));
    wallet.addApproval(h, approval, named);
    Presentation other = wallet.authorize(h, FEB);
    Presentation approved = wallet.authorize(h, JAN);
    Presentation again = wallet.authorize(h, JAN);

    assertThat(other.approval()).as("another call keeps no approval").isEmpty();
    assertThat(approved.approval().map(Approval::text).orElse(null)).isEqualTo(approval);
    assertThat(again.approval()).as("an approval allows one call").isEmpty();
    Decision allowed = verify(approved, JAN);
    assertThat(allowed.allowed()).as(allowed.toString()).isTrue();
  }

  @Test
  void aNamedRequest_atAnotherAudienceOrNotTheApprovals_isNotUsedToMatch() {
    RequestShape plain = RequestShape.of("gw-test", "fs");
    Capability capability = mint().sign();
    CapabilityHandle h = wallet.add("invoices", capability.toText(), plain);
    Request elsewhere = FS.requestFor(JAN).withAudience("gw-other");
    wallet.addApproval(
        h,
        Approval.issue(
                root,
                capability.tokenId(),
                elsewhere,
                "finance",
                clock.instant().plus(Duration.ofMinutes(5)),
                random)
            .text(),
        elsewhere);
    wallet.addApproval(h, approve(capability, JAN, Duration.ofMinutes(5)), FS.requestFor(FEB));

    assertThat(wallet.authorize(h, JAN).approval()).isEmpty();
    assertThat(wallet.authorize(h, FEB).approval()).isEmpty();
  }

  private Decision verify(Presentation p, ToolCall call) {
    return verifier.authorize(p.withCall(FS.callFor(call)), FS.requestFor(call));
  }
}
