package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.dpop.DPoPProofFactory;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import dev.mandate.caveat.Caveat;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authority as an OAuth 2.1 authorization server, over real HTTP, driven by a client built with
 * Nimbus: metadata, registration, code + PKCE with consent, the capability it mints, refresh
 * rotation and revocation, and the hostile cases (redirect URI, PKCE, code replay, CSRF, issuer).
 */
class OAuthFlowTest {
  static final String RESOURCE = "http://127.0.0.1:9/mcp/fs";
  static final String PASSWORD = "correct horse battery staple";
  static final String POLICY =
      """
      version: 1
      clients:
        admin:
          grants: ["fs:read_text_file:/data/**"]
          maxTtl: 1h
        alice-agents:
          grants: ["fs:read_file:/docs/**", "fs:write_file:/docs/**"]
          maxTtl: 1h
      """;
  static final String PASSWORD_HASH = OAuthSettings.hashPassword(PASSWORD);

  @TempDir Path tmp;
  private AuthorityServer authority;
  private AuthorityApi api;
  private OAuthTestClient client;

  static OAuthSettings.Builder settings() {
    return OAuthSettings.builder()
        .resource("http://127.0.0.1:9/mcp", "gw-1")
        .person(new OAuthSettings.Person("alice", PASSWORD_HASH, "alice-agents"))
        .allowHttpLoopbackClientMetadata(true)
        .clientMetadataTimeout(java.time.Duration.ofSeconds(3));
  }

  static AuthorityServer start(Path tmp, String dir, OAuthSettings settings) throws Exception {
    Files.writeString(tmp.resolve("policy.yaml"), POLICY);
    AuthorityServer a =
        AuthorityServer.start(AuthorityTests.config(tmp, dir).oauth(settings).build());
    AuthorityApi api = AuthorityTests.api(a);
    api.createClient(api.admin(), "alice-agents");
    return a;
  }

  @BeforeEach
  void start() throws Exception {
    authority = start(tmp, "data", settings().build());
    api = AuthorityTests.api(authority);
    client = new OAuthTestClient(authority.url());
  }

  @AfterEach
  void stop() {
    authority.close();
  }

  @Test
  void metadata_namesTheEndpointsAndOnlyS256() throws Exception {
    AuthorizationServerMetadata m =
        AuthorizationServerMetadata.parse(
            api.get("/.well-known/oauth-authorization-server").body());
    assertThat(m.getIssuer().getValue()).isEqualTo(authority.url());
    assertThat(m.getAuthorizationEndpointURI())
        .isEqualTo(URI.create(authority.url() + "/oauth/authorize"));
    assertThat(m.getTokenEndpointURI()).isEqualTo(URI.create(authority.url() + "/oauth/token"));
    assertThat(m.getRegistrationEndpointURI()).isNotNull();
    assertThat(m.getCodeChallengeMethods()).extracting(Object::toString).containsExactly("S256");
    assertThat(m.supportsAuthorizationResponseIssuerParam()).isTrue();
  }

  @Test
  void codeFlow_mintsAnAudienceBoundCapabilityOfTheConsentedGrants() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    CodeVerifier verifier = new CodeVerifier();
    State state = new State();
    AuthorizationResponse response =
        client.consent(
            client.authorizationUri(
                id,
                OAuthTestClient.REDIRECT,
                "fs:read_file:/docs/** fs:write_file:/docs/**",
                RESOURCE,
                state,
                verifier),
            "alice",
            PASSWORD,
            Map.of("grant", "0", "lifetime", "1d", "maxUses", "5"));
    assertThat(response.indicatesSuccess()).isTrue();
    assertThat(response.getState()).isEqualTo(state);
    assertThat(response.getIssuer().getValue()).isEqualTo(authority.url());

