package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.client.ClientInformationResponse;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationErrorResponse;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The capability {@code mandate proxy --oauth} presents: obtained by the OAuth authorization code
 * flow with PKCE (S256) from the authorization server the gateway names in its protected-resource
 * metadata (RFC 9728), after a person signs in and consents in their browser; bound to the proxy's
 * own DPoP key (an EC P-256 key, RFC 9449), so the capability is worthless without it; and renewed
 * before it expires with the refresh token, which the authority rotates on every use. Each request
 * to the gateway carries the capability and a DPoP proof over exactly that request.
 *
 * <p>With a store file ({@code --oauth-store}), the key, the client's registration and the current
 * refresh token are kept there (mode 0600, replaced atomically at each rotation), so the next run
 * refreshes instead of asking the person again. Neither the key nor any token is ever printed.
 * Thread-safe.
 */
final class OAuthCapability implements McpRelay.Presenter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_STORE_BYTES = 64 * 1024;
  private static final int TIMEOUT_MS = 10_000;

  /**
   * What the flow needs from the command line.
   *
   * @param gateway the gateway's MCP endpoint: the resource asked for
   * @param scopes the scopes to ask for; empty for the gateway's {@code scopes_supported}
   * @param store where to keep the key and refresh token, or null for memory only
   * @param openBrowser whether to open the authorization URL in the person's browser
   * @param consentTimeout how long to wait for the person
   * @param redirectPort the loopback port of the redirect listener (0: any free port)
   */
  record Options(
      URI gateway,
      List<String> scopes,
      Path store,
      boolean openBrowser,
      Duration consentTimeout,
      int redirectPort) {}

  private final Options options;
  private final PrintWriter err;
  private final Clock clock;
  private final AuthorizationServerMetadata server;
  private final URI resource;
  private final ECKey key;
  private final DefaultDPoPProofFactory proofs;
  private ClientID client;
  private String token;
  private Instant expires;
  private Duration life;
  private RefreshToken refresh;

  /**
   * What the gateway's protected-resource metadata names.
   *
   * @param server the authorization server's metadata
   * @param resource the resource to ask it for (the gateway's MCP endpoint)
   * @param scopesSupported the scopes the gateway lists
   */
  private record Discovered(
      AuthorizationServerMetadata server, URI resource, List<String> scopesSupported) {}

  private OAuthCapability(Options options, PrintWriter err, Clock clock, Discovered at, ECKey key) {
    this.options = options;
    this.err = err;
    this.clock = clock;
    this.server = at.server();
    this.resource = at.resource();
    this.key = key;
    try {
      this.proofs = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
    } catch (JOSEException e) {
      throw new IllegalStateException("an EC P-256 key signs ES256", e);
    }
  }

  /**
   * Discovers the authorization server, then refreshes the stored authorization or, if there is
   * none or it no longer works, has a person consent.
   *
   * @throws BadInputException naming what failed (discovery, registration, consent, the token
   *     endpoint's refusal, the store file); never with a token or key in the message
   */
  static OAuthCapability obtain(
      Options options, PrintWriter err, Clock clock, SecureRandom random) {
    Discovered at = discover(options.gateway());
    List<String> scopes = options.scopes().isEmpty() ? at.scopesSupported() : options.scopes();
    Options effective =
        new Options(
            options.gateway(),
            List.copyOf(scopes),
            options.store(),
            options.openBrowser(),
            options.consentTimeout(),
            options.redirectPort());
    Stored stored = effective.store() == null ? null : Stored.read(effective.store());
    boolean sameAuthorization =
        stored != null
            && stored.issuer().equals(at.server().getIssuer().getValue())
            && stored.resource().equals(at.resource().toString());
    ECKey key = sameAuthorization ? stored.key() : newKey(random);
    OAuthCapability capability = new OAuthCapability(effective, err, clock, at, key);
    if (sameAuthorization && stored.refreshToken() != null) {
      capability.client = new ClientID(stored.clientId());
      capability.refresh = new RefreshToken(stored.refreshToken());
      try {
        capability.redeem(new RefreshTokenGrant(capability.refresh));
        return capability;
      } catch (BadInputException e) {
        err.println(
            "mandate proxy: the stored authorization no longer works ("
                + e.getMessage()
                + "); asking for consent again");
        err.flush();
      }
    }
    capability.consent();
    return capability;
  }

  /**
   * Reads the gateway's protected-resource metadata and the metadata of the authorization server it
   * names, which must offer PKCE with S256.
   *
   * @throws BadInputException if either cannot be read or does not fit
   */
  private static Discovered discover(URI gateway) {
    JsonNode prm = protectedResourceMetadata(gateway);
    URI resource = URI.create(prm.path("resource").asText(gateway.toString()));
    if (!resource.equals(gateway)) {
      throw new BadInputException(
          "the gateway describes its resource as "
              + Printable.escape(resource.toString())
              + ", not --gateway "
              + gateway
              + "; give the URL the gateway names");
    }
    JsonNode servers = prm.path("authorization_servers");
    if (!servers.isArray() || servers.isEmpty()) {
      throw new BadInputException("the gateway's resource metadata names no authorization server");
    }
    AuthorizationServerMetadata server;
    try {
      server =
          AuthorizationServerMetadata.resolve(
              new Issuer(servers.get(0).asText()), TIMEOUT_MS, TIMEOUT_MS);
    } catch (GeneralException | IOException e) {
      throw new BadInputException(
          "cannot read the authorization server's metadata: " + Printable.escape(e.getMessage()));
    }
    if (server.getCodeChallengeMethods() == null
        || !server.getCodeChallengeMethods().contains(CodeChallengeMethod.S256)) {
      throw new BadInputException("the authorization server does not offer PKCE with S256");
    }
    List<String> scopesSupported = new ArrayList<>();
    prm.path("scopes_supported").forEach(s -> scopesSupported.add(s.asText()));
    return new Discovered(server, resource, scopesSupported);
  }

  /** The DPoP key's thumbprint ({@code jkt}), which names the holder; not secret. */
  String holder() {
    try {
      return "jkt:" + key.computeThumbprint();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The authorization server's issuer. */
  String issuer() {
    return server.getIssuer().getValue();
  }

  @Override
  public void present(HttpRequest.Builder request, String method, URI endpoint, String body) {
    String current;
    synchronized (this) {
      if (!clock.instant().isBefore(expires.minus(margin()))) {
        try {
          redeem(new RefreshTokenGrant(refresh));
        } catch (BadInputException e) {
          throw new McpRelay.NoCapability("refreshing the capability failed: " + e.getMessage());
        }
      }
      current = token;
    }
    URI htu =
        URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + path(endpoint));
    try {
      request.header("Authorization", "DPoP " + current);
      request.header(
          "DPoP", proofs.createDPoPJWT(method, htu, new DPoPAccessToken(current)).serialize());
    } catch (JOSEException e) {
      throw new McpRelay.NoCapability("cannot sign a DPoP proof: " + e.getMessage());
    }
  }

  /** Renew once four fifths of the capability's life have passed (at least 5 s before its end). */
  private Duration margin() {
    Duration fifth = life.dividedBy(5);
    return fifth.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : fifth;
  }

  // ---- the authorization code flow ----

  private void consent() {
    try (Redirect listener = Redirect.start(options.redirectPort())) {
      URI redirect = listener.uri();
      client = register(redirect);
      CodeVerifier verifier = new CodeVerifier();
      State state = new State();
      AuthorizationRequest.Builder b =
          new AuthorizationRequest.Builder(ResponseType.CODE, client)
              .endpointURI(server.getAuthorizationEndpointURI())
              .redirectionURI(redirect)
              .state(state)
              .codeChallenge(verifier, CodeChallengeMethod.S256)
              .resource(resource);
      if (!options.scopes().isEmpty()) {
        b.scope(new Scope(options.scopes().toArray(String[]::new)));
      }
      URI authorize = b.build().toURI();
      err.println(
          "mandate proxy: to let this proxy use "
              + resource
              + " for you, open this address, sign in and consent:");
      err.println("  " + authorize);
      err.flush();
      if (options.openBrowser()) {
        openBrowser(authorize);
      }
      URI answer = listener.await(options.consentTimeout());
      AuthorizationResponse response;
      try {
        response = AuthorizationResponse.parse(answer);
      } catch (ParseException e) {
        throw new BadInputException(
            "the authorization response is not valid: " + Printable.escape(e.getMessage()));
      }
      if (!state.equals(response.getState())) {
        throw new BadInputException("the authorization response's state is not the one sent");
      }
      // RFC 9207: the response must come from the server this proxy asked, not another one.
      if (response.getIssuer() == null || !response.getIssuer().equals(server.getIssuer())) {
        throw new BadInputException(
            "the authorization response names issuer "
                + Printable.escape(String.valueOf(response.getIssuer()))
                + ", not "
                + server.getIssuer()
                + "; refused (a mix-up attack, RFC 9207)");
      }
      if (!response.indicatesSuccess()) {
        ErrorObject error = ((AuthorizationErrorResponse) response).getErrorObject();
        throw new BadInputException(
            "authorization refused: "
                + error.getCode()
                + (error.getDescription() == null
                    ? ""
                    : ": " + Printable.escape(error.getDescription())));
      }
      AuthorizationCode code = response.toSuccessResponse().getAuthorizationCode();
      redeem(new AuthorizationCodeGrant(code, redirect, verifier));
    }
    err.println("mandate proxy: consent received; capability bound to " + holder());
    err.flush();
  }

  private ClientID register(URI redirect) {
    if (server.getRegistrationEndpointURI() == null) {
      throw new BadInputException("the authorization server offers no client registration");
    }
    ClientMetadata metadata = new ClientMetadata();
    metadata.setRedirectionURI(redirect);
    metadata.setName("mandate proxy");
    metadata.setGrantTypes(java.util.Set.of(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN));
    metadata.setResponseTypes(java.util.Set.of(ResponseType.CODE));
    metadata.setTokenEndpointAuthMethod(ClientAuthenticationMethod.NONE);
    try {
      ClientRegistrationResponse response =
          ClientRegistrationResponse.parse(
              send(
                  new ClientRegistrationRequest(server.getRegistrationEndpointURI(), metadata, null)
                      .toHTTPRequest()));
      if (!response.indicatesSuccess()) {
        ErrorObject e = ((ClientRegistrationErrorResponse) response).getErrorObject();
        throw new BadInputException(
            "the authorization server refused to register the proxy: " + describe(e));
      }
      return ((ClientInformationResponse) response).getClientInformation().getID();
    } catch (ParseException e) {
      throw new BadInputException(
          "the registration answer is not valid: " + Printable.escape(e.getMessage()));
    }
  }

  /**
   * Sends a token request with a DPoP proof by the proxy's key, and keeps the capability and the
   * rotated refresh token (in the store, if any, before anything uses them).
   */
  private void redeem(AuthorizationGrant grant) {
    HTTPRequest request =
        new TokenRequest.Builder(server.getTokenEndpointURI(), client, grant)
            .resources(resource)
            .build()
            .toHTTPRequest();
    try {
      request.setDPoP(proofs.createDPoPJWT("POST", server.getTokenEndpointURI()));
    } catch (JOSEException e) {
      throw new BadInputException("cannot sign a DPoP proof: " + e.getMessage());
    }
    TokenResponse response;
    try {
      response = TokenResponse.parse(send(request));
    } catch (ParseException e) {
      throw new BadInputException(
          "the token endpoint's answer is not valid: " + Printable.escape(e.getMessage()));
    }
    if (!response.indicatesSuccess()) {
      throw new BadInputException(
          "the token endpoint refused: "
              + describe(((TokenErrorResponse) response).getErrorObject()));
    }
    Tokens tokens = response.toSuccessResponse().getTokens();
    AccessToken access = tokens.getAccessToken();
    if (!(access instanceof DPoPAccessToken)) {
      throw new BadInputException(
          "the authorization server issued a bearer token; mandate proxy takes only capabilities"
              + " bound to its DPoP key");
    }
    Instant now = clock.instant();
    long life = access.getLifetime() > 0 ? access.getLifetime() : 60;
    token = access.getValue();
    this.life = Duration.ofSeconds(life);
    expires = now.plusSeconds(life);
    if (tokens.getRefreshToken() != null) {
      refresh = tokens.getRefreshToken();
    }
    if (options.store() != null) {
      new Stored(
              server.getIssuer().getValue(),
              resource.toString(),
              client.getValue(),
              key,
              refresh == null ? null : refresh.getValue())
          .write(options.store());
    }
  }

  private static String describe(ErrorObject e) {
    return e.getCode()
        + (e.getDescription() == null ? "" : ": " + Printable.escape(e.getDescription()));
  }

  private static HTTPResponse send(HTTPRequest request) {
    request.setConnectTimeout(TIMEOUT_MS);
    request.setReadTimeout(TIMEOUT_MS);
    request.setFollowRedirects(false);
    try {
      return request.send();
    } catch (IOException e) {
      throw new BadInputException(
          "cannot reach "
              + request.getURI()
              + ": "
              + Printable.escape(String.valueOf(e.getMessage())));
    }
  }

  /** The gateway's protected-resource metadata, at the RFC 9728 well-known URL of its path. */
  private static JsonNode protectedResourceMetadata(URI gateway) {
    URI url =
        URI.create(
            gateway.getScheme()
                + "://"
                + gateway.getRawAuthority()
                + "/.well-known/oauth-protected-resource"
                + path(gateway).replaceAll("/+$", ""));
    HTTPResponse r = send(new HTTPRequest(HTTPRequest.Method.GET, url));
    if (r.getStatusCode() != 200) {
      throw new BadInputException(
          "the gateway answered "
              + r.getStatusCode()
              + " for its resource metadata at "
              + url
              + "; is its oauth section set and --gateway its MCP endpoint?");
    }
    try {
      return JSON.readTree(r.getBody());
    } catch (IOException e) {
      throw new BadInputException("the gateway's resource metadata is not JSON");
    }
  }

  private static String path(URI u) {
    return u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
  }

  private static ECKey newKey(SecureRandom random) {
    try {
      return new ECKeyGenerator(Curve.P_256).secureRandom(random).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot make an EC P-256 key", e);
    }
  }

  /**
   * Opens the URL in the person's browser, if the platform has a way; the URL is printed anyway.
   */
  private void openBrowser(URI url) {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    List<String> command =
        os.contains("mac")
            ? List.of("open", url.toString())
            : os.contains("win")
                ? List.of("rundll32", "url.dll,FileProtocolHandler", url.toString())
                : List.of("xdg-open", url.toString());
    try {
      new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      err.println("mandate proxy: could not open a browser; open the address above yourself");
      err.flush();
    }
  }

  // ---- the loopback redirect listener ----

  /** The redirect URI's listener on 127.0.0.1 (RFC 8252 section 7.3): takes the first answer. */
  private static final class Redirect implements AutoCloseable {
    private final HttpServer server;
    private final CompletableFuture<URI> answer = new CompletableFuture<>();

    private Redirect(HttpServer server) {
      this.server = server;
    }

    static Redirect start(int port) {
      HttpServer server;
      try {
        server =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4);
      } catch (IOException e) {
        throw new BadInputException(
            "cannot listen on 127.0.0.1:" + port + " for the redirect: " + e.getMessage());
      }
      Redirect r = new Redirect(server);
      server.createContext(
          "/callback",
          x -> {
            try (x) {
              boolean first =
                  x.getRequestURI().getPath().equals("/callback")
                      && r.answer.complete(
                          URI.create(r.uri() + "?" + nonNull(x.getRequestURI().getRawQuery())));
              byte[] page =
                  (first
                          ? "mandate proxy has your answer; you may close this window.\n"
                          : "mandate proxy is not waiting for this.\n")
                      .getBytes(StandardCharsets.UTF_8);
              x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
              x.getResponseHeaders().set("Cache-Control", "no-store");
              x.getResponseHeaders().set("Referrer-Policy", "no-referrer");
              x.sendResponseHeaders(first ? 200 : 404, page.length);
              try (OutputStream out = x.getResponseBody()) {
                out.write(page);
              }
            }
          });
      server.start();
      return r;
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/callback");
    }

    URI await(Duration timeout) {
      try {
        return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new BadInputException(
            "no consent arrived within " + timeout.toSeconds() + " s; run again when ready");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BadInputException("interrupted while waiting for consent");
      } catch (ExecutionException e) {
        throw new BadInputException("the redirect listener failed");
      }
    }

    private static String nonNull(String s) {
      return s == null ? "" : s;
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  // ---- the store file ----

  /**
   * What {@code --oauth-store} keeps: the authorization server and resource it is for, the client
   * id, the DPoP key (private: the file is mode 0600) and the current refresh token.
   */
  private record Stored(
      String issuer, String resource, String clientId, ECKey key, String refreshToken) {

    static Stored read(Path file) {
      if (!Files.exists(file)) {
        return null;
      }
      String option = "--oauth-store";
      byte[] bytes =
          SecretFiles.readAtMost(
              file,
              option,
              MAX_STORE_BYTES,
              new String[] {"a file", " does not exist", "a store", "the store's file"});
      SecretFiles.requirePrivate(file, option, "key and refresh token");
      try {
        JsonNode n = JSON.readTree(bytes);
        if (n.path("version").asInt() != 1) {
          throw new BadInputException(option + " " + file + " is not a store this version reads");
        }
        return new Stored(
            n.path("issuer").asText(),
            n.path("resource").asText(),
            n.path("clientId").asText(),
            ECKey.parse(n.path("dpopKey").toString()),
            n.path("refreshToken").isTextual() ? n.path("refreshToken").asText() : null);
      } catch (IOException | java.text.ParseException | RuntimeException e) {
        if (e instanceof BadInputException b) {
          throw b;
        }
        throw new BadInputException(
            option + " " + file + " is not a mandate proxy store; remove it to start again");
      } finally {
        java.util.Arrays.fill(bytes, (byte) 0);
      }
    }

    void write(Path file) {
      var n = JSON.createObjectNode();
      n.put("version", 1);
      n.put("issuer", issuer);
      n.put("resource", resource);
      n.put("clientId", clientId);
      try {
        n.set("dpopKey", JSON.readTree(key.toJSONString()));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      n.put("refreshToken", refreshToken);
      KeyFiles.writeAtomically(
          file, n.toString().getBytes(StandardCharsets.UTF_8), "rw-------", true);
    }

    @Override
    public String toString() {
      return "Stored[issuer=" + issuer + ", resource=" + resource + ", clientId=" + clientId + "]";
    }
  }
}
