package dev.mandate.token;

import static dev.mandate.token.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One test per attack on the token itself (docs/design.md §4, threat model). */
class ThreatTest {
  private final SigningKey root = Fixtures.key(1);
  private final Verifier verifier = Fixtures.verifier(root).build();

  private Capability.Minter mint() {
    return Capability.mint(root).clock(Fixtures.clock()).random(Fixtures.random(7));
  }

  private static Request read(String path) {
    ObjectNode args = JsonNodeFactory.instance.objectNode().put("path", path);
    return new Request(null, "fs", "read_text_file", path, args, null);
  }

  private Capability invoices() {
    return mint()
        .allow("fs:{read_text_file,list_directory}:/data/**")
        .ttl(Duration.ofHours(1))
        .sign();
  }

  /** A capability to read under /data for an hour, bound to {@code holder}'s key. */
  private Capability boundTo(SigningKey holder) {
    return mint()
        .allow("fs:read_text_file:/data/**")
        .ttl(Duration.ofHours(1))
        .bindTo(holder.verifyingKey())
        .sign();
  }

  /** The verifier's decision on {@code token} presented for {@code r} with a proof of the call. */
  private Decision present(String token, Proof proof, Request r) {
    return verifier.authorize(
        Presentation.of(token).withProof(proof).withCall(Fixtures.call(r)), r);
  }

  /** As {@link #present}, with a proof by {@code signer} made now. */
  private Decision presentSigned(SigningKey signer, String token, Request r, int seed) {
    return present(
        token, Proof.create(signer, token, Fixtures.call(r), NOW, Fixtures.random(seed)), r);
  }

