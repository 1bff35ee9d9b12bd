package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.token.Capability;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capability trees built from what the authority records of real tokens: minted through its API,
 * delegated offline by their holders (each binding the next holder's key), used and denied as a
 * gateway reports it, and revoked through the revocation machinery.
 */
class CapabilityTreesTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path tmp;
  private AuthorityServer server;
  private AuthorityApi api;
  private String gateway;

  private final SigningKey alice = SigningKey.generate(RANDOM);
  private final SigningKey bob = SigningKey.generate(RANDOM);
  private final SigningKey carol = SigningKey.generate(RANDOM);
  private final SigningKey dave = SigningKey.generate(RANDOM);

  private AuthorityApi.Minted minted;
  private Capability toBob;
  private Capability toCarol;
  private Capability toDave;

  @BeforeEach
  void start() throws Exception {
    server = AuthorityTests.start(tmp);
    api = AuthorityTests.api(server);
    gateway = api.clientAuth("gateway-1");
    minted =
        api.mint(
            api.admin(),
            "1h",
            "gw",
            "\"maxDepth\":2,\"holderKey\":\"" + alice.verifyingKey().toText() + "\"",
            "fs:read_text_file:/data/**");
    Capability root = Capability.decode(minted.token());
    // Alice delegates to Bob and to Dave; Bob delegates on to Carol, narrower still.
    toBob =
        root.attenuate()
            .allow("fs:read_text_file:/data/invoices/**")
            .bindTo(bob.verifyingKey())
            .sign(alice);
    toDave =
        root.attenuate()
            .allow("fs:read_text_file:/data/reports/**")
            .bindTo(dave.verifyingKey())
            .sign(alice);
    toCarol =
        toBob
            .attenuate()
            .allow("fs:read_text_file:/data/invoices/2025/**")
            .maxUses(3)
            .constrain("/path", new dev.mandate.caveat.Constraint.PathWithin("/data/invoices/2025"))
            .bindTo(carol.verifyingKey())
            .sign(bob);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void minted_showsItsGrantsAndCaveatsInPlainLanguage_andItsHolder() {
    CapabilityTree tree = server.trees().find(minted.tokenId()).orElseThrow();
    CapabilityTree.Node root = tree.root();
    assertThat(tree.clientId()).isEqualTo("admin");
    assertThat(root.revocationId()).isEqualTo(minted.revocationIds().get(0));
    assertThat(root.kind()).isEqualTo("minted");
    assertThat(root.holderKeyId()).isEqualTo(alice.verifyingKey().keyId());
    assertThat(root.grants())
        .extracting(PlainLanguage.Phrase::plain)
        .containsExactly("use read_text_file of fs on /data/**");
    assertThat(root.caveats())
        .extracting(PlainLanguage.Phrase::plain)
        .contains(
            "only until 2025-06-01 13:00:00 UTC",
            "only at gw",
            "at most 2 further attenuations",
            "only the holder of key "
                + alice.verifyingKey().keyId()
                + ", proving it on every call");
    assertThat(root.state()).isEqualTo(CapabilityTree.State.ACTIVE);
    assertThat(root.children()).isEmpty();
  }

  @Test
  void delegationsMadeOffline_appearWhenUsed_underTheBlockTheyCameThrough() {
    report(
        allowed(toCarol, "/data/invoices/2025/a.pdf"), allowed(toCarol, "/data/invoices/2025/b"));
    report(allowed(toDave, "/data/reports/q1"), denied(toBob, "/secrets"));

    CapabilityTree tree = server.trees().find(minted.tokenId()).orElseThrow();
    CapabilityTree.Node root = tree.root();
    assertThat(root.children())
        .extracting(CapabilityTree.Node::revocationId)
        .containsExactly(id(toCarol, 1), id(toDave, 1));
    CapabilityTree.Node bobs = tree.find(id(toBob, 1)).orElseThrow();
    assertThat(bobs.kind()).isEqualTo("delegation");
    assertThat(bobs.holderKeyId()).isEqualTo(bob.verifyingKey().keyId());
    assertThat(bobs.contentKnown()).as("seen only in decisions").isFalse();
    assertThat(bobs.origin()).contains("gateway's decision");
    assertThat(bobs.denied()).as("the denied call presented Bob's chain").isEqualTo(1);
    CapabilityTree.Node carols = bobs.children().get(0);
    assertThat(carols.revocationId()).isEqualTo(id(toCarol, 2));
    assertThat(carols.holderKeyId()).isEqualTo(carol.verifyingKey().keyId());
    assertThat(carols.allowed()).isEqualTo(2);
    assertThat(carols.lastUse()).isEqualTo(AuthorityTests.NOW);
    assertThat(carols.recent())
        .extracting(LiveDecision::resource)
        .containsExactly("/data/invoices/2025/b", "/data/invoices/2025/a.pdf");
    assertThat(tree.find(id(toDave, 1)).orElseThrow().allowed()).isEqualTo(1);
    assertThat(root.allowed()).isZero();
  }

  @Test
  void aPastedToken_addsItsBlocks_exactlyAsSigned_andTheAuthorityKeepsThem() {
    CapabilityTree pasted = server.trees().presented(toCarol.toText(), "olivia");
    CapabilityTree.Node carols = pasted.find(id(toCarol, 2)).orElseThrow();
    assertThat(carols.contentKnown()).isTrue();
    assertThat(carols.index()).isEqualTo(2);
    assertThat(carols.kind()).isEqualTo("delegation");
    assertThat(carols.grants())
        .extracting(PlainLanguage.Phrase::plain)
        .containsExactly("use read_text_file of fs on /data/invoices/2025/**");
    assertThat(carols.caveats())
        .extracting(PlainLanguage.Phrase::plain)
        .contains(
            "at most 3 calls in all",
            "only when argument /path is a path within /data/invoices/2025",
            "only the holder of key "
                + carol.verifyingKey().keyId()
                + ", proving it on every call");
    assertThat(pasted.find(id(toBob, 1)).orElseThrow().origin())
        .isEqualTo("pasted at the console by olivia");

    // Recorded (who looked, which blocks; never the token), so the blocks stay known.
    CapabilityTree later = server.trees().find(minted.tokenId()).orElseThrow();
    assertThat(later.find(id(toCarol, 2)).orElseThrow().grants()).isEqualTo(carols.grants());
    var records = api.get("/v1/audit?tokenId=" + minted.tokenId(), api.admin()).expect(200);
    var inspect =
        java.util.stream.StreamSupport.stream(records.get("records").spliterator(), false)
            .filter(r -> r.get("type").asText().equals(CapabilityTrees.INSPECT))
            .findFirst()
            .orElseThrow();
    assertThat(inspect.get("actor").asText()).isEqualTo("olivia");
    assertThat(inspect.toString()).doesNotContain(toCarol.toText());
  }

  @Test
  void aPastedToken_thatDoesNotVerify_isRefused() {
    Capability foreign =
        Capability.mint(SigningKey.generate(RANDOM))
            .allow("fs:read_text_file:/**")
            .ttl(java.time.Duration.ofMinutes(5))
            .sign();
    Capability forgedChild = foreign.attenuate().allow("fs:read_text_file:/data/**").sign();
    assertThatThrownBy(() -> server.trees().presented(forgedChild.toText(), "olivia"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("not a capability of this authority");
    assertThatThrownBy(() -> server.trees().presented("mnd1_<script>alert(1)</script>", "olivia"))
        .isInstanceOf(ApiException.class);
  }

  @Test
  void aPastedOneBlockToken_isShown_andItsBlockRecorded() {
    CapabilityTree pasted = server.trees().presented(minted.token(), "olivia");
    assertThat(pasted.tokenId()).isEqualTo(minted.tokenId());
    assertThat(pasted.root().revocationId()).isEqualTo(minted.revocationIds().get(0));
    assertThat(pasted.root().holderKeyId()).isEqualTo(alice.verifyingKey().keyId());
    assertThat(inspections(minted.tokenId())).isEqualTo(1);
  }

  @Test
  void aPastedOneBlockToken_withAnEditedSignatureByte_isRefused_andNothingIsRecorded() {
    byte[] binary = binary(minted.token());
    int signature = 4 + payloadLength(binary);
    for (int at : new int[] {signature, signature + 31, signature + 63}) {
      String forged = text(flipped(binary, at));
      // A revocation id covers the block's payload, not its signature: it still matches the record.
      assertThat(Capability.decode(forged).revocationIds()).isEqualTo(minted.revocationIds());
      assertRefused(forged, "signature does not verify");
    }
    // A genuine paste is read back, so the refused ones would have been seen had they been kept.
    server.trees().presented(minted.token(), "olivia");
    assertThat(inspections(minted.tokenId())).isEqualTo(1);
  }

  @Test
  void aPastedBearerToken_withAnEditedFinalSecret_isRefused() {
    AuthorityApi.Minted bearer =
        api.mint(api.admin(), "1h", null, null, "fs:read_text_file:/data/b/**");
    byte[] binary = binary(bearer.token());
    String forged = text(flipped(binary, binary.length - 1));
    assertThat(Capability.decode(forged).revocationIds()).isEqualTo(bearer.revocationIds());
    assertRefused(forged, "final secret does not match");
    assertThat(server.trees().presented(bearer.token(), "olivia").tokenId())
        .isEqualTo(bearer.tokenId());
  }

  @Test
  void aPastedOneBlockToken_editedToNameAnotherMintedToken_isRefusedForItsSignature() {
    AuthorityApi.Minted other =
        api.mint(api.admin(), "1h", null, null, "fs:read_text_file:/data/o/**");
    byte[] binary = binary(minted.token());
    // The token id follows the version, the block count, the payload length and the block kind.
    System.arraycopy(java.util.HexFormat.of().parseHex(other.tokenId()), 0, binary, 5, 16);
    String forged = text(binary);
    assertThat(Capability.decode(forged).tokenId()).isEqualTo(other.tokenId());
    assertRefused(forged, "signature does not verify");
    assertThat(inspections(other.tokenId())).isZero();
    assertThat(inspections(minted.tokenId())).isZero();
  }

  @Test
  void aPastedDelegatedToken_withItsLastSignatureEdited_isRefused_whateverItsLength() {
    for (Capability delegated : List.of(toBob, toCarol)) {
      byte[] binary = binary(delegated.toText());
      // A holder-bound token ends with its last block's signature, then an empty trailer (0).
      String forged = text(flipped(binary, binary.length - 2));
      assertRefused(forged, "signature does not verify");
    }
    assertThat(server.trees().presented(toCarol.toText(), "olivia").find(id(toCarol, 2)))
        .isPresent();
  }

  @Test
  void cascade_isTheBlockAndEverythingDerivedFromIt_andRevokingItCutsExactlyThat() {
    report(allowed(toCarol, "/data/invoices/2025/a"), allowed(toDave, "/data/reports/b"));
    CapabilityTree before = server.trees().find(minted.tokenId()).orElseThrow();

    List<CapabilityTree.Cut> cut = before.cascade(id(toBob, 1));
    assertThat(cut)
        .extracting(c -> c.node().revocationId(), CapabilityTree.Cut::depth)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(id(toBob, 1), 0),
            org.assertj.core.groups.Tuple.tuple(id(toCarol, 2), 1));
    assertThat(cut.get(1).node().lastUse()).isEqualTo(AuthorityTests.NOW);
    assertThat(before.cascade(minted.revocationIds().get(0))).hasSize(4);
    assertThat(before.cascade("00".repeat(32))).isEmpty();

    server.revocations().revoke("console/ops", id(toBob, 1), minted.tokenId(), "leaked", null);

    CapabilityTree after = server.trees().find(minted.tokenId()).orElseThrow();
    assertThat(after.find(id(toBob, 1)).orElseThrow().state())
        .isEqualTo(CapabilityTree.State.REVOKED);
    assertThat(after.find(id(toBob, 1)).orElseThrow().revocation().by()).isEqualTo("console/ops");
    assertThat(after.find(id(toBob, 1)).orElseThrow().revocation().reason()).isEqualTo("leaked");
    assertThat(after.find(id(toCarol, 2)).orElseThrow().state())
        .isEqualTo(CapabilityTree.State.CUT);
    assertThat(after.find(id(toDave, 1)).orElseThrow().state())
        .isEqualTo(CapabilityTree.State.ACTIVE);
    assertThat(after.root().state()).isEqualTo(CapabilityTree.State.ACTIVE);
  }

  @Test
  void aClientsCapabilities_areListed_newestFirst() {
    AuthorityApi.Minted second =
        api.mint(api.admin(), "10m", null, null, "fs:read_text_file:/data/x/**");
    List<CapabilityTrees.Minted> list = server.trees().ofClient("admin", 10);
    assertThat(list)
        .extracting(CapabilityTrees.Minted::tokenId)
        .containsExactly(second.tokenId(), minted.tokenId());
    assertThat(list.get(0).grants())
        .extracting(PlainLanguage.Phrase::plain)
        .containsExactly("use read_text_file of fs on /data/x/**");
    assertThat(server.trees().ofClient("nobody", 10)).isEmpty();
    assertThat(server.trees().find("ab".repeat(16))).isEmpty();
  }

  private void assertRefused(String forged, String why) {
    assertThatThrownBy(() -> server.trees().presented(forged, "mallory"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("not a capability of this authority")
        .hasMessageContaining(why);
  }

  /** The inspections recorded of this token, as the audit API answers. */
  private long inspections(String tokenId) {
    var records = api.get("/v1/audit?tokenId=" + tokenId, api.admin()).expect(200);
    return java.util.stream.StreamSupport.stream(records.get("records").spliterator(), false)
        .filter(r -> r.get("type").asText().equals(CapabilityTrees.INSPECT))
        .count();
  }

  private static byte[] binary(String token) {
    return Base64.getUrlDecoder().decode(token.substring("mnd1_".length()));
  }

  private static String text(byte[] binary) {
    return "mnd1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(binary);
  }

  /** Block 0's payload length: the u16 after the version and the block count. */
  private static int payloadLength(byte[] binary) {
    return ((binary[2] & 0xFF) << 8) | (binary[3] & 0xFF);
  }

  private static byte[] flipped(byte[] binary, int at) {
    byte[] copy = binary.clone();
    copy[at] ^= 0x01;
    return copy;
  }

  private static String id(Capability c, int block) {
    return c.revocationIds().get(block);
  }

  private static ObjectNode allowed(Capability through, String path) {
    return DecisionReports.allowed(through, "fs", "read_text_file", path);
  }

  private static ObjectNode denied(Capability presented, String path) {
    return DecisionReports.denied(presented, "fs", "read_text_file", path, "deny " + path);
  }

  private void report(ObjectNode... events) {
    DecisionReports.report(api, gateway, events);
  }
}
