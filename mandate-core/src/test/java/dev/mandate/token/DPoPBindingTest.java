package dev.mandate.token;

import static dev.mandate.token.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.mandate.crypto.SigningKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Capabilities bound to a DPoP key (spec section 7.2): minted with the key's thumbprint, proved on
 * each call by a DPoP proof (RFC 9449) over the HTTP request and the token, never by anything else.
 */
class DPoPBindingTest {
  private static final SigningKey ROOT = Fixtures.key(1);
  private static final String URL = "https://gw.example/mcp/fs";
  private static final ObjectNode ARGS = JsonNodeFactory.instance.objectNode().put("path", "/a");
  private static final Request READ =
      new Request("gw", "fs", "read_text_file", "/data/a.txt", ARGS, null);
  private static final Call CALL = Fixtures.call(READ);

  private final DPoPClient client = DPoPClient.es256();
  private final Verifier verifier = Fixtures.verifier(ROOT).build();

  private Capability bound(String jkt) {
    return Capability.mint(ROOT)
        .clock(Fixtures.clock())
        .allow("fs:read_text_file:/data/**")
        .audience("gw")
        .ttl(Duration.ofHours(1))
        .bindToDPoPKey(jkt)
        .sign();
  }

  private Decision present(String token, Proof proof) {
    return verifier.authorize(Presentation.of(token).withProof(proof).withCall(CALL), READ);
  }

  private static Proof dpop(String jwt) {
    return Proof.dpop(jwt, "POST", URL);
  }

  @Test
  void proofFromTheOAuthSdksFactory_allowsOnce_thenIsReplayed() {
    String token = bound(client.jkt()).toText();
    String jwt = client.factoryProof("POST", URL, token, NOW.minusSeconds(5), "jti-1");
    assertThat(present(token, dpop(jwt)).allowed()).isTrue();
    Decision again = present(token, dpop(jwt));
    assertThat(again.code()).isEqualTo(Decision.Code.PROOF_REPLAYED);
    assertThat(
            present(token, dpop(client.factoryProof("POST", URL, token, NOW, "jti-2"))).allowed())
        .isTrue();
  }

  @Test
  void eddsaProof_verifiesWithMandatesEd25519() {
    DPoPClient ed = DPoPClient.ed25519(Fixtures.key(9));
    String token = bound(ed.jkt()).toText();
    assertThat(present(token, dpop(ed.proof("POST", URL, token, NOW, "j"))).allowed()).isTrue();
  }