    TokenResponse tokens =
        client.exchange(
            id,
            response.toSuccessResponse().getAuthorizationCode(),
            OAuthTestClient.REDIRECT,
            verifier,
            RESOURCE);
    assertThat(tokens.indicatesSuccess()).as(String.valueOf(tokens)).isTrue();
    AccessTokenResponse ok = tokens.toSuccessResponse();
    Capability capability = Capability.decode(ok.getTokens().getAccessToken().getValue());
    Block root = capability.blocks().get(0);
    assertThat(root.grants()).extracting(Grant::toString).containsExactly("fs:read_file:/docs/**");
    assertThat(root.caveats())
        .contains(new Caveat.Audience(List.of("gw-1")), new Caveat.MaxUses(5));
    assertThat(ok.getTokens().getAccessToken().getLifetime()).isEqualTo(15 * 60);
    assertThat(ok.getTokens().getRefreshToken()).isNotNull();

    JsonNode mint = lastMint();
    assertThat(mint.get("detail").get("oauthClient").asText()).isEqualTo(id.getValue());
    assertThat(mint.get("detail").get("person").asText()).isEqualTo("alice");
  }

  @Test
  void refreshTokens_rotate_andAReusedOneRevokesTheAuthorization() throws Exception {
    Flow f = flow();
    RefreshToken first = f.tokens.getTokens().getRefreshToken();
    TokenResponse second = client.token(f.client, new RefreshTokenGrant(first), null);
    assertThat(second.indicatesSuccess()).isTrue();
    RefreshToken next = second.toSuccessResponse().getTokens().getRefreshToken();
    assertThat(next.getValue()).isNotEqualTo(first.getValue());

    TokenResponse reused = client.token(f.client, new RefreshTokenGrant(first), null);
    assertThat(reused.indicatesSuccess()).isFalse();
    assertThat(((TokenErrorResponse) reused).getErrorObject().getCode()).isEqualTo("invalid_grant");
    // The rotated one dies with the authorization, and both capabilities are in the feed.
    assertThat(client.token(f.client, new RefreshTokenGrant(next), null).indicatesSuccess())
        .isFalse();
    List<String> revoked = revokedIds();
    assertThat(revoked)
        .contains(
            Capability.decode(f.tokens.getTokens().getAccessToken().getValue())
                .revocationIds()
                .get(0),
            Capability.decode(second.toSuccessResponse().getTokens().getAccessToken().getValue())
                .revocationIds()
                .get(0));
  }

  @Test
  void registeredClientsAndRefreshTokenFamilies_surviveARestart() throws Exception {
    Flow f = flow();
    RefreshToken first = f.tokens.getTokens().getRefreshToken();
    restart();
    TokenResponse refreshed = client.token(f.client, new RefreshTokenGrant(first), null);
    assertThat(refreshed.indicatesSuccess()).as(String.valueOf(refreshed)).isTrue();
    RefreshToken next = refreshed.toSuccessResponse().getTokens().getRefreshToken();
    // The registered client is still known: its authorization request shows the sign-in page.
    HttpResponse<String> page =
        client.get(client.authorize(f.client, "fs:read_file:/docs/**", new CodeVerifier()));
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);

    // After another restart, the retired token's reuse is still recognised and ends the family.
    restart();
    TokenResponse reused = client.token(f.client, new RefreshTokenGrant(first), null);
    assertThat(((TokenErrorResponse) reused).getErrorObject().getCode()).isEqualTo("invalid_grant");
    assertThat(client.token(f.client, new RefreshTokenGrant(next), null).indicatesSuccess())
        .isFalse();
    assertThat(revokedIds())
        .contains(
            Capability.decode(refreshed.toSuccessResponse().getTokens().getAccessToken().getValue())
                .revocationIds()
                .get(0));
  }

  /** Stops the authority and starts it again on the same data (on another port). */
  private void restart() throws Exception {
    authority.close();
    authority =
        AuthorityServer.start(AuthorityTests.config(tmp, "data").oauth(settings().build()).build());
    api = AuthorityTests.api(authority);
    client = new OAuthTestClient(authority.url());
  }

  @Test
  void refreshToken_stopsWhenAnAdminRevokesTheAuthorization() throws Exception {
    Flow f = flow();
    String authorizationId = lastMint().get("detail").get("authorization").asText();
    api.revoke(api.admin(), null, authorizationId, "ended by admin");
    TokenResponse refused =
        client.token(f.client, new RefreshTokenGrant(f.tokens.getTokens().getRefreshToken()), null);
    assertThat(refused.indicatesSuccess()).isFalse();
  }

  @Test
  void codeReplay_isRefused_andRevokesWhatTheCodeIssued() throws Exception {
    Flow f = flow();
    TokenResponse replay =
        client.exchange(f.client, f.code, OAuthTestClient.REDIRECT, f.verifier, null);
    assertThat(replay.indicatesSuccess()).isFalse();
    assertThat(((TokenErrorResponse) replay).getErrorObject().getCode()).isEqualTo("invalid_grant");
    String issued =
        Capability.decode(f.tokens.getTokens().getAccessToken().getValue()).revocationIds().get(0);
    assertThat(revokedIds()).contains(issued);
    assertThat(
            client
                .token(
                    f.client, new RefreshTokenGrant(f.tokens.getTokens().getRefreshToken()), null)
                .indicatesSuccess())
        .isFalse();
  }

  @Test
  void wrongVerifier_isRefused() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationResponse r = consent(id, verifier, "fs:read_file:/docs/**");
    TokenResponse t =
        client.exchange(
            id,
            r.toSuccessResponse().getAuthorizationCode(),
            OAuthTestClient.REDIRECT,
            new CodeVerifier(),
            null);
    assertThat(((TokenErrorResponse) t).getErrorObject().getCode()).isEqualTo("invalid_grant");
  }

  @Test
  void tokenRequest_withoutVerifier_orForAnotherRedirectUri_isRefused() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    CodeVerifier verifier = new CodeVerifier();
    String code =
        consent(id, verifier, "fs:read_file:/docs/**")
            .toSuccessResponse()
            .getAuthorizationCode()
            .getValue();
    // A PKCE downgrade at the token endpoint: the code without its verifier.
    HttpResponse<String> noVerifier =
        client.post(
            "/oauth/token",
            Map.of(
                "grant_type",
                "authorization_code",
                "code",
                code,
                "redirect_uri",
                OAuthTestClient.REDIRECT,
                "client_id",
                id.getValue()));
    assertThat(noVerifier.statusCode()).isEqualTo(400);
    assertThat(noVerifier.body()).contains("invalid_grant").doesNotContain("mnd1_");

    CodeVerifier second = new CodeVerifier();
    AuthorizationResponse r = consent(id, second, "fs:read_file:/docs/**");
    TokenResponse elsewhere =
        client.exchange(
            id,
            r.toSuccessResponse().getAuthorizationCode(),
            "http://127.0.0.1:9/other",
            second,
            null);
    assertThat(((TokenErrorResponse) elsewhere).getErrorObject().getCode())
        .isEqualTo("invalid_grant");
  }

  @Test
  void consentStep_withoutCsrfToken_orFromAnotherBrowser_isRefused() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    HttpResponse<String> consentPage =
        client.signIn(
            client.authorize(id, "fs:read_file:/docs/**", new CodeVerifier()), "alice", PASSWORD);
    assertThat(consentPage.statusCode()).isEqualTo(200);
    Map<String, String> form = OAuthTestClient.hidden(consentPage.body());
    form.put("decision", "approve");
    form.put("grant", "0");
    Map<String, String> forged = new HashMap<>(form);
    forged.put("csrf", "not-the-token");
    assertThat(client.post("/oauth/authorize", forged).statusCode()).isEqualTo(403);
    HttpResponse<String> otherBrowser =
        new OAuthTestClient(authority.url()).post("/oauth/authorize", form);
    assertThat(otherBrowser.statusCode()).isEqualTo(403);
    assertThat(otherBrowser.headers().firstValue("Location")).isEmpty();
    // The person's own browser can still decide: the refused posts did not use the request up.
    HttpResponse<String> decided = client.post("/oauth/authorize", form);
    assertThat(OAuthTestClient.redirected(decided).indicatesSuccess()).isTrue();
  }

  @Test
  void mismatchedRedirectUri_isShownToThePerson_neverRedirected() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    for (String redirect :
        List.of(
            "http://127.0.0.1:9/callback/../evil",
            "http://127.0.0.1:9/callbacK",
            "http://127.0.0.1:9/callback?x=1",
            "https://attacker.example/callback")) {
      HttpResponse<String> page =
          client.get(
              client.authorizationUri(
                  id,
                  redirect,
                  "fs:read_file:/docs/**",
                  RESOURCE,
                  new State(),
                  new CodeVerifier()));
      assertThat(page.statusCode()).as(redirect).isEqualTo(400);
      assertThat(page.headers().firstValue("Location")).isEmpty();
      assertThat(page.body()).contains("redirect URI");
    }
  }

  @Test
  void pkceMissingOrPlain_isRefusedToTheClient() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    String base =
        authority.url()
            + "/oauth/authorize?response_type=code&client_id="
            + id.getValue()
            + "&redirect_uri="
            + java.net.URLEncoder.encode(OAuthTestClient.REDIRECT, "UTF-8")
            + "&state=s1&scope=fs:read_file:/docs/**";
    for (String pkce :
        List.of(
            "",
            "&code_challenge=" + "a".repeat(43),
            "&code_challenge=" + "a".repeat(43) + "&code_challenge_method=plain")) {
      HttpResponse<String> r = client.get(URI.create(base + pkce));
      assertThat(r.statusCode()).as(pkce).isEqualTo(303);
      AuthorizationResponse parsed =
          AuthorizationResponse.parse(URI.create(r.headers().firstValue("Location").orElseThrow()));
      assertThat(parsed.indicatesSuccess()).isFalse();
      assertThat(((AuthorizationErrorResponse) parsed).getErrorObject().getCode())
          .isEqualTo("invalid_request");
      assertThat(parsed.getIssuer().getValue()).isEqualTo(authority.url());
      assertThat(parsed.getState().getValue()).isEqualTo("s1");
    }
  }

  @Test
  void consentPost_withoutCsrfTokenOrCookie_isRefused() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    HttpResponse<String> page =
        client.get(client.authorize(id, "fs:read_file:/docs/**", new CodeVerifier()));
    Map<String, String> form = OAuthTestClient.hidden(page.body());
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("frame-ancestors 'none'")
        .contains("default-src 'none'");
    assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");

    Map<String, String> noCsrf = new HashMap<>(form);
    noCsrf.remove("csrf");
    noCsrf.put("username", "alice");
    noCsrf.put("password", PASSWORD);
    assertThat(client.post("/oauth/authorize", noCsrf).statusCode()).isEqualTo(403);

    // Another browser (no cookie) with the right token is refused too.
    OAuthTestClient other = new OAuthTestClient(authority.url());
    Map<String, String> withCsrf = new HashMap<>(form);
    withCsrf.put("username", "alice");
    withCsrf.put("password", PASSWORD);
    assertThat(other.post("/oauth/authorize", withCsrf).statusCode()).isEqualTo(403);
  }

  @Test
  void wrongPassword_showsSignInAgain_andGrantsNothing() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    HttpResponse<String> page =
        client.get(client.authorize(id, "fs:read_file:/docs/**", new CodeVerifier()));
    Map<String, String> form = OAuthTestClient.hidden(page.body());
    form.put("username", "alice");
    form.put("password", "wrong");
    HttpResponse<String> again = client.post("/oauth/authorize", form);
    assertThat(again.statusCode()).isEqualTo(401);
    assertThat(again.body()).contains("wrong").doesNotContain("name=\"grant\"");
  }

  @Test
  void askingBeyondThePolicy_isRefusedBeforeConsent() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    HttpResponse<String> r =
        client.signIn(
            client.authorize(id, "fs:delete_file:/docs/**", new CodeVerifier()), "alice", PASSWORD);
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(OAuthTestClient.errorCode(r)).isEqualTo("invalid_scope");
  }

  @Test
  void refusal_redirectsAccessDenied() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    HttpResponse<String> page =
        client.get(client.authorize(id, "fs:read_file:/docs/**", new CodeVerifier()));
    Map<String, String> form = OAuthTestClient.hidden(page.body());
    form.put("username", "alice");
    form.put("password", PASSWORD);
    Map<String, String> consent =
        OAuthTestClient.hidden(client.post("/oauth/authorize", form).body());
    consent.put("decision", "deny");
    HttpResponse<String> r = client.post("/oauth/authorize", consent);
    assertThat(OAuthTestClient.errorCode(r)).isEqualTo("access_denied");
  }

  @Test
  void unknownResource_isInvalidTarget() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    HttpResponse<String> r =
        client.get(
            client.authorizationUri(
                id,
                OAuthTestClient.REDIRECT,
                "fs:read_file:/docs/**",
                "http://127.0.0.1:9/mcpx",
                new State(),
                new CodeVerifier()));
    assertThat(OAuthTestClient.errorCode(r)).isEqualTo("invalid_target");
  }

  @Test
  void mixedUpIssuer_codeOfOneAuthorityIsWorthlessAtAnother_andIssSaysWhoAnswered()
      throws Exception {
    try (AuthorityServer other = start(tmp, "other", settings().build())) {
      Flow f = flow();
      AuthorizationServerMetadata otherMetadata =
          AuthorizationServerMetadata.parse(
              AuthorityTests.api(other).get("/.well-known/oauth-authorization-server").body());
      // A client that believes it talks to the other authority sees the mix-up (RFC 9207).
      assertThat(f.response.getIssuer()).isNotEqualTo(otherMetadata.getIssuer());
      OAuthTestClient atOther = new OAuthTestClient(other.url());
      TokenResponse t =
          atOther.exchange(f.client, f.code, OAuthTestClient.REDIRECT, f.verifier, null);
      assertThat(t.indicatesSuccess()).isFalse();
    }
  }

  @Test
  void registration_refusesUnsafeRedirectUris() throws Exception {
    for (String body :
        List.of(
            "{\"redirect_uris\":[\"javascript:alert(1)\"]}",
            "{\"redirect_uris\":[\"http://evil.example/cb\"]}",
            "{\"redirect_uris\":[\"https://ok.example/cb#frag\"]}",
            "{\"redirect_uris\":[]}",
            "{\"redirect_uris\":[\"https://ok.example/cb\"],\"grant_types\":[\"password\"]}")) {
      HTTPRequest r =
          new HTTPRequest(HTTPRequest.Method.POST, URI.create(authority.url() + "/oauth/register"));
      r.setContentType("application/json");
      r.setBody(body);
      var response = r.send();
      assertThat(response.getStatusCode()).as(body).isEqualTo(400);
      assertThat(response.getBodyAsJSONObject().get("error")).isEqualTo("invalid_client_metadata");
    }
  }

  @Test
  void dpopProofAtTheTokenEndpoint_bindsTheCapabilityAndTheRefreshTokenToThatKey()
      throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationResponse r = consent(id, verifier, "fs:read_file:/docs/**");
    ECKey key = new ECKeyGenerator(Curve.P_256).generate();
    DPoPProofFactory proofs = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
    URI tokenUri = URI.create(authority.url() + "/oauth/token");
    AccessTokenResponse ok =
        client
            .exchangeWithDPoP(id, r.toSuccessResponse().getAuthorizationCode(), verifier, proofs)
            .toSuccessResponse();
    assertThat(ok.getTokens().getAccessToken().getType().getValue()).isEqualTo("DPoP");
    Capability capability = Capability.decode(ok.getTokens().getAccessToken().getValue());
    assertThat(capability.holderKeyId()).contains("jkt:" + key.computeThumbprint().toString());

    // Refreshing needs a proof by the same key.
    RefreshToken refresh = ok.getTokens().getRefreshToken();
    TokenResponse without = client.token(id, new RefreshTokenGrant(refresh), null);
    assertThat(((TokenErrorResponse) without).getErrorObject().getCode())
        .isEqualTo("invalid_dpop_proof");
    HTTPRequest again =
        new TokenRequest.Builder(tokenUri, id, new RefreshTokenGrant(refresh))
            .build()
            .toHTTPRequest();
    again.setDPoP(proofs.createDPoPJWT("POST", tokenUri));
    AccessTokenResponse refreshed = TokenResponse.parse(again.send()).toSuccessResponse();
    assertThat(Capability.decode(refreshed.getTokens().getAccessToken().getValue()).holderKeyId())
        .isEqualTo(capability.holderKeyId());
  }

  @Test
  void dpopProofForAnotherEndpoint_isRefused() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationResponse r = consent(id, verifier, "fs:read_file:/docs/**");
    DPoPProofFactory proofs =
        new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);
    URI tokenUri = URI.create(authority.url() + "/oauth/token");
    HTTPRequest request =
        new TokenRequest.Builder(
                tokenUri,
                id,
                new AuthorizationCodeGrant(
                    r.toSuccessResponse().getAuthorizationCode(),
                    URI.create(OAuthTestClient.REDIRECT),
                    verifier))
            .build()
            .toHTTPRequest();
    request.setDPoP(proofs.createDPoPJWT("POST", URI.create("https://elsewhere.example/token")));
    TokenResponse t = TokenResponse.parse(request.send());
    assertThat(((TokenErrorResponse) t).getErrorObject().getCode()).isEqualTo("invalid_dpop_proof");
  }

  // ---- helpers ----

  record Flow(
      ClientID client,
      CodeVerifier verifier,
      com.nimbusds.oauth2.sdk.AuthorizationCode code,
      AuthorizationSuccessResponse response,
      AccessTokenResponse tokens) {}

  private Flow flow() throws Exception {
    ClientID id = client.register(OAuthTestClient.REDIRECT);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationResponse r = consent(id, verifier, "fs:read_file:/docs/**");
    AuthorizationSuccessResponse ok = r.toSuccessResponse();
    TokenResponse t =
        client.exchange(id, ok.getAuthorizationCode(), OAuthTestClient.REDIRECT, verifier, null);
    assertThat(t.indicatesSuccess()).as(String.valueOf(t)).isTrue();
    return new Flow(id, verifier, ok.getAuthorizationCode(), ok, t.toSuccessResponse());
  }

  private AuthorizationResponse consent(ClientID id, CodeVerifier verifier, String scope)
      throws Exception {
    return client.consent(
        client.authorize(id, scope, verifier), "alice", PASSWORD, Map.of("lifetime", "1d"));
  }

  private JsonNode lastMint() {
    JsonNode last = null;
    for (JsonNode r : api.get("/v1/audit?limit=1000", api.admin()).expect(200).get("records")) {
      if (r.get("type").asText().equals("mint")) {
        last = r;
      }
    }
    assertThat(last).as("a mint record").isNotNull();
    return last;
  }

  private List<String> revokedIds() {
    JsonNode feed = api.get("/v1/revocations?since=0").expect(200);
    List<String> ids = new ArrayList<>();
    feed.get("entries").forEach(e -> ids.add(e.get("revocationId").asText()));
    if (feed.hasNonNull("snapshot")) {
      feed.get("snapshot").forEach(e -> ids.add(e.asText()));
    }
    return ids;
  }
}
