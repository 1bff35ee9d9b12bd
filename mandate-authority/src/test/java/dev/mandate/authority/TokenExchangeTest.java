package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.token.TypelessAccessToken;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Http;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import net.minidev.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token exchange (RFC 8693): a capability (subject) plus narrower scope and a sub-agent's key
 * (actor) for a delegated child, over real HTTP with Nimbus-built requests.
 */
class TokenExchangeTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path tmp;
  private AuthorityServer authority;
  private AuthorityApi api;
  private String alice;
  private URI tokenUri;
  private final VerifyingKey subAgent = SigningKey.generate(RANDOM).verifyingKey();

  @BeforeEach
  void start() throws Exception {
    authority = OAuthFlowTest.start(tmp, "data", OAuthFlowTest.settings().build());
    api = AuthorityTests.api(authority);
    JsonNode secret = api.post("/v1/clients/alice-agents/secret", "", api.admin()).expect(200);
    alice = Http.basic("alice-agents", secret.get("secret").asText());
    tokenUri = URI.create(authority.url() + "/oauth/token");
  }

  @AfterEach
  void stop() {
    authority.close();
  }

  @Test
  void bearerSubject_isAttenuatedIntoAChildBoundToTheActor_andTheActChainIsAudited()
      throws Exception {
    String subject = api.mint(alice, "30m", "gw-1", null, "fs:read_file:/docs/**").token();
    JSONObject answer =
        exchange(subject, "fs:read_file:/docs/reports/**", null).getBodyAsJSONObject();
    assertThat(answer.get("issued_token_type"))
        .isEqualTo("urn:ietf:params:oauth:token-type:access_token");
    Capability child = Capability.decode((String) answer.get("access_token"));
    assertThat(child.blocks()).hasSize(2);
    assertThat(child.tokenId()).isEqualTo(Capability.decode(subject).tokenId());
    Block last = child.blocks().get(1);
    assertThat(last.grants())
        .extracting(Grant::toString)
        .containsExactly("fs:read_file:/docs/reports/**");
    assertThat(child.holderKeyId()).contains(subAgent.keyId());

    JsonNode event = null;
    for (JsonNode r : api.get("/v1/audit?limit=1000", api.admin()).expect(200).get("records")) {
      if (r.get("type").asText().equals("oauth.exchange")) {
        event = r;
      }
    }
    assertThat(event).isNotNull();
    assertThat(event.get("detail").get("act").get("sub").asText()).isEqualTo(subAgent.keyId());

    // Revoking the subject revokes the child (same chain): exchanging it again is refused.
    api.revoke(alice, Capability.decode(subject).tokenId(), null, "done");
    assertThat(exchange(subject, "fs:read_file:/docs/reports/**", null).getStatusCode())
        .isEqualTo(400);
  }

  @Test
  void askingBeyondTheSubject_isRefused() throws Exception {
    String subject = api.mint(alice, "30m", "gw-1", null, "fs:read_file:/docs/**").token();
    HTTPResponse r = exchange(subject, "fs:write_file:/docs/**", null);
    assertThat(r.getStatusCode()).isEqualTo(400);
    assertThat(r.getBodyAsJSONObject().get("error")).isEqualTo("invalid_scope");
  }

  @Test
  void forgedOrForeignSubjects_areRefused() throws Exception {
    Capability foreign =
        Capability.mint(SigningKey.generate(RANDOM))
            .allow("fs:read_file:/docs/**")
            .ttl(java.time.Duration.ofMinutes(5))
            .sign();
    for (String subject : new String[] {foreign.toText(), "mnd1_garbage"}) {
      HTTPResponse r = exchange(subject, "fs:read_file:/docs/**", null);
      assertThat(r.getStatusCode()).as(subject).isEqualTo(400);
      assertThat(r.getBodyAsJSONObject().get("error")).isEqualTo("invalid_grant");
    }
  }

  @Test
  void holderKeySubject_isLeftToItsHolder() throws Exception {
    VerifyingKey holder = SigningKey.generate(RANDOM).verifyingKey();
    String subject =
        api.mint(
                alice,
                "30m",
                "gw-1",
                "\"holderKey\":\"" + holder.toText() + "\"",
                "fs:read_file:/docs/**")
            .token();
    HTTPResponse r = exchange(subject, "fs:read_file:/docs/**", null);
    assertThat(r.getBodyAsJSONObject().get("error")).isEqualTo("invalid_grant");
    assertThat((String) r.getBodyAsJSONObject().get("error_description")).contains("offline");
  }

  @Test
  void dpopSubject_needsAProofByItsKey_andYieldsANarrowerChild() throws Exception {
    OAuthTestClient client = new OAuthTestClient(authority.url());
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationResponse consent =
        client.consent(
            client.authorize(id, "fs:read_file:/docs/**", verifier),
            "alice",
            OAuthFlowTest.PASSWORD,
            Map.of());
    ECKey key = new ECKeyGenerator(Curve.P_256).generate();
    DefaultDPoPProofFactory proofs = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
    String subject =
        client
            .exchangeWithDPoP(
                id, consent.toSuccessResponse().getAuthorizationCode(), verifier, proofs)
            .toSuccessResponse()
            .getTokens()
            .getAccessToken()
            .getValue();

    assertThat(
            exchange(subject, "fs:read_file:/docs/a/**", null).getBodyAsJSONObject().get("error"))
        .isEqualTo("invalid_dpop_proof");
    HTTPResponse ok =
        exchange(subject, "fs:read_file:/docs/a/**", proofs.createDPoPJWT("POST", tokenUri));
    assertThat(ok.getStatusCode()).as(ok.getBody()).isEqualTo(200);
    Capability child = Capability.decode((String) ok.getBodyAsJSONObject().get("access_token"));
    assertThat(child.blocks()).hasSize(2);
    assertThat(child.blocks().get(0).grants())
        .isEqualTo(Capability.decode(subject).blocks().get(0).grants());
    assertThat(child.blocks().get(1).grants())
        .extracting(Grant::toString)
        .containsExactly("fs:read_file:/docs/a/**");
    assertThat(child.holderKeyId()).contains(subAgent.keyId());
    assertThat(child.expiresAt()).isBeforeOrEqualTo(Capability.decode(subject).expiresAt());
  }

  private HTTPResponse exchange(String subject, String scope, com.nimbusds.jwt.SignedJWT dpop)
      throws Exception {
    TokenExchangeGrant grant =
        new TokenExchangeGrant(
            new TypelessAccessToken(subject),
            TokenTypeURI.ACCESS_TOKEN,
            new TypelessAccessToken(subAgent.toText()),
            TokenTypeURI.parse(TokenExchange.HOLDER_KEY_TYPE),
            null,
            null);
    HTTPRequest request =
        new TokenRequest.Builder(tokenUri, new ClientID("sub-agent-runner"), grant)
            .scope(Scope.parse(scope))
            .build()
            .toHTTPRequest();
    if (dpop != null) {
      request.setDPoP(dpop);
    }
    return request.send();
  }
}
