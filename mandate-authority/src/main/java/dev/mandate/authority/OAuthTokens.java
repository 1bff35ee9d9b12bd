package dev.mandate.authority;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.common.contenttype.ContentType;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPTokenRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DefaultDPoPSingleUseChecker;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPProofException;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import dev.mandate.authority.store.FeedEntry;
import dev.mandate.authority.store.OAuthAuthorizationRecord;
import dev.mandate.config.Durations;
import dev.mandate.policy.ClientPolicy;
import dev.mandate.token.MintRequestBody;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The token endpoint ({@code POST /oauth/token}): exchanges a code (once, with its PKCE verifier,
 * for the client and redirect URI it was issued to) or a refresh token for a capability minted
 * through the mint path, as the consenting person's policy client, with the resource's audience.
 *
 * <p>An authorization (what one consent allowed) lasts the lifetime the person chose. Its refresh
 * tokens rotate: each use returns a new one and retires the old. A code used twice, or a retired
 * refresh token used again, means one of them leaked, so the whole authorization is revoked through
 * the revocation feed: every capability it issued that has not expired, and the authorization's own
 * revocation id, which an admin can also revoke ({@code POST /v1/revocations}) to end it.
 */
final class OAuthTokens extends Endpoints {
  static final String TOKEN = "/oauth/token";

