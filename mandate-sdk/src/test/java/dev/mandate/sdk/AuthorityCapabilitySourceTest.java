package dev.mandate.sdk;

import static dev.mandate.sdk.AgentAuthority.AUDIENCE;
import static dev.mandate.sdk.AgentAuthority.args;
import static dev.mandate.sdk.AgentAuthority.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.caveat.Caveat;
import dev.mandate.sdk.RequestShape.ResourceRule;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Restrictions;
import dev.mandate.token.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorityCapabilitySourceTest {
  /** What the wallet knows: where it sends calls, nothing of the gateway's mapping. */
  static final RequestShape FS = RequestShape.of(AUDIENCE, "fs");

  /** The gateway's mapping of fs calls, to build the request a verifier decides. */
  static final RequestShape MAPPED =
      FS.withApprovalMatching(ResourceRule.argumentUnderRoot("path", "/srv"));

  static final ToolCall READ_INVOICE =
      new ToolCall("read_text_file", args("path", "/srv/data/invoices/2024/jan.txt"));

  @TempDir Path tmp;
  AgentAuthority authority;
  Wallet wallet;
  Verifier verifier;

  @BeforeEach
  void start() throws Exception {
    authority = AgentAuthority.start(tmp);
    wallet = Wallet.create(authority.random, authority.clock);
    verifier = authority.verifier();
  }

  @AfterEach
  void stop() {
    authority.close();
  }

  /**
   * A capability the wallet fetches from the authority for {@code grant}, alive for {@code ttl}.
   */
  private CapabilityHandle fetched(String name, Duration ttl, String grant) {
    return authority.source(ttl, grant).build().addTo(wallet, name, FS);
  }

  @Test
  void fetchedCapability_isBoundToTheWallet_andItsPresentationVerifies() {
    CapabilityHandle handle =
        fetched("invoices", Duration.ofMinutes(10), "fs:read_text_file:/data/invoices/**");

    Presentation p = wallet.authorize(handle, READ_INVOICE);

    Capability capability = Capability.decode(token(p));
    assertThat(capability.holderKeyId()).hasValue(wallet.holderPublicKey().keyId());
    assertThat(capability.expiresAt()).isEqualTo(AgentAuthority.START.plusSeconds(600));
    Decision decision =
        verifier.authorize(p.withCall(FS.callFor(READ_INVOICE)), MAPPED.requestFor(READ_INVOICE));
    assertThat(decision.allowed()).as(decision.toString()).isTrue();
  }

  @Test
  void revokeDelegation_revokesTheSubAgentsBlock_notTheWalletsOwn() {
    AuthorityCapabilitySource source = authority.source("fs:read_text_file:/data/**").build();
    CapabilityHandle handle = source.addTo(wallet, "data", FS);
    Wallet subAgent = Wallet.create(authority.random, authority.clock);
    String delegated =
        wallet.delegate(
            handle,
            subAgent.holderPublicKey(),
            Restrictions.builder()
                .allow("fs:read_text_file:/data/invoices/**")
                .ttl(Duration.ofMinutes(5))
                .build());
    Capability child = Capability.decode(delegated);

    String revoked = source.revokeDelegation(wallet, delegated, "sub-task done");

    assertThat(revoked).isEqualTo(child.revocationIds().get(1));
    assertThat(child.revocationIds().get(0)).isNotEqualTo(revoked);
    assertThatThrownBy(() -> subAgent.revocationProof(delegated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delegated nothing");
  }

  @Test
  void presentation_isGoodForOneCallOnly() {
    CapabilityHandle handle =
        authority.source("fs:read_text_file:/data/**").build().addTo(wallet, "data", FS);
    Presentation p = wallet.authorize(handle, READ_INVOICE);

    assertThat(
            verifier
                .authorize(p.withCall(FS.callFor(READ_INVOICE)), MAPPED.requestFor(READ_INVOICE))
                .allowed())
        .isTrue();
    assertThat(
            verifier
                .authorize(p.withCall(FS.callFor(READ_INVOICE)), MAPPED.requestFor(READ_INVOICE))
                .code())
        .isEqualTo(Decision.Code.PROOF_REPLAYED);
    assertThat(
            verifier
                .authorize(
                    Presentation.of(token(p)).withCall(FS.callFor(READ_INVOICE)),
                    MAPPED.requestFor(READ_INVOICE))
                .code())
        .isEqualTo(Decision.Code.PROOF_REQUIRED);
    ToolCall other = new ToolCall("read_text_file", args("path", "/srv/data/invoices/b.txt"));
    assertThat(verifier.authorize(p.withCall(FS.callFor(other)), MAPPED.requestFor(other)).code())
        .as("a proof covers exactly one request")
        .isEqualTo(Decision.Code.PROOF_INVALID);
    Presentation next = wallet.authorize(handle, other);
    assertThat(next.proof().map(Proof::text).orElse(null))
        .isNotEqualTo(p.proof().map(Proof::text).orElse(null));
    assertThat(
            verifier
                .authorize(next.withCall(FS.callFor(other)), MAPPED.requestFor(other))
                .allowed())
        .isTrue();
  }

  @Test
  void refresh_whenLessThanAFifthOfTheLifetimeRemains_keepsTheHandle_andYieldsANewToken() {
    CapabilityHandle handle =
        fetched("invoices", Duration.ofMinutes(10), "fs:read_text_file:/data/invoices/**");
    String firstId = Capability.decode(token(wallet.authorize(handle, READ_INVOICE))).tokenId();

    authority.clock.advance(Duration.ofMinutes(7)); // 30% left: not yet
    String stillFirst = Capability.decode(token(wallet.authorize(handle, READ_INVOICE))).tokenId();
    authority.clock.advance(Duration.ofSeconds(90)); // 15% left: refresh on this call
    Presentation p = wallet.authorize(handle, READ_INVOICE);

    assertThat(stillFirst).isEqualTo(firstId);
    Capability refreshed = Capability.decode(token(p));
    assertThat(refreshed.tokenId()).isNotEqualTo(firstId);
    assertThat(refreshed.expiresAt())
        .isEqualTo(AgentAuthority.START.plus(Duration.ofMinutes(18).plusSeconds(30)));
    assertThat(wallet.handles()).containsExactly(handle);
    assertThat(
            verifier
                .authorize(p.withCall(FS.callFor(READ_INVOICE)), MAPPED.requestFor(READ_INVOICE))
                .allowed())
        .isTrue();
  }

  @Test
  void refreshDue_refreshesOnlyWhatIsDue_forAScheduler() {
    CapabilityHandle due = fetched("a", Duration.ofMinutes(10), "fs:read_text_file:/data/a/**");
    CapabilityHandle notDue = fetched("b", Duration.ofMinutes(60), "fs:read_text_file:/data/b/**");
    String before = tokenId(due);

    authority.clock.advance(Duration.ofMinutes(9));

    assertThat(wallet.refreshDue()).containsExactly(due);
    assertThat(tokenId(due)).isNotEqualTo(before);
    assertThat(wallet.refreshDue()).isEmpty();
    assertThat(wallet.describe(notDue).refreshable()).isTrue();
  }

  @Test
  void refreshFailure_keepsTheCurrentCapabilityWhileValid_thenReportsItUnavailable() {
    CapabilityHandle handle =
        fetched("invoices", Duration.ofMinutes(10), "fs:read_text_file:/data/invoices/**");
    String first = tokenId(handle);
    authority.close(); // the authority is unreachable from now on

    authority.clock.advance(Duration.ofMinutes(9));
    Presentation p = wallet.authorize(handle, READ_INVOICE);
    assertThat(Capability.decode(token(p)).tokenId()).isEqualTo(first);
    assertThat(
            verifier
                .authorize(p.withCall(FS.callFor(READ_INVOICE)), MAPPED.requestFor(READ_INVOICE))
                .allowed())
        .isTrue();

    authority.clock.advance(Duration.ofMinutes(2));
    assertThatThrownBy(() -> wallet.authorize(handle, READ_INVOICE))
        .isInstanceOf(CapabilityUnavailableException.class)
        .hasMessageContaining(handle.id())
        .hasMessageContaining("expired")
        .hasMessageContaining("could not be refreshed");
  }

  @Test
  void secretFromAFile_isReadOnFetch() throws Exception {
    Path secretFile = tmp.resolve("agent.secret");
    Files.writeString(secretFile, authority.agentSecret + "\n");
    AuthorityCapabilitySource source =
        AuthorityCapabilitySource.builder(authority.url())
            .clientId("agent")
            .clientSecretFile(secretFile)
            .restrictions(Restrictions.builder().allow("fs:list_directory:/data/**").build())
            .build();

    CapabilityHandle handle = source.addTo(wallet, "dirs", FS);

    ToolCall list = new ToolCall("list_directory", args("path", "/srv/data/invoices"));
    Presentation p = wallet.authorize(handle, list);
    Decision decision = verifier.authorize(p.withCall(FS.callFor(list)), MAPPED.requestFor(list));
    assertThat(decision.allowed()).as(decision.toString()).isTrue();
    assertThat(source.toString()).doesNotContain(authority.agentSecret).contains("redacted");
  }

  @Test
  void wrongSecret_isRefusedWithTheStatus_andTheSecretIsNotInTheMessage() {
    String wrong = "wrong-" + authority.agentSecret;
    AuthorityCapabilitySource source =
        AuthorityCapabilitySource.builder(authority.url())
            .clientId("agent")
            .clientSecret(wrong.toCharArray())
            .restrictions(Restrictions.builder().allow("fs:read_text_file:/data/**").build())
            .build();

    assertThatThrownBy(() -> source.addTo(wallet, "data", FS))
        .isInstanceOf(CapabilityUnavailableException.class)
        .hasMessageContaining("HTTP 401")
        .hasMessageNotContaining(wrong)
        .hasMessageNotContaining(authority.agentSecret);
    assertThat(wallet.handles()).isEmpty();
  }

  @Test
  void policyDenial_carriesTheAuthoritysReason() {
    AuthorityCapabilitySource source = authority.source("fs:read_text_file:/etc/**").build();

    assertThatThrownBy(() -> source.addTo(wallet, "etc", FS))
        .isInstanceOf(CapabilityUnavailableException.class)
        .hasMessageContaining("HTTP 403")
        .hasMessageContaining("policy_denied");
  }

  @Test
  void restrictions_areWhatTheAuthorityIsAskedFor() {
    CapabilityHandle handle =
        authority
            .client()
            .restrictions(
                Restrictions.builder()
                    .allow("fs:read_text_file:/data/invoices/**")
                    .ttl(Duration.ofMinutes(10))
                    .maxUses(5)
                    .maxDepth(0)
                    .requireApproval("owner")
                    .build())
            .build()
            .addTo(wallet, "invoices", FS);

    Capability capability = Capability.decode(token(wallet.authorize(handle, READ_INVOICE)));
    assertThat(capability.blocks().get(0).caveats())
        .contains(
            new Caveat.Audience(List.of(AUDIENCE)),
            new Caveat.MaxUses(5),
            new Caveat.MaxDepth(0),
            new Caveat.ApprovalRequired(List.of("owner")));
    AuthorityCapabilitySource otherAudience =
        authority
            .client()
            .restrictions(
                Restrictions.builder()
                    .allow("fs:read_text_file:/data/**")
                    .audience("gw-other")
                    .build())
            .build();
    assertThatThrownBy(() -> otherAudience.addTo(wallet, "other", FS))
        .as("the restrictions' audience is asked for, not the shape's")
        .isInstanceOf(CapabilityUnavailableException.class)
        .hasMessageContaining("gw-other");
  }

  @Test
  void builder_refusesIncompleteSources() {
    assertThatThrownBy(() -> authority.source("fs:x:/y").restrictions(null).build())
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> authority.source())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grant");
    assertThatThrownBy(
            () ->
                AuthorityCapabilitySource.builder(authority.url())
                    .clientId("agent")
                    .clientSecret("s".toCharArray())
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("grant");
    assertThatThrownBy(
            () ->
                AuthorityCapabilitySource.builder(authority.url())
                    .clientId("agent")
                    .restrictions(
                        Restrictions.builder().allow("fs:read_text_file:/data/**").build())
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("secret");
    assertThatThrownBy(() -> authority.source(Duration.ofMillis(1500), "fs:x:/y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole seconds");
    assertThatThrownBy(
            () ->
                authority
                    .client()
                    .restrictions(
                        Restrictions.builder()
                            .allow("fs:x:/y")
                            .notBefore(AgentAuthority.START)
                            .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attenuate");
    assertThatThrownBy(
            () ->
                authority
                    .client()
                    .restrictions(
                        Restrictions.builder()
                            .allow("fs:x:/y")
                            .bindTo(wallet.holderPublicKey())
                            .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("wallet's key");
    assertThatThrownBy(() -> authority.source("fs:x:/y").refreshWhenRemaining(1.0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private String tokenId(CapabilityHandle handle) {
    return Capability.decode(token(wallet.authorize(handle, READ_INVOICE))).tokenId();
  }
}
