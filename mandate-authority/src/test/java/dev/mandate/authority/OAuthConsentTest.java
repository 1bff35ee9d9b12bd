package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import dev.mandate.caveat.Caveat;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client asks for (scopes as grants, RFC 9396 {@code authorization_details} of type {@code
 * mandate}) and how the person narrows it on the consent page, down to the capability minted.
 */
class OAuthConsentTest {
  @TempDir Path tmp;
  private AuthorityServer authority;
  private AuthorityApi api;
  private OAuthTestClient client;
  private ClientID id;

  @BeforeEach
  void start() throws Exception {
    authority = OAuthFlowTest.start(tmp, "data", OAuthFlowTest.settings().build());
    api = AuthorityTests.api(authority);
    client = new OAuthTestClient(authority.url());
    id = client.register(OAuthTestClient.REDIRECT);
  }

  @AfterEach
  void stop() {
    authority.close();
  }

  @Test
  void authorizationDetails_carryConstrainedGrantsAndCallConstraints_intoTheCapability()
      throws Exception {
    String details =
        "[{\"type\":\"mandate\",\"constrainedGrants\":[{\"grant\":\"fs:write_file:/docs/**\","
            + "\"arguments\":[\"/size=range:0..100\"]}],\"arguments\":[\"/mode=range:0..7\"]}]";
    CodeVerifier verifier = new CodeVerifier();
    URI uri = withDetails(details, verifier);
    HttpResponse<String> page = client.get(uri);
    Map<String, String> form = OAuthTestClient.hidden(page.body());
    form.put("username", "alice");
    form.put("password", OAuthFlowTest.PASSWORD);
    HttpResponse<String> consent = client.post("/oauth/authorize", form);
    assertThat(consent.body())
        .contains("write_file")
        .contains("/docs/**")
        .contains("/size")
        .contains("On every call");

    Capability capability =
        capability(
            client.consent(
                withDetails(details, verifier),
                "alice",
                OAuthFlowTest.PASSWORD,
                Map.of("maxUses", "3", "approvers", "finance", "lifetime", "1h")),
            verifier);
    Block root = capability.blocks().get(0);
    Grant grant = root.grants().get(0);
    assertThat(grant.withoutCaveats().toString()).isEqualTo("fs:write_file:/docs/**");
    assertThat(grant.caveats()).hasSize(1);
    assertThat(root.caveats())
        .contains(new Caveat.MaxUses(3))
        .anyMatch(c -> c instanceof Caveat.ApprovalRequired)
        .anyMatch(c -> c instanceof Caveat.Argument a && a.toString().contains("/mode"));
  }

  @Test
  void thePerson_canDropAGrant() throws Exception {
    CodeVerifier verifier = new CodeVerifier();
    Capability capability =
        capability(
            client.consent(
                client.authorize(id, "fs:read_file:/docs/** fs:write_file:/docs/**", verifier),
                "alice",
                OAuthFlowTest.PASSWORD,
                Map.of("grant", "1")),
            verifier);
    assertThat(capability.blocks().get(0).grants())
        .extracting(Grant::toString)
        .containsExactly("fs:write_file:/docs/**");
  }

  @Test
  void noScope_offersThePersonsTemplates() throws Exception {
    CodeVerifier verifier = new CodeVerifier();
    Capability capability =
        capability(
            client.consent(
                client.authorize(id, null, verifier), "alice", OAuthFlowTest.PASSWORD, Map.of()),
            verifier);
    assertThat(capability.blocks().get(0).grants())
        .extracting(Grant::toString)
        .containsExactly("fs:read_file:/docs/**", "fs:write_file:/docs/**");
  }

  @Test
  void aGrantNotOffered_cannotBeSmuggledIntoTheConsent() throws Exception {
    HttpResponse<String> page =
        client.get(client.authorize(id, "fs:read_file:/docs/**", new CodeVerifier()));
    Map<String, String> form = OAuthTestClient.hidden(page.body());
    form.put("username", "alice");
    form.put("password", OAuthFlowTest.PASSWORD);
    Map<String, String> consent =
        OAuthTestClient.hidden(client.post("/oauth/authorize", form).body());
    consent.put("decision", "approve");
    consent.put("grant", "7");
    HttpResponse<String> r = client.post("/oauth/authorize", consent);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Location")).isEmpty();
  }