  /**
   * DPoP proof algorithms at the token endpoint (those Nimbus verifies without extra providers).
   */
  private static final Set<JWSAlgorithm> DPOP_ALGORITHMS =
      Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.PS256, JWSAlgorithm.RS256);

  /**
   * What a consent authorized, fixed when its code is redeemed.
   *
   * @param id the authorization's id, also its own revocation id
   * @param clientId the OAuth client it was issued to
   * @param person who consented
   * @param policyClient the policy client whose rights it mints under
   * @param resource the resource indicator it was issued for
   * @param body what it mints, as the person narrowed it
   * @param expires when it ends, with every refresh token it rotates through
   */
  record Consent(
      String id,
      String clientId,
      String person,
      String policyClient,
      String resource,
      MintRequestBody body,
      Instant expires) {}

  /** One consent's authorization: what it mints, and what it has issued. */
  static final class Authorization {
    final Consent consent;

    /** The capabilities issued, by root revocation id, with their expiry. */
    final Map<String, Instant> issued = new LinkedHashMap<>();

    String refreshHash;
    boolean revoked;

    /** The DPoP key thumbprint its tokens are bound to (RFC 9449 §5: refresh needs it too). */
    String jkt;

    Authorization(Consent consent) {
      this.consent = consent;
    }
  }

  /** An OAuth error answer. */
  static final class OAuthException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient ErrorObject error;

    OAuthException(ErrorObject error, String description) {
      super(description, null, false, false);
      this.error = error.setDescription(OAuthFlow.description(description));
    }
  }

  private final OAuthEndpoints.OAuthParts oauth;
  private final OAuthFlow flow;
  private final TokenExchange exchange;
  private final Cache<String, Authorization> authorizations =
      Caffeine.newBuilder().maximumSize(100_000).build();

  /** Refresh token hash to its authorization, current or retired (for reuse detection). */
  private final Cache<String, Authorization> refreshTokens =
      Caffeine.newBuilder().maximumSize(400_000).build();

  /** Used code hash to the authorization it started, for replay detection. */
  private final Cache<String, Authorization> usedCodes =
      Caffeine.newBuilder()
          .maximumSize(10_000)
          .expireAfterWrite(OAuthFlow.CODE_LIFE.multipliedBy(10))
          .build();

  private final DefaultDPoPSingleUseChecker dpopReplay = new DefaultDPoPSingleUseChecker(60, 60);

  OAuthTokens(Parts parts, OAuthEndpoints.OAuthParts oauth, OAuthFlow flow) {
    super(parts);
    this.oauth = oauth;
    this.flow = flow;
    this.exchange = new TokenExchange(keys, store, audit, clock, random);
  }

  @Override
  List<Route> routes() {
    return List.of(new Route("POST", TOKEN, Route.Access.PUBLIC, this::token));
  }

  private CompletionStage<Reply> token(Call call) {
    try {
      HTTPRequest http = new HTTPRequest(HTTPRequest.Method.POST, tokenUri());
      http.setEntityContentType(ContentType.APPLICATION_URLENCODED);
      http.setBody(call.formBody());
      String authorization = call.header(HttpHeader.AUTHORIZATION);
      if (authorization != null) {
        http.setAuthorization(authorization);
      }
      String dpop = call.header("DPoP");
      if (dpop != null) {
        http.setHeader("DPoP", dpop);
      }
      TokenRequest request;
      try {
        request = TokenRequest.parse(http);
      } catch (ParseException e) {
        throw new OAuthException(OAuthFlow.errorOf(e), e.getMessage());
      }
      if (request.getClientAuthentication() != null) {
        throw new OAuthException(
            OAuth2Error.INVALID_CLIENT, "clients here are public: send client_id, no secret");
      }
      ClientID clientId = request.getClientID();
      if (clientId == null) {
        throw new OAuthException(OAuth2Error.INVALID_REQUEST, "client_id is required");
      }
      String holder = dpopThumbprint(http, clientId);
      AuthorizationGrant grant = request.getAuthorizationGrant();
      Tokens tokens;
      if (grant instanceof AuthorizationCodeGrant code) {
        tokens = exchangeCode(clientId.getValue(), code, request.getResources(), holder);
      } else if (grant instanceof RefreshTokenGrant refresh) {
        tokens = refresh(clientId.getValue(), refresh.getRefreshToken(), holder);
      } else if (grant instanceof TokenExchangeGrant exchangeGrant) {
        return answer(
            200,
            exchange
                .exchange(
                    clientId.getValue(),
                    exchangeGrant,
                    request.getScope(),
                    request.getAuthorizationDetails(),
                    holder)
                .toJSONString());
      } else {
        throw new OAuthException(
            OAuth2Error.UNSUPPORTED_GRANT_TYPE,
            "grant_type must be authorization_code, refresh_token or token-exchange");
      }
      return answer(200, new AccessTokenResponse(tokens).toJSONObject().toJSONString());
    } catch (OAuthException e) {
      return answer(
          e.error.getHTTPStatusCode() == 0 ? 400 : e.error.getHTTPStatusCode(),
          new TokenErrorResponse(e.error).toJSONObject().toJSONString());
    }
  }

  private Tokens exchangeCode(
      String clientId, AuthorizationCodeGrant grant, List<URI> resources, String holder) {
    String code = grant.getAuthorizationCode().getValue();
    Optional<OAuthFlow.Code> taken = flow.takeCode(code);
    if (taken.isEmpty()) {
      Authorization started = usedCodes.getIfPresent(OAuthFlow.hash(code));
      if (started != null) {
        revoke(started, "authorization code replayed");
      }
      throw new OAuthException(OAuth2Error.INVALID_GRANT, "the code is unknown, used or expired");
    }
    OAuthFlow.Code c = taken.get();
    if (!c.clientId().equals(clientId)) {
      throw new OAuthException(OAuth2Error.INVALID_GRANT, "the code was issued to another client");
    }
    if (!c.redirectUri().equals(String.valueOf(grant.getRedirectionURI()))) {
      throw new OAuthException(
          OAuth2Error.INVALID_GRANT, "redirect_uri is not the one the code was issued for");
    }
    if (grant.getCodeVerifier() == null
        || !CodeChallenge.compute(CodeChallengeMethod.S256, grant.getCodeVerifier())
            .equals(c.challenge())) {
      throw new OAuthException(OAuth2Error.INVALID_GRANT, "the PKCE code_verifier does not match");
    }
    if (!clock.instant().isBefore(c.expires())) {
      throw new OAuthException(OAuth2Error.INVALID_GRANT, "the code has expired");
    }
    if (resources != null
        && !resources.isEmpty()
        && (resources.size() != 1 || !resources.get(0).toString().equals(c.resource()))) {
      throw new OAuthException(
          OAuth2Error.INVALID_TARGET, "resource is not the one the code was issued for");
    }
    Authorization a =
        new Authorization(
            new Consent(
                newRevocationId(),
                clientId,
                c.person(),
                c.policyClient(),
                c.resource(),
                c.body(),
                clock.instant().plus(c.lifetime())));
    a.jkt = holder;
    usedCodes.put(OAuthFlow.hash(code), a);
    authorizations.put(a.consent.id(), a);
    synchronized (a) {
      return issue(a, holder, "authorization_code");
    }
  }

  private Tokens refresh(String clientId, RefreshToken token, String holder) {
    String hash = OAuthFlow.hash(token.getValue());
    Authorization a = refreshTokens.getIfPresent(hash);
    if (a == null) {
      // Not seen since this authority started: the store keeps every family across restarts.
      Optional<OAuthAuthorizationRecord> stored = store.oauthAuthorizationByRefreshHash(hash);
      if (stored.isPresent()) {
        a = authorizations.get(stored.get().authorizationId(), id -> restore(stored.get()));
        synchronized (a) {
          // Another replica may have rotated it since this one cached it.
          a.refreshHash = stored.get().refreshHash();
          a.revoked |= stored.get().revoked();
        }
        refreshTokens.put(hash, a);
      }
    }
    if (a == null) {
      throw new OAuthException(OAuth2Error.INVALID_GRANT, "the refresh token is unknown");
    }
    synchronized (a) {
      if (!a.consent.clientId().equals(clientId)) {
        throw new OAuthException(
            OAuth2Error.INVALID_GRANT, "the refresh token was issued to another client");
      }
      if (a.revoked || store.revoked(a.consent.id())) {
        a.revoked = true;
        throw new OAuthException(OAuth2Error.INVALID_GRANT, "the authorization is revoked");
      }
      if (!hash.equals(a.refreshHash)) {
        revoke(a, "a retired refresh token was used again");
        throw new OAuthException(
            OAuth2Error.INVALID_GRANT, "the refresh token was already used; authorization revoked");
      }
      if (!clock.instant().isBefore(a.consent.expires())) {
        throw new OAuthException(OAuth2Error.INVALID_GRANT, "the authorization has expired");
      }
      if (a.jkt != null && !a.jkt.equals(holder)) {
        throw new OAuthException(
            OAuth2Error.INVALID_DPOP_PROOF,
            "this refresh token is bound to a DPoP key: send a proof by that key");
      }
      return issue(a, a.jkt, "refresh_token");
    }
  }

  /** Mints the next capability of {@code a} and rotates its refresh token. */
  private Tokens issue(Authorization a, String holder, String grantType) {
    Instant now = clock.instant();
    Duration ttl = oauth.settings().accessTokenTtl();
    Duration left = Duration.between(now, a.consent.expires());
    if (left.compareTo(ttl) < 0) {
      ttl = left;
    }
    Optional<ClientPolicy> rights = policy.current().client(a.consent.policyClient());
    if (rights.isPresent() && rights.get().maxTtl().compareTo(ttl) < 0) {
      ttl = rights.get().maxTtl();
    }
    if (ttl.getSeconds() < 1) {
      throw new OAuthException(OAuth2Error.INVALID_GRANT, "the authorization has expired");
    }
    ttl = Duration.ofSeconds(ttl.getSeconds());
    MintRequestBody b = a.consent.body();
    MintRequestBody body =
        new MintRequestBody(
            b.grants(),
            Durations.format(ttl),
            b.audience(),
            null,
            b.maxUses(),
            b.maxDepth(),
            null,
            b.requireApproval(),
            b.literalGrants(),
            b.constrainedGrants(),
            b.arguments(),
            b.conditions(),
            b.parameters(),
            b.budgets(),
            holder);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("oauthClient", a.consent.clientId());
    detail.put("person", a.consent.person());
    detail.put("authorization", a.consent.id());
    detail.put("grantType", grantType);
    CapabilityEndpoints.Minted minted;
    try {
      minted = oauth.minting().issue(a.consent.policyClient(), body, null, detail);
    } catch (ApiException e) {
      throw new OAuthException(
          OAuth2Error.INVALID_GRANT,
          holder == null && e.getMessage().contains("holder-bound")
              ? e.getMessage()
                  + " (an OAuth client binds its capability by sending a DPoP proof, RFC 9449,"
                  + " with the token request)"
              : e.getMessage());
    }
    a.issued.entrySet().removeIf(e -> !e.getValue().isAfter(now));
    a.issued.put(minted.revocationIds().get(0), minted.expiresAt());
    String refresh = newSecret("mndrt1_");
    a.refreshHash = OAuthFlow.hash(refresh);
    refreshTokens.put(a.refreshHash, a);
    persist(a);
    // A capability bound to the DPoP key the client proved here is a DPoP token (RFC 9449 §5).
    AccessToken access =
        holder == null
            ? new BearerAccessToken(minted.token(), ttl.getSeconds(), null)
            : new DPoPAccessToken(minted.token(), ttl.getSeconds(), null);
    return new Tokens(access, new RefreshToken(refresh));
  }

  /** What the store keeps of an authorization besides its id, client, refresh hash and end. */
  record Saved(
      String person,
      String policyClient,
      String resource,
      MintRequestBody body,
      String jkt,
      Map<String, Long> issued) {}

  /** Stores {@code a} as it now is (its refresh hash joins its family); under {@code a}'s lock. */
  private void persist(Authorization a) {
    Map<String, Long> issued = new LinkedHashMap<>();
    a.issued.forEach((id, expires) -> issued.put(id, expires.toEpochMilli()));
    store.saveOAuthAuthorization(
        new OAuthAuthorizationRecord(
            a.consent.id(),
            a.consent.clientId(),
            a.refreshHash,
            a.revoked,
            a.consent.expires(),
            Json.write(
                new Saved(
                    a.consent.person(),
                    a.consent.policyClient(),
                    a.consent.resource(),
                    a.consent.body(),
                    a.jkt,
                    issued))));
  }

  private static Authorization restore(OAuthAuthorizationRecord r) {
    Saved s = Json.read(r.state().getBytes(java.nio.charset.StandardCharsets.UTF_8), Saved.class);
    Authorization a =
        new Authorization(
            new Consent(
                r.authorizationId(),
                r.clientId(),
                s.person(),
                s.policyClient(),
                s.resource(),
                s.body(),
                r.expiresAt()));
    a.jkt = s.jkt();
    a.refreshHash = r.refreshHash();
    a.revoked = r.revoked();
    if (s.issued() != null) {
      s.issued().forEach((id, millis) -> a.issued.put(id, Instant.ofEpochMilli(millis)));
    }
    return a;
  }

  /** The JWK thumbprint a valid DPoP proof names, or null without a proof. */
  private String dpopThumbprint(HTTPRequest http, ClientID clientId) {
    SignedJWT proof;
    try {
      proof = http.getPoPWithException();
    } catch (ParseException e) {
      throw new OAuthException(OAuth2Error.INVALID_DPOP_PROOF, e.getMessage());
    }
    if (proof == null) {
      return null;
    }
    // Nimbus narrows the set it is given to what it supports, so it gets a mutable copy.
    DPoPTokenRequestVerifier verifier =
        new DPoPTokenRequestVerifier(
            new java.util.HashSet<>(DPOP_ALGORITHMS), tokenUri(), 60, dpopReplay);
    try {
      JWKThumbprintConfirmation cnf = verifier.verify(new DPoPIssuer(clientId), proof);
      return cnf.getValue().toString();
    } catch (InvalidDPoPProofException | JOSEException e) {
      throw new OAuthException(OAuth2Error.INVALID_DPOP_PROOF, e.getMessage());
    }
  }

  /**
   * Revokes an authorization: its own revocation id and every capability it issued that is still
   * valid, each published in the revocation feed so every gateway stops them.
   */
  void revoke(Authorization a, String reason) {
    List<String> ids = new ArrayList<>();
    synchronized (a) {
      a.revoked = true;
      persist(a);
      Instant now = clock.instant();
      a.issued.forEach(
          (id, expires) -> {
            if (expires.isAfter(now)) {
              ids.add(id);
            }
          });
      ids.add(a.consent.id());
    }
    for (String id : ids) {
      FeedEntry entry =
          store.publish(FeedEntry.Kind.REVOKE, id, null, reason, "oauth", clock.instant());
      feed.published(entry.sequence());
      metrics.feedEntry(entry.kind().name());
    }
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("authorization", a.consent.id());
    detail.put("oauthClient", a.consent.clientId());
    detail.put("reason", reason);
    detail.put("revocationIds", ids);
    audit.record("oauth.revoked", "oauth", null, a.consent.policyClient(), detail);
  }

  private URI tokenUri() {
    return URI.create(oauth.issuer().get() + TOKEN);
  }

  private static CompletionStage<Reply> answer(int status, String json) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Cache-Control", "no-store");
    headers.put("Pragma", "no-cache");
    return CompletableFuture.completedFuture(
        new Reply(status, new Reply.Text("application/json; charset=utf-8", json), headers));
  }

  private String newRevocationId() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private String newSecret(String prefix) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
