package dev.mandate.sdk;

import static dev.mandate.sdk.AgentAuthority.args;
import static dev.mandate.sdk.AgentAuthority.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
import dev.mandate.sdk.RequestShape.ResourceRule;
import dev.mandate.token.Call;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.InvalidTokenException;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import dev.mandate.token.Restrictions;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WalletTest extends WalletTestBase {
  static final RequestShape FS = RequestShape.of("gw-test", "fs");

  /** The gateway's mapping, mirrored: only what a verifier here decides needs it. */
  static final RequestShape MAPPED =
      FS.withApprovalMatching(ResourceRule.argumentUnderRoot("path", "/srv"));

  static final ToolCall READ =
      new ToolCall("read_text_file", args("path", "/srv/data/invoices/2024/jan.txt"));

  private Capability.Minter mint() {
    return invoices(Duration.ofMinutes(10));
  }

  @Test
  void add_refusesATokenBoundToAnotherKey() {
    SigningKey other = SigningKey.generate(random);
    String token = mint().bindTo(other.verifyingKey()).sign().toText();

    assertThatThrownBy(() -> wallet.add("invoices", token, FS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bound to holder key " + other.verifyingKey().keyId())
        .hasMessageContaining("not to this wallet's key " + wallet.holderPublicKey().keyId())
        .hasMessageNotContaining(token);
    assertThat(wallet.handles()).isEmpty();
  }

  @Test
  void add_refusesMalformedAndExpiredTokens_withoutEchoingThem() {
    String garbage = "mnd1_AAAAsecretlooking";
    assertThatThrownBy(() -> wallet.add("x", garbage, FS))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageNotContaining(garbage);
    String expiring = mint().ttl(Duration.ofSeconds(30)).sign().toText();
    clock.advance(Duration.ofMinutes(1));
    assertThatThrownBy(() -> wallet.add("x", expiring, FS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expired")
        .hasMessageNotContaining(expiring);
  }

  @Test
  void add_refusesLabelsAModelCouldBeConfusedBy() {
    String token = mint().sign().toText();
    for (String label : new String[] {"", " ", "a\nb", "x".repeat(65)}) {
      assertThatThrownBy(() -> wallet.add(label, token, FS))
          .as(label)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void holderBoundCapability_getsAFreshProofPerCall_bearerGetsNone() {
    CapabilityHandle bound =
        wallet.add("bound", mint().bindTo(wallet.holderPublicKey()).sign().toText(), FS);
    CapabilityHandle bearer = wallet.add("bearer", mint().sign().toText(), FS);

    Presentation first = wallet.authorize(bound, READ);
    Presentation second = wallet.authorize(bound, READ);
    Presentation plain = wallet.authorize(bearer, READ);

    assertThat(first.proof().map(Proof::text).orElse(null))
        .startsWith("mndp2_")
        .isNotEqualTo(second.proof().map(Proof::text).orElse(null));
    assertThat(plain.proof().map(Proof::text).orElse(null)).isNull();
    for (Presentation p : List.of(first, second, plain)) {
      Decision d = verifier.authorize(p.withCall(FS.callFor(READ)), MAPPED.requestFor(READ));
      assertThat(d.allowed()).as(d.toString()).isTrue();
    }
  }

  @Test
  void authorize_signsTheCallAsSent_withoutMirroringTheGateway() {
    CapabilityHandle h =
        wallet.add("bound", mint().bindTo(wallet.holderPublicKey()).sign().toText(), FS);
    ToolCall outside = new ToolCall("read_text_file", args("path", "/etc/passwd"));

    Presentation p = wallet.authorize(h, outside);

    assertThat(p.proof()).isPresent();
    // The gateway decides on its own mapping: here, outside the granted tree.
    Decision d =
        verifier.authorize(
            p.withCall(FS.callFor(outside)),
            new Request(
                "gw-test", "fs", "read_text_file", "/etc/passwd", outside.arguments(), null));
    assertThat(d.code()).isEqualTo(Decision.Code.GRANT);
    assertThat(FS.callFor(outside))
        .isEqualTo(
            Call.mcp("gw-test", "fs", "POST tools/call", "read_text_file", outside.arguments()));
    assertThatThrownBy(() -> FS.requestFor(outside))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("withApprovalMatching");
  }

  @Test
  void authorizeHttp_signsMethodPathQueryAndBody() {
    CapabilityHandle h =
        wallet.add("bound", mint().bindTo(wallet.holderPublicKey()).sign().toText(), FS);
    Presentation p = wallet.authorizeHttp(h, "GET", "/srv/data/x?head=1", null);
    Request decided = MAPPED.requestFor(READ);

    assertThat(
            verifier
                .authorize(
                    p.withCall(Call.http("gw-test", "fs", "GET", "/srv/data/x?head=2", null)),
                    decided)
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
    assertThat(
            verifier
                .authorize(
                    p.withCall(Call.http("gw-test", "fs", "GET", "/srv/data/x?head=1", null)),
                    decided)
                .allowed())
        .isTrue();
    assertThatThrownBy(() -> wallet.authorizeHttp(h, "GET", "srv/data/x", null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void describe_isSafeForAModel() {
    CapabilityHandle parent =
        wallet.add("invoices", mint().bindTo(wallet.holderPublicKey()).sign().toText(), FS);
    Wallet sub = Wallet.create(random, clock);
    CapabilityHandle h =
        sub.add(
            "january",
            wallet.delegate(
                parent,
                sub.holderPublicKey(),
                Restrictions.builder()
                    .allow("fs:read_text_file:/data/invoices/2024/**")
                    .ttl(Duration.ofMinutes(2))
                    .maxUses(2)
                    .constrain("/path", new Constraint.Prefix("/srv/data/invoices/2024/"))
                    .build()),
            FS);

    CapabilityDescription d = sub.describe(h);

    assertThat(d.handle()).isEqualTo(h);
    assertThat(d.label()).isEqualTo("january");
    assertThat(d.grants())
        .containsExactly(
            List.of("fs:read_text_file:/data/invoices/**"),
            List.of("fs:read_text_file:/data/invoices/2024/**"));
    assertThat(d.restrictions())
        .contains("only at gw-test", "at most 2 uses")
        .anyMatch(r -> r.startsWith("argument /path must satisfy"));
    assertThat(d.expiresAt()).isEqualTo(clock.instant().plusSeconds(120));
    assertThat(d.holderBound()).isTrue();
    assertThat(d.refreshable()).isFalse();
    assertThat(d.toString())
        .contains(h.id(), "fs:read_text_file:/data/invoices/2024/**")
        .doesNotContain("mnd1_");
  }

  @Test
  void handles_canBeLookedUpById_andRemoved() {
    CapabilityHandle h = wallet.add("invoices", mint().sign().toText(), FS);

    assertThat(h.id()).matches("cap_[0-9a-f]{24}");
    assertThat(wallet.handle(h.id())).hasValue(h);
    assertThat(wallet.handle("cap_000000000000000000000000")).isEmpty();
    assertThat(wallet.remove(h)).isTrue();
    assertThat(wallet.remove(h)).isFalse();
    assertThatThrownBy(() -> wallet.authorize(h, READ))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(h.id());
    Wallet other = Wallet.create(random, clock);
    CapabilityHandle foreign = other.add("x", mint().sign().toText(), FS);
    assertThatThrownBy(() -> wallet.describe(foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another wallet");
  }

  @Test
  void theHolderKey_hasNoWayOut() {
    for (Method m : Wallet.class.getDeclaredMethods()) {
      if (Modifier.isPublic(m.getModifiers())) {
        assertThat(m.getReturnType()).as(m.toString()).isNotEqualTo(SigningKey.class);
        assertThat(m.getReturnType()).as(m.toString()).isNotEqualTo(byte[].class);
      }
    }
    assertThat(Arrays.stream(Wallet.class.getDeclaredFields()))
        .noneMatch(f -> Modifier.isPublic(f.getModifiers()));
  }

  @Test
  void toStrings_neverContainTokenOrProofText() {
    String token = mint().bindTo(wallet.holderPublicKey()).sign().toText();
    CapabilityHandle h = wallet.add("invoices", token, FS);
    Presentation p = wallet.authorize(h, READ);
    String body = token.substring("mnd1_".length());
    String proofBody =
        p.proof().map(Proof::text).orElse(null).substring(Proof.TEXT_PREFIX.length());

    assertThat(p.toString()).isEqualTo("Presentation[token redacted, with proof]");
    for (Object o :
        List.of(wallet, h, p, wallet.describe(h), FS, MandateMcpCustomizer.of(wallet, h))) {
      assertThat(o.toString())
          .as(o.getClass().getSimpleName())
          .doesNotContain(body)
          .doesNotContain(proofBody);
    }
    assertThat(wallet.toString()).contains(wallet.holderPublicKey().keyId(), h.id(), "invoices");
    assertThat(h.toString()).isEqualTo(h.id() + " (invoices)");
    String secret = "s3cr3t-client-value";
    assertThat(
            AuthorityCapabilitySource.builder(java.net.URI.create("http://127.0.0.1:1"))
                .clientId("agent")
                .clientSecret(secret.toCharArray())
                .restrictions(Restrictions.builder().allow("fs:read_text_file:/data/**").build())
                .build()
                .toString())
        .doesNotContain(secret);
  }

  @Test
  void toolCall_andRequestShape_copyAndMirrorTheGatewaysRules() {
    var args = args("path", "/srv/data/x");
    ToolCall call = new ToolCall("read_text_file", args);
    args.put("path", "/srv/changed");
    assertThat(call.arguments().get("path").asText()).isEqualTo("/srv/data/x");

    assertThat(MAPPED.requestFor(call).resource()).isEqualTo("/data/x");
    assertThat(MAPPED.requestFor(new ToolCall("t", args("path", "/srv"))).resource())
        .isEqualTo("/");
    assertThatThrownBy(() -> MAPPED.requestFor(new ToolCall("t", args("path", "/srvx/a"))))
        .isInstanceOf(IllegalArgumentException.class);
    RequestShape mixed =
        RequestShape.of("gw", "fs")
            .withApprovalMatching(
                ResourceRule.perTool(
                    Map.of(
                        "read_text_file", ResourceRule.argument("path"),
                        "status", ResourceRule.fixed("server"))));
    assertThat(mixed.requestFor(new ToolCall("status", null)).resource()).isEqualTo("server");
    assertThat(mixed.requestFor(call).resource()).isEqualTo("/srv/data/x");
    assertThatThrownBy(() -> mixed.requestFor(new ToolCall("rm", null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no resource rule for tool rm");
  }
}
