package dev.mandate.authority;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.rar.AuthorizationType;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The authority as an OAuth 2.1 authorization server (docs/design.md, "OAuth"): its metadata (RFC
 * 8414, {@code GET /.well-known/oauth-authorization-server}), dynamic client registration (RFC
 * 7591, {@code POST /oauth/register}), the authorization endpoint ({@link OAuthFlow}) and the token
 * endpoint ({@link OAuthTokens}). All are public routes: a person authenticates on the consent
 * page, a client by PKCE.
 */
final class OAuthEndpoints extends Endpoints implements AutoCloseable {
  static final String METADATA = "/.well-known/oauth-authorization-server";
  static final String REGISTER = "/oauth/register";

  /**
   * What the OAuth routes share besides the authority's parts.
   *
   * @param issuer the issuer identifier, the configured one or the authority's own URL
   * @param authenticator checks passwords of the settings file's people under its bounds
   * @param signIn checks the sign-in of people in the store
   * @param minting judges and mints what a person consents to
   */
  record OAuthParts(
      OAuthSettings settings,
      Supplier<URI> issuer,
      ClientAuthenticator authenticator,
      SignIn signIn,
      CapabilityEndpoints minting) {}

  private final OAuthSettings settings;
  private final Supplier<URI> issuer;
  private final OAuthClients clients;
  private final OAuthFlow flow;
  private final OAuthTokens tokens;

  OAuthEndpoints(Parts parts, OAuthParts oauth) {
    super(parts);
    this.settings = oauth.settings();
    this.issuer = oauth.issuer();
    this.clients = new OAuthClients(settings, store, random);
    this.flow = new OAuthFlow(parts, oauth, clients);
    this.tokens = new OAuthTokens(parts, oauth, flow);
  }

  @Override
  List<Route> routes() {
    List<Route> routes = new ArrayList<>();
    routes.add(new Route("GET", METADATA, Route.Access.PUBLIC, this::metadata));
    routes.addAll(flow.routes());
    routes.addAll(tokens.routes());
    if (settings.dynamicRegistration()) {
      routes.add(new Route("POST", REGISTER, Route.Access.PUBLIC, this::register));
    }
    return routes;
  }

  private CompletionStage<Reply> metadata(Call call) {
    URI base = issuer.get();
    AuthorizationServerMetadata m = new AuthorizationServerMetadata(new Issuer(base));
    m.setAuthorizationEndpointURI(URI.create(base + OAuthFlow.AUTHORIZE));
    m.setTokenEndpointURI(URI.create(base + OAuthTokens.TOKEN));
    if (settings.dynamicRegistration()) {
      m.setRegistrationEndpointURI(URI.create(base + REGISTER));
    }
    m.setResponseTypes(List.of(ResponseType.CODE));
    m.setResponseModes(List.of(ResponseMode.QUERY));
    m.setGrantTypes(
        List.of(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN, GrantType.TOKEN_EXCHANGE));
    m.setCodeChallengeMethods(List.of(CodeChallengeMethod.S256));
    m.setTokenEndpointAuthMethods(List.of(ClientAuthenticationMethod.NONE));
    m.setSupportsAuthorizationResponseIssuerParam(true);
    m.setAuthorizationDetailsTypes(List.of(new AuthorizationType(OAuthFlow.MANDATE_DETAIL)));
    var json = m.toJSONObject();
    json.put("client_id_metadata_document_supported", true);
    return CompletableFuture.completedFuture(
        new Reply(
            200,
            new Reply.Text("application/json", json.toJSONString()),
            Map.of("Cache-Control", "max-age=300")));
  }

  private CompletionStage<Reply> register(Call call) {
    String body = call.jsonBody();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Cache-Control", "no-store");
    try {
      var info = clients.register(body, clock.instant().getEpochSecond());
      audit.record(
          "oauth.register",
          "oauth",
          null,
          null,
          Map.of("oauthClient", info.get("client_id"), "redirectUris", info.get("redirect_uris")));
      return CompletableFuture.completedFuture(
          new Reply(201, new Reply.Text("application/json", info.toJSONString()), headers));
    } catch (OAuthClients.Rejected e) {
      var error = new net.minidev.json.JSONObject();
      error.put("error", "invalid_client_metadata");
      error.put("error_description", OAuthFlow.description(e.getMessage()));
      return CompletableFuture.completedFuture(
          new Reply(400, new Reply.Text("application/json", error.toJSONString()), headers));
    }
  }

  @Override
  public void close() {
    clients.close();
  }
}
