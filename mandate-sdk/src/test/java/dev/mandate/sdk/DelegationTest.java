package dev.mandate.sdk;

import static dev.mandate.sdk.AuthorityFixture.AUDIENCE;
import static dev.mandate.sdk.AuthorityFixture.args;
import static dev.mandate.sdk.AuthorityFixture.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.sdk.RequestShape.ResourceRule;
import dev.mandate.token.Call;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import dev.mandate.token.Restrictions;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.UsageCounter;
import dev.mandate.token.Verifier;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parent wallet → sub-agent wallet, against a real authority and the core verifier. */
class DelegationTest {
  /** What the wallet knows: where it sends calls, nothing of the gateway's mapping. */
  static final RequestShape FS = RequestShape.of(AUDIENCE, "fs");

  /** The gateway's mapping of fs calls, to build the request a verifier decides. */
  static final RequestShape MAPPED =
      FS.withApprovalMatching(ResourceRule.argumentUnderRoot("path", "/srv"));

  static final Restrictions INVOICES_2024 =
      Restrictions.builder()
          .allow("fs:read_text_file:/data/invoices/2024/**")
          .ttl(Duration.ofMinutes(5))
          .maxUses(3)
          .constrain("/path", new Constraint.Prefix("/srv/data/invoices/2024/"))
          .build();

  @TempDir Path tmp;
  AuthorityFixture authority;
  Verifier verifier;
  Wallet parent;
  Wallet sub;
  CapabilityHandle parentHandle;

  @BeforeEach
  void start() throws Exception {
    authority = AuthorityFixture.start(tmp);
    verifier = authority.verifier();
    parent = Wallet.create(authority.random, authority.clock);
    sub = Wallet.create(authority.random, authority.clock);
    parentHandle =
        authority
            .source(
                Duration.ofMinutes(30), "fs:read_text_file:/data/**", "fs:list_directory:/data/**")
            .build()
            .addTo(parent, "data", FS);
  }

  @AfterEach
  void stop() {
    authority.close();
  }

  @Test
  void delegate_narrowsGrantsLifetimeUsesAndArguments() {
    String delegated = parent.delegate(parentHandle, sub.holderPublicKey(), INVOICES_2024);
    CapabilityHandle h = sub.add("invoices 2024", delegated, FS);

    assertThat(decide(sub, h, read("/srv/data/invoices/2024/jan.txt")).allowed()).isTrue();
    assertThat(decide(sub, h, read("/srv/data/invoices/2023/jan.txt")).code())
        .isEqualTo(Decision.Code.GRANT);
    assertThat(decide(sub, h, new ToolCall("list_directory", args("path", "/srv/data"))).code())
        .isEqualTo(Decision.Code.GRANT);
    Decision allowed = decide(sub, h, read("/srv/data/invoices/2024/feb.txt"));
    assertThat(((Decision.Allow) allowed).capability().blocks().get(1).caveats())
        .contains(new Caveat.MaxUses(3));

    Capability capability = Capability.decode(delegated);
    assertThat(capability.holderKeyId()).hasValue(sub.holderPublicKey().keyId());
    assertThat(capability.expiresAt()).isEqualTo(authority.clock.instant().plusSeconds(300));
    assertThat(capability.blocks()).hasSize(2);
  }

