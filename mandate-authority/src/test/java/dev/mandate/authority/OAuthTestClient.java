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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OAuth client built with Nimbus (registration, authorization request, token requests) and a
 * browser for the consent pages (cookies on, redirects off, so each step can be looked at).
 */
final class OAuthTestClient {
  static final String REDIRECT = "http://127.0.0.1:9/callback";

  final String base;
  final HttpClient browser =
      HttpClient.newBuilder()
          .cookieHandler(new CookieManager())
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  OAuthTestClient(String base) {
    this.base = base;
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
    HttpResponse<String> page = get(authorize);
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    Map<String, String> form = hidden(page.body());
    form.put("username", user);
    form.put("password", password);
    return post("/oauth/authorize", form);
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
    return send(HttpRequest.newBuilder(uri).GET().build());
  }

  HttpResponse<String> post(String path, Map<String, String> form) {
    return post(path, encode(form));
  }

  HttpResponse<String> post(String path, String body) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return browser.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The hidden fields of a page's form. */
  static Map<String, String> hidden(String html) {
    return dev.mandate.testkit.ConsoleBrowser.hidden(html);
  }

  /**
   * Goes from the authorization URI through sign-in and consent as {@code user}, keeping every
   * offered permission; returns the redirect to the client.
   */
  AuthorizationResponse consent(
      URI authorize, String user, String password, Map<String, String> narrowing) throws Exception {
    HttpResponse<String> consent = signIn(authorize, user, password);
    assertThat(consent.statusCode()).as(consent.body()).isEqualTo(200);
    Map<String, String> approve = hidden(consent.body());
    approve.put("decision", "approve");
    approve.putAll(narrowing);
    StringBuilder body = new StringBuilder(encode(approve));
    if (!narrowing.containsKey("grant")) {
      Matcher m = Pattern.compile("name=\"grant\" value=\"(\\d+)\"").matcher(consent.body());
      while (m.find()) {
        body.append("&grant=").append(m.group(1));
      }
    }
    return redirected(post("/oauth/authorize", body.toString()));
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
    return dev.mandate.testkit.ConsoleBrowser.encode(form);
  }

  static Set<String> queryNames(URI uri) {
    return Set.copyOf(
        List.of(uri.getRawQuery().split("&")).stream().map(p -> p.split("=")[0]).toList());
  }
}