  @Test
  void boundCapability_namesItsHolderByThumbprint_andCannotBeAttenuated() {
    Capability cap = bound(client.jkt());
    assertThat(cap.holderKeyId()).contains("jkt:" + client.jkt());
    assertThatThrownBy(() -> cap.attenuate().allow("fs:read_text_file:/data/a/**").sign())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("DPoP key");
    assertThatThrownBy(() -> cap.attenuate().sign(Fixtures.key(9)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void withoutProof_orWithAMandateProof_isRefused() {
    String token = bound(client.jkt()).toText();
    Decision none = present(token, null);
    assertThat(none.code()).isEqualTo(Decision.Code.PROOF_REQUIRED);
    assertThat(none.reason()).contains("DPoP");
    Proof mandate = Proof.create(Fixtures.key(9), token, CALL, NOW, Fixtures.random(1));
    assertThat(present(token, mandate).code()).isEqualTo(Decision.Code.PROOF_INVALID);
  }

  @Test
  void dpopProof_forAnEd25519BoundOrBearerCapability_isRefused() {
    SigningKey agent = Fixtures.key(9);
    Capability ed =
        Capability.mint(ROOT)
            .clock(Fixtures.clock())
            .allow("fs:read_text_file:/data/**")
            .ttl(Duration.ofHours(1))
            .bindTo(agent.verifyingKey())
            .sign();
    Capability bearer =
        Capability.mint(ROOT)
            .clock(Fixtures.clock())
            .allow("fs:read_text_file:/data/**")
            .ttl(Duration.ofHours(1))
            .sign();
    for (Capability cap : new Capability[] {ed, bearer}) {
      String token = cap.toText();
      Decision d = present(token, dpop(client.proof("POST", URL, token, NOW, "x")));
      assertThat(d.code()).as(d.toString()).isEqualTo(Decision.Code.PROOF_INVALID);
    }
  }

  @Test
  void anotherKeysProof_isRefused() {
    String token = bound(client.jkt()).toText();
    DPoPClient thief = DPoPClient.es256();
    Decision d = present(token, dpop(thief.proof("POST", URL, token, NOW, "x")));
    assertThat(d.code()).isEqualTo(Decision.Code.PROOF_INVALID);
    assertThat(d.reason()).contains("not the capability's holder");
  }

  @Test
  void proofForAnotherMethod_uri_orToken_isRefused() {
    String token = bound(client.jkt()).toText();
    String other = bound(client.jkt()).toText();
    assertThat(present(token, dpop(client.proof("GET", URL, token, NOW, "1"))).code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
    assertThat(
            present(
                    token,
                    dpop(client.proof("POST", "https://gw.example/mcp/bank", token, NOW, "2")))
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
    assertThat(
            present(
                    token,
                    dpop(client.proof("POST", "https://evil.example/mcp/fs", token, NOW, "3")))
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
    Decision ath = present(token, dpop(client.proof("POST", URL, other, NOW, "4")));
    assertThat(ath.code()).isEqualTo(Decision.Code.PROOF_INVALID);
    assertThat(ath.reason()).contains("ath");
  }

  @Test
  void htu_isComparedWithoutQueryFragmentDefaultPortOrCase() {
    String token = bound(client.jkt()).toText();
    String jwt = client.proof("POST", "HTTPS://GW.example:443/mcp/fs?x=1#f", token, NOW, "n");
    assertThat(present(token, dpop(jwt)).allowed()).isTrue();
  }

  @Test
  void staleOrFutureProof_isRefused() {
    String token = bound(client.jkt()).toText();
    assertThat(
            present(token, dpop(client.proof("POST", URL, token, NOW.minusSeconds(91), "a")))
                .code())
        .isEqualTo(Decision.Code.PROOF_STALE);
    assertThat(
            present(token, dpop(client.proof("POST", URL, token, NOW.plusSeconds(31), "b"))).code())
        .isEqualTo(Decision.Code.PROOF_STALE);
    assertThat(
            present(token, dpop(client.proof("POST", URL, token, NOW.minusSeconds(89), "c")))
                .allowed())
        .isTrue();
  }

  @Test
  void wrongTyp_privateJwk_missingClaims_orCrit_areRefused() throws Exception {
    String token = bound(client.jkt()).toText();
    JWTClaimsSet good = DPoPClient.claims("POST", URL, token, NOW, "t").build();
    assertThat(
            present(token, dpop(client.proof(good, JOSEObjectType.JWT, client.publicJwk))).code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
    // Nimbus refuses to write a private key into a header; a hostile client writes it by hand.
    ECKey priv = new ECKeyGenerator(Curve.P_256).generate();
    String[] parts = client.proof(good, DPoPProofs.TYPE, client.publicJwk).split("\\.");
    String withPrivate =
        b64("{\"alg\":\"ES256\",\"typ\":\"dpop+jwt\",\"jwk\":" + priv.toJSONString() + "}")
            + "."
            + parts[1]
            + "."
            + parts[2];
    assertThat(present(token, dpop(withPrivate)).code()).isEqualTo(Decision.Code.PROOF_INVALID);
    for (String claim : new String[] {"htm", "htu", "ath", "jti", "iat"}) {
      JWTClaimsSet.Builder b = new JWTClaimsSet.Builder(good);
      b.claim(claim, null);
      Decision d = present(token, dpop(client.proof(b.build(), DPoPProofs.TYPE, client.publicJwk)));
      assertThat(d.code()).as(claim).isEqualTo(Decision.Code.PROOF_INVALID);
    }
    JWTClaimsSet numericHtm = new JWTClaimsSet.Builder(good).claim("htm", 5).build();
    assertThat(
            present(token, dpop(client.proof(numericHtm, DPoPProofs.TYPE, client.publicJwk)))
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
  }

  @Test
  void unsignedOrHmacOrGarbageProofs_areRefused() {
    String token = bound(client.jkt()).toText();
    String good = client.proof("POST", URL, token, NOW, "g");
    String[] parts = good.split("\\.");
    String none =
        b64(
                "{\"alg\":\"none\",\"typ\":\"dpop+jwt\",\"jwk\":"
                    + client.publicJwk.toJSONString()
                    + "}")
            + "."
            + parts[1]
            + ".";
    String hs =
        b64(
                "{\"alg\":\"HS256\",\"typ\":\"dpop+jwt\",\"jwk\":"
                    + client.publicJwk.toJSONString()
                    + "}")
            + "."
            + parts[1]
            + "."
            + parts[2];
    for (String bad :
        new String[] {
          none, hs, "", "a.b.c", "x".repeat(5000), parts[0] + "." + parts[1] + ".AAAA"
        }) {
      Decision d = present(token, dpop(bad));
      assertThat(d.code())
          .as(bad.length() > 60 ? bad.substring(0, 60) : bad)
          .isIn(Decision.Code.PROOF_INVALID, Decision.Code.PROOF_REQUIRED);
    }
  }

  /** Property: over random edits, a proof allows only for its own byte-exact form, once. */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void anyByteEditOfAProof_isRefused(long seed) {
    Random random = new Random(seed);
    DPoPClient ed = DPoPClient.ed25519(Fixtures.key(20 + (int) seed));
    String token = bound(ed.jkt()).toText();
    String jwt = ed.proof("POST", URL, token, NOW, "p" + seed);
    for (int i = 0; i < 40; i++) {
      char[] chars = jwt.toCharArray();
      int at = random.nextInt(chars.length);
      char replacement = "ABCabc019-_.".charAt(random.nextInt(12));
      if (chars[at] == replacement) {
        continue;
      }
      chars[at] = replacement;
      String edited = new String(chars);
      if (sameBytes(jwt, edited)) {
        continue; // a base64url character whose stray low bits are dropped
      }
      assertThat(present(token, dpop(edited)).allowed()).as(edited).isFalse();
    }
    assertThat(present(token, dpop(jwt)).allowed()).isTrue();
    assertThat(present(token, dpop(jwt)).code()).isEqualTo(Decision.Code.PROOF_REPLAYED);
  }

  @Test
  void bindingSurvivesTheMintRequestAndRestrictions() {
    Restrictions r =
        Restrictions.builder()
            .allow("fs:read_text_file:/data/**")
            .bindToDPoPKey(client.jkt())
            .build();
    assertThat(r.holderJkt()).contains(client.jkt());
    assertThat(r.holder()).isEmpty();
    assertThat(MintRequestBody.of(r, false).holderJkt()).isEqualTo(client.jkt());
    assertThat(MintRequestBody.of(r, false).holderKey()).isNull();
    Restrictions rebound =
        Restrictions.builder().restrict(r).bindTo(Fixtures.key(9).verifyingKey()).build();
    assertThat(rebound.holderJkt()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "abc",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"
      })
  void malformedThumbprints_areRefusedWhenMinting(String jkt) {
    assertThatThrownBy(() -> Restrictions.builder().bindToDPoPKey(jkt))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jkt");
  }

  @Test
  void anEd25519HolderCanDelegateToADPoPKey() {
    SigningKey agent = Fixtures.key(9);
    Capability ed =
        Capability.mint(ROOT)
            .clock(Fixtures.clock())
            .allow("fs:read_text_file:/data/**")
            .audience("gw")
            .ttl(Duration.ofHours(1))
            .bindTo(agent.verifyingKey())
            .sign();
    String token =
        ed.attenuate()
            .clock(Fixtures.clock())
            .allow("fs:read_text_file:/data/a.txt")
            .bindToDPoPKey(client.jkt())
            .sign(agent)
            .toText();
    assertThat(present(token, dpop(client.proof("POST", URL, token, NOW, "d"))).allowed()).isTrue();
    Proof mandate = Proof.create(agent, token, CALL, NOW, Fixtures.random(2));
    assertThat(present(token, mandate).allowed()).isFalse();
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static boolean sameBytes(String a, String b) {
    String[] pa = a.split("\\.", -1);
    String[] pb = b.split("\\.", -1);
    if (pa.length != 3 || pb.length != 3) {
      return false;
    }
    try {
      for (int i = 0; i < 3; i++) {
        if (!java.util.Arrays.equals(
            Base64.getUrlDecoder().decode(pa[i]), Base64.getUrlDecoder().decode(pb[i]))) {
          return false;
        }
      }
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
