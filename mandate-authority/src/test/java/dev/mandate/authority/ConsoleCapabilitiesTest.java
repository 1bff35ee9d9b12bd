package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.crypto.SigningKey;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.ConsoleBrowser;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Capability;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capability pages over HTTP: finding a capability (by id, by client, by pasting it), its tree
 * in plain language with hostile text escaped, and revoking a block after a confirmation that lists
 * the cascade.
 */
class ConsoleCapabilitiesTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A grant pattern and a tool name an agent chose. */
  private static final String EVIL_GRANT = "fs:read_text_file:/data/<b>x</b>/**";

  private static final String EVIL_ACTION = "<script>alert(1)</script>";

  @TempDir Path tmp;
  private ConsoleTests console;
  private ConsoleBrowser olivia;
  private final SigningKey alice = SigningKey.generate(RANDOM);
  private final SigningKey bob = SigningKey.generate(RANDOM);
  private final SigningKey carol = SigningKey.generate(RANDOM);
  private AuthorityApi.Minted minted;
  private Capability toBob;
  private Capability toCarol;

  @BeforeEach
  void start() throws Exception {
    console = new ConsoleTests(tmp);
    console.person("olivia", "operator");
    console.person("alice", "approver", "finance");
    AuthorityApi api = console.api;
    minted =
        api.mint(
            api.admin(),
            "1h",
            null,
            "\"holderKey\":\"" + alice.verifyingKey().toText() + "\"",
            "fs:read_text_file:/data/**",
            EVIL_GRANT);
    toBob =
        Capability.decode(minted.token())
            .attenuate()
            .allow("fs:read_text_file:/data/invoices/**")
            .bindTo(bob.verifyingKey())
            .sign(alice);
    toCarol =
        toBob
            .attenuate()
            .allow("fs:read_text_file:/data/invoices/2025/**")
            .maxUses(2)
            .bindTo(carol.verifyingKey())
            .sign(bob);
    DecisionReports.report(
        api,
        api.clientAuth("gateway-1"),
        DecisionReports.allowed(toBob, "fs", EVIL_ACTION, "/data/invoices/a"));
    olivia = console.signedIn("olivia");
  }

  @AfterEach
  void stop() {
    console.close();
  }

  private String page() {
    return "/console/capabilities/" + minted.tokenId();
  }

  @Test
  void capabilityPage_drawsTheTree_inPlainLanguage_withHostileTextEscaped() {
    Reply r = olivia.get(page());
    assertThat(r.status()).isEqualTo(200);
    String html = r.body();
    String root = minted.revocationIds().get(0);
    String bobs = toBob.revocationIds().get(1);
    assertThat(html)
        .contains("id=\"block-" + root + "\"")
        .contains("Block 0: minted")
        .contains("Block 1: delegation")
        .contains(alice.verifyingKey().keyId())
        .contains(bob.verifyingKey().keyId())
        .contains(
            "use <strong>read_text_file</strong> of <strong>fs</strong> on <code>/data/**</code>")
        .contains("<code>/data/&lt;b&gt;x&lt;/b&gt;/**</code>")
        .contains("only the holder of key <code>" + alice.verifyingKey().keyId() + "</code>")
        .contains("seen in a gateway's decision")
        .contains("1 allowed, 0 denied")
        .contains("<code>fs:&lt;script&gt;alert(1)&lt;/script&gt;</code>")
        .contains("id=\"revoke-" + root + "\"")
        .contains("id=\"revoke-" + bobs + "\"")
        .doesNotContain("<b>x</b>")
        .doesNotContain(EVIL_ACTION);
    // Bob's block sits in a nested list under the minted block.
    int rootAt = html.indexOf("id=\"block-" + root + "\"");
    int nested = html.indexOf("<ul class=\"tree\"", rootAt);
    assertThat(nested).isPositive().isLessThan(html.indexOf("id=\"block-" + bobs + "\""));
    assertThat(html).contains("Not known to the authority");
  }

  @Test
  void aCapability_isFound_byTokenId_byClient_orNotAtAll() {
    Reply byId = olivia.get("/console/capabilities?tokenId=" + minted.tokenId().toUpperCase());
    assertThat(byId.status()).isEqualTo(303);
    assertThat(byId.headers().firstValue("Location").orElseThrow()).endsWith(page());

    String list = olivia.get("/console/capabilities?client=admin").body();
    assertThat(list)
        .contains("Capabilities of admin")
        .contains("href=\"" + page() + "\"")
        .contains("<code>/data/&lt;b&gt;x&lt;/b&gt;/**</code>");

    Reply unknown = olivia.get("/console/capabilities?tokenId=%3Cscript%3E");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body()).contains("no capability with token id &lt;script&gt;");
    assertThat(olivia.get("/console/capabilities/" + "ab".repeat(16)).status()).isEqualTo(404);
    assertThat(olivia.get("/console/capabilities/not-hex").status()).isEqualTo(400);
    assertThat(console.signedIn("alice").get(page()).status()).isEqualTo(403);
  }

  @Test
  void pastingAToken_showsItsOfflineBlocks_withoutPuttingTheTokenInAUrl() {
    olivia.get("/console/capabilities");
    Reply pasted = olivia.post("/console/capabilities/inspect", Map.of("token", toCarol.toText()));
    assertThat(pasted.status()).isEqualTo(303);
    String location = pasted.headers().firstValue("Location").orElseThrow();
    assertThat(location).isEqualTo(page() + "?pasted=1").doesNotContain(toCarol.toText());

    String html = olivia.get(location).body();
    assertThat(html)
        .contains("blocks are recorded")
        .contains("Block 2: delegation")
        .contains(carol.verifyingKey().keyId())
        .contains("on <code>/data/invoices/2025/**</code>")
        .contains("at most 2 calls in all")
        .contains("pasted at the console by olivia")
        .doesNotContain(toCarol.toText());

    Reply forged = olivia.post("/console/capabilities/inspect", Map.of("token", "mnd1_<i>not</i>"));
    assertThat(forged.status()).isEqualTo(400);
    assertThat(forged.body()).doesNotContain("<i>not</i>");
    Reply noCsrf =
        olivia.postRaw(
            "/console/capabilities/inspect",
            ConsoleBrowser.encode(Map.of("token", toCarol.toText())),
            Map.of());
    assertThat(noCsrf.status()).isEqualTo(403);
  }

  @Test
  void pastingAOneBlockToken_showsIt_onlyWhenItsSignatureVerifies() {
    olivia.get("/console/capabilities");
    byte[] binary = Base64.getUrlDecoder().decode(minted.token().substring("mnd1_".length()));
    // Block 0's signature follows its payload (a u16 length after the version and block count).
    int signature = 4 + (((binary[2] & 0xFF) << 8) | (binary[3] & 0xFF));
    binary[signature + 10] ^= 0x01;
    String forged = "mnd1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(binary);

    Reply refused = olivia.post("/console/capabilities/inspect", Map.of("token", forged));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.body())
        .contains("not a capability of this authority")
        .contains("signature does not verify")
        .doesNotContain(forged)
        .doesNotContain("Exception")
        .doesNotContain("at dev.mandate");
    assertThat(console.audited(CapabilityTrees.INSPECT, "olivia")).isZero();

    Reply pasted = olivia.post("/console/capabilities/inspect", Map.of("token", minted.token()));
    assertThat(pasted.status()).isEqualTo(303);
    assertThat(pasted.headers().firstValue("Location").orElseThrow())
        .isEqualTo(page() + "?pasted=1");
    assertThat(console.audited(CapabilityTrees.INSPECT, "olivia")).isEqualTo(1);
  }

  @Test
  void revoking_showsWhatTheCascadeCuts_thenRevokesExactlyThat() {
    olivia.post("/console/capabilities/inspect", Map.of("token", toCarol.toText()));
    String bobs = toBob.revocationIds().get(1);
    String carols = toCarol.revocationIds().get(2);

    Reply confirm = olivia.get(page() + "/revoke?block=" + bobs);
    assertThat(confirm.status()).isEqualTo(200);
    assertThat(confirm.body())
        .contains("Revoking cuts 2 blocks")
        .contains("data-revocation-id=\"" + bobs + "\"")
        .contains("data-revocation-id=\"" + carols + "\"")
        .doesNotContain("data-revocation-id=\"" + minted.revocationIds().get(0) + "\"")
        .contains("<input type=\"hidden\" name=\"block\" value=\"" + bobs + "\">")
        .contains("id=\"confirm-revoke\"");
    assertThat(olivia.post(page() + "/revoke", Map.of("block", bobs)).status())
        .as("a reason is required")
        .isEqualTo(400);
    assertThat(
            olivia
                .postRaw(
                    page() + "/revoke",
                    ConsoleBrowser.encode(Map.of("block", bobs, "reason", "no csrf")),
                    Map.of())
                .status())
        .isEqualTo(403);
    assertThat(
            console
                .authority
                .trees()
                .find(minted.tokenId())
                .orElseThrow()
                .find(bobs)
                .orElseThrow()
                .state())
        .isEqualTo(CapabilityTree.State.ACTIVE);

    Reply done = olivia.post(page() + "/revoke", Map.of("block", bobs, "reason", "bob left"));
    assertThat(done.status()).isEqualTo(303);
    String html = olivia.get(done.headers().firstValue("Location").orElseThrow()).body();
    assertThat(html)
        .contains("is revoked, with every block derived from it")
        .contains("bob left")
        .doesNotContain("id=\"revoke-" + bobs + "\"")
        .doesNotContain("id=\"revoke-" + carols + "\"")
        .contains("id=\"revoke-" + minted.revocationIds().get(0) + "\"");
    CapabilityTree tree = console.authority.trees().find(minted.tokenId()).orElseThrow();
    assertThat(tree.find(bobs).orElseThrow().state()).isEqualTo(CapabilityTree.State.REVOKED);
    assertThat(tree.find(carols).orElseThrow().state()).isEqualTo(CapabilityTree.State.CUT);
    assertThat(tree.root().state()).isEqualTo(CapabilityTree.State.ACTIVE);
    assertThat(console.audited("revoke", "olivia")).isEqualTo(1);

    assertThat(olivia.post(page() + "/revoke", Map.of("block", bobs, "reason", "again")).status())
        .isEqualTo(409);
    assertThat(
            olivia
                .post(page() + "/revoke", Map.of("block", "cd".repeat(32), "reason", "not ours"))
                .status())
        .isEqualTo(404);
  }
}