  @Test
  void otherDetailTypesAndMalformedGrants_areRefusedToTheClient() throws Exception {
    for (String details :
        List.of(
            "[{\"type\":\"payment_initiation\"}]",
            "[{\"type\":\"mandate\",\"grants\":[\"not a grant\"]}]",
            "[{\"type\":\"mandate\",\"unknown\":1}]")) {
      HttpResponse<String> r = client.get(withDetails(details, new CodeVerifier()));
      assertThat(r.statusCode()).as(details).isEqualTo(303);
      assertThat(OAuthTestClient.errorCode(r))
          .as(details)
          .isEqualTo("invalid_authorization_details");
    }
  }

  @Test
  void aConsolePerson_signsInToConsent_andGrantsTheirPolicyClientsRights() throws Exception {
    api.createPerson("carol", OAuthFlowTest.PASSWORD, "approver", List.of(), "alice-agents");
    api.createPerson("dan", OAuthFlowTest.PASSWORD, "operator", List.of(), null);
    CodeVerifier verifier = new CodeVerifier();

    Capability capability =
        capability(
            client.consent(
                client.authorize(id, "fs:read_file:/docs/**", verifier),
                "carol",
                OAuthFlowTest.PASSWORD,
                Map.of()),
            verifier);
    HttpResponse<String> wrong =
        client.signIn(
            client.authorize(id, "fs:read_file:/docs/**", new CodeVerifier()), "carol", "wrong");
    HttpResponse<String> noClient =
        client.signIn(
            client.authorize(id, "fs:read_file:/docs/**", new CodeVerifier()),
            "dan",
            OAuthFlowTest.PASSWORD);

    assertThat(capability.blocks().get(0).grants())
        .extracting(Grant::toString)
        .containsExactly("fs:read_file:/docs/**");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(OAuthTestClient.errorCode(noClient)).isEqualTo("access_denied");
    JsonNode audit = api.get("/v1/audit?limit=1000", api.admin()).expect(200).get("records");
    assertThat(audit.findValuesAsText("type")).contains("signin", "signin.failed", "oauth.consent");
  }

  @Test
  void aConsolePersonWithTotp_needsTheCodeOnTheConsentPageToo() throws Exception {
    api.createPerson("erin", OAuthFlowTest.PASSWORD, "approver", List.of(), "alice-agents");
    String uri =
        api.post("/v1/people/erin/totp", "", api.admin()).expect(200).get("otpauthUri").asText();
    byte[] secret =
        com.google.common.io.BaseEncoding.base32()
            .decode(uri.replaceAll(".*[?&]secret=([A-Z2-7]+).*", "$1"));

    HttpResponse<String> without =
        client.signIn(
            client.authorize(id, "fs:read_file:/docs/**", new CodeVerifier()),
            "erin",
            OAuthFlowTest.PASSWORD);
    HttpResponse<String> page =
        client.get(client.authorize(id, "fs:read_file:/docs/**", new CodeVerifier()));
    Map<String, String> form = OAuthTestClient.hidden(page.body());
    form.put("username", "erin");
    form.put("password", OAuthFlowTest.PASSWORD);
    form.put("code", new Totp().code(secret, AuthorityTests.NOW));
    HttpResponse<String> with = client.post("/oauth/authorize", form);

    assertThat(without.statusCode()).isEqualTo(401);
    assertThat(with.statusCode()).as(with.body()).isEqualTo(200);
    assertThat(with.body()).contains("Signed in as <strong>erin</strong>");
  }

  private URI withDetails(String details, CodeVerifier verifier) throws Exception {
    List<AuthorizationDetail> parsed = AuthorizationDetail.parseList(details);
    return new AuthorizationRequest.Builder(ResponseType.CODE, id)
        .endpointURI(URI.create(authority.url() + "/oauth/authorize"))
        .redirectionURI(URI.create(OAuthTestClient.REDIRECT))
        .state(new State())
        .codeChallenge(verifier, CodeChallengeMethod.S256)
        .resource(URI.create(OAuthFlowTest.RESOURCE))
        .authorizationDetails(parsed)
        .build()
        .toURI();
  }

  private Capability capability(AuthorizationResponse r, CodeVerifier verifier) throws Exception {
    TokenResponse t =
        client.exchange(
            id,
            r.toSuccessResponse().getAuthorizationCode(),
            OAuthTestClient.REDIRECT,
            verifier,
            null);
    assertThat(t.indicatesSuccess()).as(String.valueOf(t)).isTrue();
    return Capability.decode(t.toSuccessResponse().getTokens().getAccessToken().getValue());
  }
}