  private static String withBytes(byte[] bytes) {
    return "mnd1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Test
  void minted_allowsWhatItGrants() {
    Decision d =
        verifier.authorize(
            Presentation.of(invoices().toText()), read("/data/invoices/2024/jan.pdf"));
    assertThat(d.allowed()).as(d.toString()).isTrue();
    assertThat(((Decision.Allow) d).capability().revocationIds()).hasSize(1);
  }

  @Test
  void forgery_anyByteEditDenied() {
    byte[] bytes = invoices().toBytes();
    for (int i = 0; i < bytes.length; i++) {
      byte[] edited = bytes.clone();
      edited[i] ^= 0x01;
      Decision d =
          verifier.authorize(
              Presentation.of(withBytes(edited)), read("/data/invoices/2024/jan.pdf"));
      assertThat(d.allowed()).as("byte %d edited: %s", i, d).isFalse();
    }
  }

  @Test
  void forgery_unknownRootKeyDenied() {
    Capability foreign =
        Capability.mint(Fixtures.key(2))
            .clock(Fixtures.clock())
            .allow("fs:*:**")
            .ttl(Duration.ofHours(1))
            .sign();
    Decision d = verifier.authorize(Presentation.of(foreign.toText()), read("/data/x"));
    assertThat(d.code()).isEqualTo(Decision.Code.UNKNOWN_KEY);
  }

  @Test
  void blockRemoval_denied() {
    Capability narrowed =
        invoices().attenuate().allow("fs:read_text_file:/data/invoices/2024/**").sign();
    Chain chain = narrowed.chain();
    byte[] withoutLast =
        Chain.assemble(
            java.util.List.of(chain.payloadOf(0)),
            java.util.List.of(chain.links.get(0).signature()),
            chain.secret);
    Decision d =
        verifier.authorize(Presentation.of(withBytes(withoutLast)), read("/data/secrets/key"));
    assertThat(d.allowed()).isFalse();
    assertThat(d.code()).isEqualTo(Decision.Code.BAD_SIGNATURE);
  }

  @Test
  void blockReordering_denied() {
    Capability three =
        invoices()
            .attenuate()
            .allow("fs:read_text_file:/data/invoices/**")
            .sign()
            .attenuate()
            .allow("fs:read_text_file:/data/invoices/2024/**")
            .sign();
    Chain c = three.chain();
    byte[] swapped =
        Chain.assemble(
            java.util.List.of(c.payloadOf(0), c.payloadOf(2), c.payloadOf(1)),
            java.util.List.of(
                c.links.get(0).signature(), c.links.get(2).signature(), c.links.get(1).signature()),
            c.secret);
    assertThat(
            verifier
                .authorize(Presentation.of(withBytes(swapped)), read("/data/invoices/2024/a"))
                .code())
        .isIn(Decision.Code.BAD_SIGNATURE, Decision.Code.MALFORMED);
  }

  @Test
  void splicingAcrossTokens_denied() {
    Capability a = invoices();
    Capability b =
        mint().random(Fixtures.random(8)).allow("fs:*:/data/**").ttl(Duration.ofHours(1)).sign();
    Capability aNarrow = a.attenuate().allow("fs:read_text_file:/data/public/**").sign();
    // Take b's authority block and a's attenuation block, with a's secret.
    Chain ca = aNarrow.chain();
    Chain cb = b.chain();
    byte[] spliced =
        Chain.assemble(
            java.util.List.of(cb.payloadOf(0), ca.payloadOf(1)),
            java.util.List.of(cb.links.get(0).signature(), ca.links.get(1).signature()),
            ca.secret);
    assertThat(
            verifier.authorize(Presentation.of(withBytes(spliced)), read("/data/public/x")).code())
        .isEqualTo(Decision.Code.BAD_SIGNATURE);
  }

  @Test
  void attenuation_cannotWidenGrants() {
    Capability narrow =
        invoices().attenuate().allow("fs:read_text_file:/data/invoices/2024/**").sign();
    Capability widened = narrow.attenuate().allow("fs:*:**").allow("mail:send:*").sign();
    assertThat(
            verifier
                .authorize(Presentation.of(widened.toText()), read("/data/invoices/2023/a.pdf"))
                .code())
        .isEqualTo(Decision.Code.GRANT);
    assertThat(
            verifier
                .authorize(
                    Presentation.of(widened.toText()),
                    Request.of("mail", "send", "bob@example.com"))
                .code())
        .isEqualTo(Decision.Code.GRANT);
    assertThat(
            verifier
                .authorize(Presentation.of(widened.toText()), read("/data/invoices/2024/a.pdf"))
                .allowed())
        .isTrue();
  }

  @Test
  void attenuation_cannotExtendExpiry() {
    Capability shortLived =
        invoices().attenuate().clock(Fixtures.clock()).ttl(Duration.ofMinutes(5)).sign();
    Capability extended = shortLived.attenuate().expiresAt(NOW.plus(Duration.ofDays(30))).sign();
    Verifier later =
        Fixtures.verifier(root).clock(Fixtures.clockAt(NOW.plus(Duration.ofMinutes(10)))).build();
    Decision d =
        later.authorize(Presentation.of(extended.toText()), read("/data/invoices/2024/a.pdf"));
    assertThat(d.code()).isEqualTo(Decision.Code.EXPIRED);
    assertThat(((Decision.Deny) d).block()).isEqualTo(1);
  }

  @Test
  void algorithmConfusion_unknownVersionDenied() {
    byte[] bytes = invoices().toBytes();
    bytes[0] = 2;
    Decision d = verifier.authorize(Presentation.of(withBytes(bytes)), read("/data/x"));
    assertThat(d.code()).isEqualTo(Decision.Code.UNSUPPORTED_VERSION);
  }

  @Test
  void signatureMalleability_doesNotChangeRevocationIdsOrVerify() {
    Capability cap = invoices();
    byte[] bytes = cap.toBytes();
    // Adding the group order L to S gives a non-canonical S; strict verification refuses it.
    int payloadLength = ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
    int sOffset = 4 + payloadLength + 32;
    byte[] l = {
      (byte) 0xed,
      (byte) 0xd3,
      (byte) 0xf5,
      0x5c,
      0x1a,
      0x63,
      0x12,
      0x58,
      (byte) 0xd6,
      (byte) 0x9c,
      (byte) 0xf7,
      (byte) 0xa2,
      (byte) 0xde,
      (byte) 0xf9,
      (byte) 0xde,
      0x14,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0x10
    };
    int carry = 0;
    for (int i = 0; i < 32; i++) {
      int sum = (bytes[sOffset + i] & 0xFF) + (l[i] & 0xFF) + carry;
      bytes[sOffset + i] = (byte) sum;
      carry = sum >>> 8;
    }
    Capability malleated = Capability.decode(withBytes(bytes));
    assertThat(malleated.revocationIds()).isEqualTo(cap.revocationIds());
    assertThat(verifier.authorize(Presentation.of(withBytes(bytes)), read("/data/x")).code())
        .isEqualTo(Decision.Code.BAD_SIGNATURE);
  }

  @Test
  void expired_denied_andClockSkewTolerated() {
    Capability cap = mint().allow("fs:*:**").expiresAt(NOW.plusSeconds(60)).sign();
    Verifier at = Fixtures.verifier(root).clock(Fixtures.clockAt(NOW.plusSeconds(80))).build();
    assertThat(at.authorize(Presentation.of(cap.toText()), read("/data/x")).allowed())
        .as("within 30 s skew")
        .isTrue();
    Verifier past = Fixtures.verifier(root).clock(Fixtures.clockAt(NOW.plusSeconds(91))).build();
    assertThat(past.authorize(Presentation.of(cap.toText()), read("/data/x")).code())
        .isEqualTo(Decision.Code.EXPIRED);
    Verifier strict =
        Fixtures.verifier(root)
            .clockSkew(Duration.ZERO)
            .clock(Fixtures.clockAt(NOW.plusSeconds(61)))
            .build();
    assertThat(strict.authorize(Presentation.of(cap.toText()), read("/data/x")).code())
        .isEqualTo(Decision.Code.EXPIRED);
  }

  @Test
  void notYetValid_denied() {
    Capability cap =
        mint().allow("fs:*:**").ttl(Duration.ofHours(2)).notBefore(NOW.plusSeconds(3600)).sign();
    Decision d = verifier.authorize(Presentation.of(cap.toText()), read("/data/x"));
    assertThat(d.code()).isEqualTo(Decision.Code.NOT_YET_VALID);
  }

  @Test
  void pathTraversal_denied() {
    Capability cap =
        mint().allow("fs:read_text_file:/data/invoices/2024/**").ttl(Duration.ofHours(1)).sign();
    assertThat(
            verifier
                .authorize(
                    Presentation.of(cap.toText()), read("/data/invoices/2024/../../secrets/key"))
                .code())
        .isEqualTo(Decision.Code.GRANT);
    assertThat(
            verifier
                .authorize(
                    Presentation.of(cap.toText()), read("/data/invoices/2024/../../../../etc"))
                .code())
        .isEqualTo(Decision.Code.INVALID_REQUEST);
  }

  @Test
  void encodedSeparators_denied() {
    Capability cap =
        mint().allow("fs:read_text_file:/data/invoices/2024/**").ttl(Duration.ofHours(1)).sign();
    for (String p :
        Set.of(
            "/data/invoices/2024/..%2f..%2fsecrets",
            "/data/invoices/2024/%2e%2e/%2e%2e/secrets",
            "/data/invoices/2024/..\\..\\secrets",
            "/data/invoices/2024/\u2024\u2024/x",
            "/data/invoices/2024/\uff0e\uff0e\uff0fsecrets")) {
      Decision d = verifier.authorize(Presentation.of(cap.toText()), read(p));
      assertThat(d.allowed()).as(p).isFalse();
    }
  }

  @Test
  void unicodeCaseTricks_denied() {
    Capability cap =
        mint().allow("fs:read_text_file:/data/public/**").ttl(Duration.ofHours(1)).sign();
    assertThat(verifier.authorize(Presentation.of(cap.toText()), read("/data/PUBLIC/x")).allowed())
        .isFalse();
    assertThat(
            verifier
                .authorize(Presentation.of(cap.toText()), read("/data/publ\u0131c/x"))
                .allowed())
        .isFalse();
    assertThat(verifier.authorize(Presentation.of(cap.toText()), read("/data/public/x")).allowed())
        .isTrue();
  }

  @Test
  void oversizedToken_denied() {
    Capability cap = invoices();
    Verifier tiny =
        Fixtures.verifier(root)
            .limits(Limits.DEFAULTS.with(Limits.Limit.MAX_TOKEN_BYTES, 64))
            .build();
    assertThat(tiny.authorize(Presentation.of(cap.toText()), read("/data/x")).code())
        .isEqualTo(Decision.Code.LIMIT_EXCEEDED);
    String huge = "mnd1_" + "A".repeat(100_000);
    assertThat(verifier.authorize(Presentation.of(huge), read("/data/x")).code())
        .isEqualTo(Decision.Code.LIMIT_EXCEEDED);
  }

  @Test
  void deeplyNestedArgs_denied() {
    ObjectNode args = JsonNodeFactory.instance.objectNode();
    ObjectNode cursor = args;
    for (int i = 0; i < 100; i++) {
      cursor = cursor.putObject("a");
    }
    Request r = new Request(null, "fs", "read_text_file", "/data/x", args, null);
    assertThat(verifier.authorize(Presentation.of(invoices().toText()), r).code())
        .isEqualTo(Decision.Code.LIMIT_EXCEEDED);
  }

  @Test
  void tooManyBlocks_denied() {
    Capability cap = invoices();
    for (int i = 0; i < 5; i++) {
      cap = cap.attenuate().sign();
    }
    Verifier fewBlocks =
        Fixtures.verifier(root).limits(Limits.DEFAULTS.with(Limits.Limit.MAX_BLOCKS, 4)).build();
    assertThat(fewBlocks.authorize(Presentation.of(cap.toText()), read("/data/x")).code())
        .isEqualTo(Decision.Code.LIMIT_EXCEEDED);
  }

  @Test
  void revokedAncestor_deniesDescendants() {
    Capability parent = invoices();
    Capability child = parent.attenuate().allow("fs:read_text_file:/data/invoices/**").sign();
    Capability grandchild = child.attenuate().ttl(Duration.ofMinutes(1)).sign();
    String revokedId = parent.revocationIds().get(0);
    Verifier v = Fixtures.verifier(root).revoked(revokedId::equals).build();
    Decision d = v.authorize(Presentation.of(grandchild.toText()), read("/data/invoices/a"));
    assertThat(d.code()).isEqualTo(Decision.Code.REVOKED);
    assertThat(((Decision.Deny) d).block()).isEqualTo(0);
    assertThat(grandchild.revocationIds()).startsWith(child.revocationIds().toArray(String[]::new));
  }

  @Test
  void replayOfStolenProof_denied() {
    SigningKey agent = Fixtures.key(9);
    Capability bound = boundTo(agent);
    Request r = read("/data/a.txt");
    assertThat(verifier.authorize(Presentation.of(bound.toText()), r).code())
        .isEqualTo(Decision.Code.PROOF_REQUIRED);
    Proof proof = Proof.create(agent, bound.toText(), Fixtures.call(r), NOW, Fixtures.random(3));
    assertThat(present(bound.toText(), proof, r).allowed()).isTrue();
    assertThat(present(bound.toText(), proof, r).code()).isEqualTo(Decision.Code.PROOF_REPLAYED);
  }

  @Test
  void stolenToken_withoutHolderKey_denied() {
    SigningKey agent = Fixtures.key(9);
    SigningKey thief = Fixtures.key(10);
    Capability bound = boundTo(agent);
    Request r = read("/data/a.txt");
    Proof forged = Proof.create(thief, bound.toText(), Fixtures.call(r), NOW, Fixtures.random(3));
    assertThat(present(bound.toText(), forged, r).code()).isEqualTo(Decision.Code.PROOF_INVALID);
  }

  @Test
  void proofForOtherArguments_denied() {
    SigningKey agent = Fixtures.key(9);
    Capability bound = boundTo(agent);
    Proof proof =
        Proof.create(
            agent, bound.toText(), Fixtures.call(read("/data/a.txt")), NOW, Fixtures.random(3));
    assertThat(
            verifier
                .authorize(
                    Presentation.of(bound.toText())
                        .withProof(proof)
                        .withCall(Fixtures.call(read("/data/b.txt"))),
                    read("/data/b.txt"))
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
  }

  @Test
  void staleProof_denied() {
    SigningKey agent = Fixtures.key(9);
    Capability bound = boundTo(agent);
    Request r = read("/data/a.txt");
    Proof old =
        Proof.create(
            agent, bound.toText(), Fixtures.call(r), NOW.minusSeconds(120), Fixtures.random(3));
    assertThat(present(bound.toText(), old, r).code()).isEqualTo(Decision.Code.PROOF_STALE);
    Proof future =
        Proof.create(
            agent, bound.toText(), Fixtures.call(r), NOW.plusSeconds(120), Fixtures.random(4));
    assertThat(present(bound.toText(), future, r).code()).isEqualTo(Decision.Code.PROOF_STALE);
  }

  @Test
  void rebindingStolenToken_denied() {
    SigningKey agent = Fixtures.key(9);
    SigningKey thief = Fixtures.key(10);
    Capability bound = boundTo(agent);
    assertThatThrownBy(() -> bound.attenuate().bindTo(thief.verifyingKey()).sign(thief))
        .isInstanceOf(IllegalArgumentException.class);
    // Forge it by hand: a block binding the thief, signed by the thief.
    Chain c = bound.chain();
    byte[] payload =
        Chain.payload(
            1,
            null,
            null,
            null,
            java.util.List.of(),
            java.util.List.of(),
            thief.verifyingKey().bytes(),
            Chain.NO_COMMITMENT,
            Chain.FLAG_HOLDER);
    byte[] sig = thief.sign(Chain.message(c.last().digest(), payload));
    byte[] forged =
        Chain.assemble(
            java.util.List.of(c.payloadOf(0), payload),
            java.util.List.of(c.links.get(0).signature(), sig),
            null);
    Request r = read("/data/a.txt");
    Proof proof = Proof.create(thief, withBytes(forged), Fixtures.call(r), NOW, Fixtures.random(5));
    assertThat(present(withBytes(forged), proof, r).code()).isEqualTo(Decision.Code.BAD_SIGNATURE);
  }

  @Test
  void delegation_toSubAgent_narrowsAndRebinds() {
    SigningKey agent = Fixtures.key(9);
    SigningKey sub = Fixtures.key(11);
    Capability bound = boundTo(agent);
    Capability delegated =
        bound
            .attenuate()
            .allow("fs:read_text_file:/data/invoices/**")
            .bindTo(sub.verifyingKey())
            .sign(agent);
    assertThat(delegated.holderKeyId()).contains(sub.verifyingKey().keyId());
    Request ok = read("/data/invoices/a");
    assertThat(presentSigned(sub, delegated.toText(), ok, 1).allowed()).isTrue();
    Request other = read("/data/hr/salaries");
    assertThat(presentSigned(sub, delegated.toText(), other, 2).code())
        .isEqualTo(Decision.Code.GRANT);
    // The parent's key no longer works on the delegated token.
    assertThat(presentSigned(agent, delegated.toText(), ok, 3).code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
  }

  @Test
  void sealed_cannotBeAttenuated() {
    Capability sealed = invoices().attenuate().seal().sign();
    assertThat(sealed.sealed()).isTrue();
    assertThatThrownBy(() -> sealed.attenuate().sign()).isInstanceOf(IllegalStateException.class);
    assertThat(verifier.authorize(Presentation.of(sealed.toText()), read("/data/a")).allowed())
        .isTrue();
  }

  @Test
  void maxDepth_limitsFurtherBlocks() {
    Capability cap = mint().allow("fs:*:**").ttl(Duration.ofHours(1)).maxDepth(1).sign();
    Capability one = cap.attenuate().sign();
    assertThat(verifier.authorize(Presentation.of(one.toText()), read("/data/a")).allowed())
        .isTrue();
    assertThatThrownBy(() -> one.attenuate().sign()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void argumentConstraint_enforced() {
    Capability cap =
        mint()
            .allow("mail:send:*")
            .ttl(Duration.ofHours(1))
            .constrain("/to", new Constraint.Glob("*@example.com"))
            .sign();
    ObjectNode good = JsonNodeFactory.instance.objectNode().put("to", "bob@example.com");
    ObjectNode bad = JsonNodeFactory.instance.objectNode().put("to", "eve@evil.test");
    assertThat(
            verifier
                .authorize(
                    Presentation.of(cap.toText()),
                    new Request(null, "mail", "send", "x", good, null))
                .allowed())
        .isTrue();
    Decision d =
        verifier.authorize(
            Presentation.of(cap.toText()), new Request(null, "mail", "send", "x", bad, null));
    assertThat(d.code()).isEqualTo(Decision.Code.ARGUMENT);
    assertThat(d.reason()).contains("/to");
    Decision missing =
        verifier.authorize(
            Presentation.of(cap.toText()), new Request(null, "mail", "send", "x", null, null));
    assertThat(missing.code()).isEqualTo(Decision.Code.ARGUMENT);
  }

  @Test
  void condition_enforced() {
    Capability cap =
        mint().allow("bank:transfer:*").ttl(Duration.ofHours(1)).where("args.amount <= 100").sign();
    ObjectNode small = JsonNodeFactory.instance.objectNode().put("amount", 50);
    ObjectNode big = JsonNodeFactory.instance.objectNode().put("amount", 5000);
    assertThat(
            verifier
                .authorize(
                    Presentation.of(cap.toText()),
                    new Request(null, "bank", "transfer", "acct", small, null))
                .allowed())
        .isTrue();
    assertThat(
            verifier
                .authorize(
                    Presentation.of(cap.toText()),
                    new Request(null, "bank", "transfer", "acct", big, null))
                .code())
        .isEqualTo(Decision.Code.CONDITION);
  }

  @Test
  void audience_enforced() {
    Capability cap = mint().allow("fs:*:**").ttl(Duration.ofHours(1)).audience("gw-eu").sign();
    assertThat(
            verifier
                .authorize(Presentation.of(cap.toText()), read("/data/a").withAudience("gw-eu"))
                .allowed())
        .isTrue();
    assertThat(
            verifier
                .authorize(Presentation.of(cap.toText()), read("/data/a").withAudience("gw-us"))
                .code())
        .isEqualTo(Decision.Code.AUDIENCE);
    assertThat(verifier.authorize(Presentation.of(cap.toText()), read("/data/a")).code())
        .isEqualTo(Decision.Code.AUDIENCE);
  }

  @Test
  void garbage_neverThrows() {
    for (String t :
        new String[] {null, "", "mnd1_", "mnd1_!!!", "bearer xyz", "mnd1_AAAA", "mnd1_AQ"}) {
      Decision d = verifier.authorize(Presentation.of(t), read("/data/a"));
      assertThat(d.allowed()).isFalse();
      assertThat(d.reason()).isNotBlank();
    }
  }

  @Test
  void verificationCache_secondUseSkipsSignatures_butStillChecksCaveats() {
    Capability cap = mint().allow("fs:*:**").expiresAt(NOW.plusSeconds(60)).sign();
    java.util.concurrent.atomic.AtomicInteger lookups =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
        new java.util.concurrent.atomic.AtomicReference<>(NOW);
    java.time.Clock clock =
        new java.time.Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
          }

          @Override
          public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public java.time.Instant instant() {
            return now.get();
          }
        };
    Verifier v =
        Verifier.builder()
            .trustedKeys(
                id -> {
                  lookups.incrementAndGet();
                  return root.verifyingKey().keyId().equals(id) ? root.verifyingKey() : null;
                })
            .clock(clock)
            .clockSkew(Duration.ZERO)
            .build();
    assertThat(v.authorize(Presentation.of(cap.toText()), read("/data/a")).allowed()).isTrue();
    assertThat(v.authorize(Presentation.of(cap.toText()), read("/data/a")).allowed()).isTrue();
    now.set(NOW.plusSeconds(120));
    assertThat(v.authorize(Presentation.of(cap.toText()), read("/data/a")).code())
        .isEqualTo(Decision.Code.EXPIRED);
    assertThat(lookups.get()).isEqualTo(3);
  }

  @Test
  void retiredRootKey_deniesEvenWhenCached() {
    Capability cap = invoices();
    java.util.concurrent.atomic.AtomicBoolean trusted =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Verifier v = trustingRootWhile(trusted);
    assertThat(v.authorize(Presentation.of(cap.toText()), read("/data/a")).allowed()).isTrue();
    trusted.set(false);
    assertThat(v.authorize(Presentation.of(cap.toText()), read("/data/a")).code())
        .isEqualTo(Decision.Code.UNKNOWN_KEY);
  }

  @Test
  void retiredRootKey_deniesTheSameTokenTextAgain_asARequestsSecondStagePresentsIt() {
    // The gateway authenticates and then authorizes one request with one String: the second
    // lookup of that very instance is memoised, and must still see the key's retirement.
    String token = invoices().toText();
    java.util.concurrent.atomic.AtomicBoolean trusted =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Verifier v = trustingRootWhile(trusted);
    assertThat(v.authenticate(Presentation.of(token), read("/data/a")).allowed()).isTrue();
    assertThat(v.authorize(Presentation.of(token), read("/data/a")).allowed()).isTrue();
    trusted.set(false);
    assertThat(v.authorize(Presentation.of(token), read("/data/a")).code())
        .isEqualTo(Decision.Code.UNKNOWN_KEY);
    trusted.set(true);
    assertThat(v.authorize(Presentation.of(token), read("/data/a")).allowed()).isTrue();
  }

  /** A verifier that trusts the root key while {@code trusted} holds (a retirement toggled). */
  private Verifier trustingRootWhile(java.util.concurrent.atomic.AtomicBoolean trusted) {
    return Fixtures.verifier(root)
        .trustedKeys(id -> trusted.get() ? root.verifyingKey() : null)
        .build();
  }
}
