package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.client.ClientInformation;
import com.nimbusds.oauth2.sdk.client.ClientInformationResponse;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import dev.mandate.testkit.ConsentBrowser;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OAuth client built with Nimbus (registration, authorization request, token requests) and a
 * person's browser for the consent pages ({@link ConsentBrowser}).
 */
final class OAuthTestClient {
  static final String REDIRECT = "http://127.0.0.1:9/callback";

  final String base;
  final ConsentBrowser browser;

  OAuthTestClient(String base) {
    this.base = base;
    this.browser = new ConsentBrowser(base);
  }

  /** Registers a public client with one redirect URI (RFC 7591). */
  ClientID register(String redirect) throws Exception {
    ClientMetadata metadata = new ClientMetadata();
    metadata.setRedirectionURI(URI.create(redirect));
    metadata.setName("Test client");
    ClientRegistrationResponse response =
        ClientRegistrationResponse.parse(
            new ClientRegistrationRequest(URI.create(base + "/oauth/register"), metadata, null)
                .toHTTPRequest()
                .send());
    assertThat(response.indicatesSuccess()).as("registration").isTrue();
    ClientInformation info = ((ClientInformationResponse) response).getClientInformation();
    return info.getID();
  }

  /** The authorization request URI, PKCE S256 with {@code verifier}. */
  URI authorizationUri(
      ClientID client,
      String redirect,
      String scope,
      String resource,
      State state,
      CodeVerifier verifier) {
    AuthorizationRequest.Builder b =
        new AuthorizationRequest.Builder(ResponseType.CODE, client)
            .endpointURI(URI.create(base + "/oauth/authorize"))
            .redirectionURI(URI.create(redirect))
            .state(state)
            .codeChallenge(verifier, CodeChallengeMethod.S256);
    if (scope != null) {
      b.scope(Scope.parse(scope));
    }
    if (resource != null) {
      b.resource(URI.create(resource));
    }
    return b.build().toURI();
  }

  /** The authorization URI for the test resource, the registered redirect and a fresh state. */
  URI authorize(ClientID client, String scope, CodeVerifier verifier) {
    return authorizationUri(client, REDIRECT, scope, OAuthFlowTest.RESOURCE, new State(), verifier);
  }

  /** Opens the authorization URI and signs in: the consent page, or a redirect to the client. */
  HttpResponse<String> signIn(URI authorize, String user, String password) {
    return browser.signIn(authorize, user, password);
  }

  /** The authorization response a redirect to the client carries. */
  static AuthorizationResponse redirected(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    return AuthorizationResponse.parse(
        URI.create(r.headers().firstValue("Location").orElseThrow()));
  }

  /** The error code of a redirect to the client. */
  static String errorCode(HttpResponse<String> r) throws Exception {
    return ((com.nimbusds.oauth2.sdk.AuthorizationErrorResponse) redirected(r))
        .getErrorObject()
        .getCode();
  }

  /** A code exchange with a DPoP proof by {@code proofs}' key. */
  TokenResponse exchangeWithDPoP(
      ClientID client,
      AuthorizationCode code,
      CodeVerifier verifier,
      com.nimbusds.oauth2.sdk.dpop.DPoPProofFactory proofs)
      throws Exception {
    URI tokenUri = URI.create(base + "/oauth/token");
    com.nimbusds.oauth2.sdk.http.HTTPRequest request =
        new TokenRequest.Builder(
                tokenUri, client, new AuthorizationCodeGrant(code, URI.create(REDIRECT), verifier))
            .build()
            .toHTTPRequest();
    request.setDPoP(proofs.createDPoPJWT("POST", tokenUri));
    return TokenResponse.parse(request.send());
  }

  HttpResponse<String> get(URI uri) {
    return browser.get(uri);
  }

  HttpResponse<String> post(String path, Map<String, String> form) {
    return browser.post(path, form);
  }

  HttpResponse<String> post(String path, String body) {
    return browser.post(path, body);
  }

  /** The hidden fields of a page's form. */
  static Map<String, String> hidden(String html) {
    return ConsentBrowser.hidden(html);
  }

  /**
   * Goes from the authorization URI through sign-in and consent as {@code user}, keeping every
   * offered permission; returns the redirect to the client.
   */
  AuthorizationResponse consent(
      URI authorize, String user, String password, Map<String, String> narrowing) throws Exception {
    return AuthorizationResponse.parse(browser.consent(authorize, user, password, narrowing));
  }

  /** Sends a token request with Nimbus and parses the answer. */
  TokenResponse token(ClientID client, AuthorizationGrant grant, String resource) throws Exception {
    TokenRequest.Builder b =
        new TokenRequest.Builder(URI.create(base + "/oauth/token"), client, grant);
    if (resource != null) {
      b.resources(URI.create(resource));
    }
    return TokenResponse.parse(b.build().toHTTPRequest().send());
  }

  TokenResponse exchange(
      ClientID client, AuthorizationCode code, String redirect, CodeVerifier v, String resource)
      throws Exception {
    return token(client, new AuthorizationCodeGrant(code, URI.create(redirect), v), resource);
  }

  static String encode(Map<String, String> form) {
    return ConsentBrowser.encode(form);
  }

  static Set<String> queryNames(URI uri) {
    return Set.copyOf(
        List.of(uri.getRawQuery().split("&")).stream().map(p -> p.split("=")[0]).toList());
  }
}
