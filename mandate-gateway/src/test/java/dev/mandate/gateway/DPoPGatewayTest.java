package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP proxy as an OAuth protected resource (RFC 9728) accepting DPoP-bound capabilities (RFC
 * 9449, spec §7.2) from a client built with the OAuth SDK's DPoP proof factory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DPoPGatewayTest {
  private static final String PATH = "/repos/octo/hello/issues";

  @TempDir static Path tmp;
  private TestPeers.Authority authority;
  private GatewayServer gateway;
  private ECKey key;
  private DefaultDPoPProofFactory dpop;

  @BeforeAll
  void start() throws Exception {
    authority = TestPeers.sharedAuthority();
    GatewayConfig config =
        TestPeers.parse(
            TestPeers.config(
                authority,
                TestPeers.sharedUpstream(),
                tmp.resolve("spool"),
                "oauth: {scopes: [\"api:list_issues:/repos/**\"]}"),
            authority);
    gateway = GatewayServer.start(config, Clock.systemUTC(), List.of());
    key = new ECKeyGenerator(Curve.P_256).generate();
    dpop = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  private String boundToDPoPKey(String grant) throws JOSEException {
    return authority.mint(grant, "\"holderJkt\":\"" + key.computeThumbprint() + "\"");
  }

  private String proof(DefaultDPoPProofFactory factory, String method, String url, String token)
      throws JOSEException {
    return factory.createDPoPJWT(method, URI.create(url), new DPoPAccessToken(token)).serialize();
  }

  private Reply call(String method, String path, String authorization, String proof) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.url() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (proof != null) {
      b.header("DPoP", proof);
    }
    return Http.send(b);
  }

  @Test
  void dpopBoundToken_withItsProof_isAllowed_andTheProofIsNotForwarded() throws Exception {
    String token = boundToDPoPKey("api:list_issues:/repos/octo/**");
    String url = gateway.url() + PATH;
    Reply r = call("GET", PATH + "?state=open", "DPoP " + token, proof(dpop, "GET", url, token));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode headers = r.json().get("headers");
    assertThat(headers.has("dpop")).isFalse();
    assertThat(r.body()).doesNotContain(token);
  }

  @Test
  void replayedDPoPProof_isRefused() throws Exception {
    String token = boundToDPoPKey("api:list_issues:/repos/octo/**");
    String proof = proof(dpop, "GET", gateway.url() + PATH, token);
    assertThat(call("GET", PATH, "DPoP " + token, proof).status()).isEqualTo(200);
    Reply again = call("GET", PATH, "DPoP " + token, proof);
    assertThat(again.status()).isEqualTo(403);
    assertThat(again.json().get("code").asText()).isEqualTo("PROOF_REPLAYED");
    assertThat(again.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("DPoP ")
        .contains("error=\"invalid_dpop_proof\"");
  }

  @Test
  void tokenWithoutItsDPoPKey_isRefused() throws Exception {
    String token = boundToDPoPKey("api:list_issues:/repos/octo/**");
    String url = gateway.url() + PATH;
    // As Bearer, even with a good proof beside it.
    Reply bearer = call("GET", PATH, "Bearer " + token, proof(dpop, "GET", url, token));
    assertThat(bearer.status()).isEqualTo(403);
    assertThat(bearer.json().get("code").asText()).isEqualTo("PROOF_REQUIRED");
    // As DPoP, with no proof.
    Reply none = call("GET", PATH, "DPoP " + token, null);
    assertThat(none.json().get("code").asText()).isEqualTo("PROOF_REQUIRED");
    // With a thief's own key's proof.
    DefaultDPoPProofFactory thief =
        new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);
    Reply stolen = call("GET", PATH, "DPoP " + token, proof(thief, "GET", url, token));
    assertThat(stolen.status()).isEqualTo(403);
    assertThat(stolen.json().get("code").asText()).isEqualTo("PROOF_INVALID");
  }

  @Test
  void proofForAnotherMethod_uri_orToken_isRefused() throws Exception {
    String token = boundToDPoPKey("api:list_issues:/repos/octo/**");
    String other = boundToDPoPKey("api:list_issues:/repos/octo/**");
    String url = gateway.url() + PATH;
    for (String proof :
        List.of(
            proof(dpop, "POST", url, token),
            proof(dpop, "GET", gateway.url() + "/repos/octo/other/issues", token),
            proof(dpop, "GET", "http://evil.example" + PATH, token),
            proof(dpop, "GET", url, other))) {
      Reply r = call("GET", PATH, "DPoP " + token, proof);
      assertThat(r.status()).isEqualTo(403);
      assertThat(r.json().get("code").asText()).isEqualTo("PROOF_INVALID");
    }
  }

  @Test
  void dpopProof_withABearerCapability_isRefused() throws Exception {
    String token = authority.mint("api:list_issues:/repos/octo/**", null);
    Reply r = call("GET", PATH, "DPoP " + token, proof(dpop, "GET", gateway.url() + PATH, token));
    assertThat(r.json().get("code").asText()).isEqualTo("PROOF_INVALID");
    assertThat(call("GET", PATH, "Bearer " + token, null).status()).isEqualTo(200);
  }

  @Test
  void missingToken_is401_namingTheResourceMetadata_withBearerAndDPoPChallenges() {
    Reply r = call("GET", PATH, null, null);
    assertThat(r.status()).isEqualTo(401);
    List<String> challenges = r.headers().allValues("WWW-Authenticate");
    String metadata = gateway.url() + "/.well-known/oauth-protected-resource" + PATH;
    assertThat(challenges).hasSize(2);
    assertThat(challenges.get(0))
        .startsWith("Bearer realm=\"mandate\"")
        .contains("resource_metadata=\"" + metadata + "\"")
        .contains("scope=\"api:list_issues:/repos/**\"")
        .doesNotContain("error=");
    assertThat(challenges.get(1)).startsWith("DPoP algs=\"ES256 ES384 EdDSA Ed25519\"");
    Reply forged = call("GET", PATH, "DPoP mnd1_garbage", null);
    assertThat(forged.status()).isEqualTo(401);
    assertThat(forged.headers().allValues("WWW-Authenticate"))
        .allSatisfy(c -> assertThat(c).contains("error=\"invalid_token\""));
  }

  @Test
  void resourceMetadata_isServedForTheGatewayAndEachRoutePath() {
    Reply whole = call("GET", "/.well-known/oauth-protected-resource", null, null);
    assertThat(whole.status()).isEqualTo(200);
    JsonNode m = whole.json();
    assertThat(m.get("resource").asText()).isEqualTo(gateway.url());
    assertThat(m.get("authorization_servers").get(0).asText()).isEqualTo(authority.url());
    assertThat(m.get("scopes_supported").get(0).asText()).isEqualTo("api:list_issues:/repos/**");
    assertThat(m.get("dpop_bound_access_tokens_required").asBoolean()).isFalse();
    assertThat(m.get("dpop_signing_alg_values_supported").toString()).contains("ES256", "EdDSA");
    Reply route = call("GET", "/.well-known/oauth-protected-resource" + PATH, null, null);
    assertThat(route.status()).isEqualTo(200);
    assertThat(route.json().get("resource").asText()).isEqualTo(gateway.url() + PATH);
    assertThat(call("GET", "/.well-known/oauth-protected-resource/nowhere", null, null).status())
        .isEqualTo(404);
    assertThat(call("POST", "/.well-known/oauth-protected-resource", null, null).status())
        .isEqualTo(405);
  }

  @Test
  void callOutsideTheCapability_is403_withTheStepUpChallenge() throws Exception {
    String token = authority.mint("api:list_issues:/repos/octo/**", null);
    Reply r = call("GET", "/repos/other/hello/issues", "Bearer " + token, null);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer error=\"insufficient_scope\"")
        .contains("scope=\"api:list_issues:/repos/other/hello\"")
        .contains(
            "resource_metadata=\""
                + gateway.url()
                + "/.well-known/oauth-protected-resource/repos/other/hello/issues\"");
    String bound = boundToDPoPKey("api:list_issues:/repos/octo/**");
    String path = "/repos/other/hello/issues";
    Reply dpopOut =
        call("GET", path, "DPoP " + bound, proof(dpop, "GET", gateway.url() + path, bound));
    assertThat(dpopOut.json().get("code").asText()).isEqualTo("GRANT");
    assertThat(dpopOut.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("DPoP error=\"insufficient_scope\"");
  }
}