  @Test
  void delegate_canRequireAPersonsApprovalOfEachCall() {
    String delegated =
        parent.delegate(
            parentHandle,
            sub.holderPublicKey(),
            Restrictions.builder()
                .allow("fs:read_text_file:/data/invoices/2024/**")
                .ttl(Duration.ofMinutes(5))
                .requireApproval("owner", "finance")
                .build());
    CapabilityHandle h = sub.add("invoices 2024", delegated, FS);

    Decision d = decide(sub, h, read("/srv/data/invoices/2024/jan.txt"));
    assertThat(d.code()).isEqualTo(Decision.Code.APPROVAL_REQUIRED);
    assertThat(((Decision.Deny) d).block()).isEqualTo(1);
    assertThat(d.reason()).contains("[owner, finance]");
    assertThat(decide(parent, parentHandle, read("/srv/data/invoices/2024/jan.txt")).allowed())
        .isTrue();
    assertThatThrownBy(() -> Restrictions.builder().requireApproval("Owner Team"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Restrictions.builder().requireApproval())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void delegated_expiresWithItsOwnLifetime_beforeTheParent() {
    String delegated = parent.delegate(parentHandle, sub.holderPublicKey(), INVOICES_2024);
    CapabilityHandle h = sub.add("invoices 2024", delegated, FS);
    Presentation p = sub.authorize(h, read("/srv/data/invoices/2024/jan.txt"));

    authority.clock.advance(Duration.ofMinutes(6));

    assertThat(
            verifier
                .authorize(
                    Presentation.of(token(p))
                        .withCall(FS.callFor(read("/srv/data/invoices/2024/jan.txt"))),
                    MAPPED.requestFor(read("/srv/data/invoices/2024/jan.txt")))
                .code())
        .isEqualTo(Decision.Code.EXPIRED);
    assertThatThrownBy(() -> sub.authorize(h, read("/srv/data/invoices/2024/jan.txt")))
        .isInstanceOf(CapabilityUnavailableException.class)
        .hasMessageContaining("expired");
    assertThat(decide(parent, parentHandle, read("/srv/data/invoices/2024/jan.txt")).allowed())
        .isTrue();
  }

  @Test
  void subAgent_cannotWiden_aGrantItAddsIsIntersectedAway() {
    CapabilityHandle h =
        sub.add(
            "invoices 2024",
            parent.delegate(parentHandle, sub.holderPublicKey(), INVOICES_2024),
            FS);
    // The sub-agent tries to give itself all of /data: it can sign a block (it is the holder) ...
    String widened =
        sub.delegate(
            h,
            sub.holderPublicKey(),
            Restrictions.builder()
                .allow("fs:read_text_file:/data/**")
                .ttl(Duration.ofHours(1))
                .build());
    CapabilityHandle w = sub.add("widened", widened, FS);

    // ... but the verifier still requires every earlier block's grants.
    Decision wider = decide(sub, w, read("/srv/data/secrets/ssh_key"));
    assertThat(wider.code()).isEqualTo(Decision.Code.GRANT);
    assertThat(wider.allowed()).isFalse();
    assertThat(Capability.decode(widened).expiresAt())
        .as("a longer lifetime is intersected away too")
        .isEqualTo(Capability.decode(delegatedToken(sub, h)).expiresAt());
  }

  @Test
  void stolenDelegatedToken_cannotBeRebound_orUsed_byAThirdParty() {
    String delegated = parent.delegate(parentHandle, sub.holderPublicKey(), INVOICES_2024);
    SigningKey thief = SigningKey.generate(authority.random);
    Capability stolen = Capability.decode(delegated);

    // Re-binding needs a block signed by the current holder (the sub-agent), not the thief.
    assertThatThrownBy(() -> stolen.attenuate().bindTo(thief.verifyingKey()).sign())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(sub.holderPublicKey().keyId());
    assertThatThrownBy(() -> stolen.attenuate().bindTo(thief.verifyingKey()).sign(thief))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not the capability's holder");
    // A thief's wallet refuses it ...
    Wallet thiefWallet = Wallet.create(authority.random, authority.clock);
    assertThatThrownBy(() -> thiefWallet.add("stolen", delegated, FS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bound to holder key " + sub.holderPublicKey().keyId());
    // ... and proofs by the thief's key are denied.
    Request request = MAPPED.requestFor(read("/srv/data/invoices/2024/jan.txt"));
    Call call = FS.callFor(read("/srv/data/invoices/2024/jan.txt"));
    Proof forged =
        Proof.create(thief, delegated, call, authority.clock.instant(), authority.random);
    assertThat(
            verifier
                .authorize(Presentation.of(delegated).withProof(forged).withCall(call), request)
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
  }

  @Test
  void subAgent_canRebindOnward_onlyWithItsOwnKey() {
    CapabilityHandle h =
        sub.add(
            "invoices 2024",
            parent.delegate(parentHandle, sub.holderPublicKey(), INVOICES_2024),
            FS);
    Wallet grandchild = Wallet.create(authority.random, authority.clock);

    String onward =
        sub.delegate(
            h,
            grandchild.holderPublicKey(),
            Restrictions.builder()
                .allow("fs:read_text_file:/data/invoices/2024/jan.txt")
                .ttl(Duration.ofMinutes(1))
                .build());
    CapabilityHandle g = grandchild.add("january", onward, FS);

    assertThat(decide(grandchild, g, read("/srv/data/invoices/2024/jan.txt")).allowed()).isTrue();
    assertThat(decide(grandchild, g, read("/srv/data/invoices/2024/feb.txt")).code())
        .isEqualTo(Decision.Code.GRANT);
  }

  @Test
  void subAgent_cannotUseItsParentsToken() {
    SigningKey subKey = SigningKey.generate(authority.random);
    parent.delegate(parentHandle, subKey.verifyingKey(), INVOICES_2024);
    Presentation parents = parent.authorize(parentHandle, read("/srv/data/secrets/ssh_key"));
    String parentToken = token(parents);
    Request request = MAPPED.requestFor(read("/srv/data/secrets/ssh_key"));
    Call call = FS.callFor(read("/srv/data/secrets/ssh_key"));

    Proof subProof =
        Proof.create(subKey, parentToken, call, authority.clock.instant(), authority.random);

    assertThat(
            verifier
                .authorize(Presentation.of(parentToken).withProof(subProof).withCall(call), request)
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
    assertThat(verifier.authorize(Presentation.of(parentToken).withCall(call), request).code())
        .isEqualTo(Decision.Code.PROOF_REQUIRED);
    assertThatThrownBy(() -> sub.add("parent's", parentToken, FS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not to this wallet's key");
  }

  @Test
  void delegate_fromABearerCapability_bindsTheSubAgent() {
    SigningKey root = SigningKey.generate(authority.random);
    String bearer =
        Capability.mint(root)
            .clock(authority.clock)
            .allow("fs:read_text_file:/data/**")
            .ttl(Duration.ofHours(1))
            .sign()
            .toText();
    CapabilityHandle b = parent.add("bearer", bearer, FS);
    Verifier local =
        Verifier.builder()
            .trustedKeys(TrustedKeys.of(root.verifyingKey()))
            .clock(authority.clock)
            .usageCounter(UsageCounter.inMemory(authority.clock))
            .build();
    assertThat(parent.authorize(b, read("/srv/data/a.txt")).proof().map(Proof::text).orElse(null))
        .isNull();

    String delegated = parent.delegate(b, sub.holderPublicKey(), INVOICES_2024);
    CapabilityHandle h = sub.add("invoices 2024", delegated, FS);

    assertThat(Capability.decode(delegated).holderKeyId()).hasValue(sub.holderPublicKey().keyId());
    ToolCall jan = read("/srv/data/invoices/2024/jan.txt");
    Presentation p = sub.authorize(h, jan);
    assertThat(local.authorize(p.withCall(FS.callFor(jan)), MAPPED.requestFor(jan)).allowed())
        .isTrue();
    assertThat(
            local
                .authorize(
                    Presentation.of(token(p)).withCall(FS.callFor(jan)), MAPPED.requestFor(jan))
                .code())
        .isEqualTo(Decision.Code.PROOF_REQUIRED);
  }

  @Test
  void delegate_mustNameGrantsAndALifetime_andNoHolder() {
    VerifyingKey subKey = sub.holderPublicKey();
    Restrictions noGrants = Restrictions.builder().ttl(Duration.ofMinutes(1)).build();
    Restrictions noLifetime = Restrictions.builder().allow("fs:read_text_file:/x/**").build();
    Restrictions withHolder =
        Restrictions.builder()
            .allow("fs:read_text_file:/x/**")
            .ttl(Duration.ofMinutes(1))
            .bindTo(subKey)
            .build();

    assertThatThrownBy(() -> parent.delegate(parentHandle, subKey, noGrants))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grants");
    assertThatThrownBy(() -> parent.delegate(parentHandle, subKey, noLifetime))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lifetime");
    assertThatThrownBy(() -> parent.delegate(parentHandle, subKey, withHolder))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("subAgentKey");
    assertThat(
            parent.delegate(
                parentHandle,
                subKey,
                Restrictions.builder()
                    .allow("fs:read_text_file:/data/x/**")
                    .expiresAt(AuthorityFixture.START.plusSeconds(60))
                    .build()))
        .as("an absolute expiry is a lifetime too")
        .startsWith("mnd1_");
  }

  @Test
  void delegate_withMaxDepthZero_forbidsFurtherDelegation() {
    String delegated =
        parent.delegate(
            parentHandle,
            sub.holderPublicKey(),
            Restrictions.builder()
                .allow("fs:read_text_file:/data/invoices/**")
                .ttl(Duration.ofMinutes(5))
                .maxDepth(0)
                .build());
    CapabilityHandle h = sub.add("leaf", delegated, FS);
    VerifyingKey other = SigningKey.generate(authority.random).verifyingKey();

    assertThatThrownBy(() -> sub.delegate(h, other, INVOICES_2024))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot be attenuated further");
  }

  private static ToolCall read(String path) {
    return new ToolCall("read_text_file", args("path", path));
  }

  private Decision decide(Wallet wallet, CapabilityHandle handle, ToolCall call) {
    Presentation p = wallet.authorize(handle, call);
    return verifier.authorize(p.withCall(FS.callFor(call)), MAPPED.requestFor(call));
  }

  private static String delegatedToken(Wallet wallet, CapabilityHandle handle) {
    return token(wallet.authorize(handle, read("/srv/data/invoices/2024/jan.txt")));
  }
}
