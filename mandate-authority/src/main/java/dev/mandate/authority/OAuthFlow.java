package dev.mandate.authority;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.mandate.policy.ClientPolicy;
import dev.mandate.policy.PolicyDecision;
import dev.mandate.token.Grant;
import dev.mandate.token.MintRequestBody;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.server.Request;

/**
 * The authorization endpoint ({@code GET} and {@code POST /oauth/authorize}): checks the client,
 * its exact redirect URI, PKCE (S256 only), the resource indicator and what is asked (scopes and
 * {@code authorization_details}), has a person sign in and consent, and answers the client with a
 * single-use code, its {@code state} and the issuer ({@code iss}, RFC 9207). Until the redirect URI
 * is known to be the client's, errors are shown to the person and never sent anywhere.
 *
 * <p>Every pending authorization is bound to the browser that started it: a random value in a
 * {@code SameSite=Strict} cookie, and a CSRF token in each form; a POST without both, or with
 * another browser's, is refused.
 */
final class OAuthFlow extends Endpoints {
  static final String AUTHORIZE = "/oauth/authorize";
  static final String COOKIE = "mandate_oauth";
  static final Duration PENDING_LIFE = Duration.ofMinutes(10);
  static final Duration CODE_LIFE = Duration.ofSeconds(60);
  private static final int MAX_SIGN_IN_FAILURES = 5;
  static final String MANDATE_DETAIL = "mandate";

  /**
   * What a client asks for, as grants with their own constraints, plus constraints on every call.
   * {@code everything} when it named nothing: then the person's policy templates without parameters
   * are offered.
   */
  record Asked(
      List<MintRequestBody.ConstrainedGrant> grants,
      List<String> arguments,
      List<String> conditions,
      Map<String, String> parameters,
      boolean everything) {}

  /** The {@code mandate} type of RFC 9396 {@code authorization_details}. */
  record MandateDetail(
      String type,
      List<String> grants,
      List<MintRequestBody.ConstrainedGrant> constrainedGrants,
      List<String> arguments,
      List<String> conditions,
      Map<String, String> parameters) {}

  /**
   * One authorization in progress, from the first request to the code: what the client asked for,
   * and how far the person got.
   */
  record Pending(
      String id,
      String csrf,
      String browser,
      OAuthClients.OAuthClient client,
      String redirectUri,
      CodeChallenge challenge,
      State state,
      String resource,
      String audience,
      Asked asked,
      Progress progress) {

    /** The person who signed in, or null before. */
    String person() {
      return progress.person;
    }

    /** Names no handle: the id, CSRF token and browser binding are secrets of the flow. */
    @Override
    public String toString() {
      return "Pending[client=" + client.clientId() + ", resource=" + resource + "]";
    }
  }

  /** How far the person got: signed in (as whom), what they were offered, failed sign-ins. */
  static final class Progress {
    private volatile String person;
    private volatile String policyClient;
    private volatile List<Grant> offered = List.of();
    private int failures;
  }

  /**
   * An issued code: what the token endpoint checks and mints from.
   *
   * @param body what to mint, as the person narrowed it (no ttl or holder: set per token)
   * @param lifetime how long the authorization lasts
   */
  record Code(
      String clientId,
      String redirectUri,
      CodeChallenge challenge,
      String resource,
      String audience,
      String person,
      String policyClient,
      MintRequestBody body,
      Duration lifetime,
      Instant expires) {}

  private final OAuthEndpoints.OAuthParts oauth;
  private final OAuthSettings settings;
  private final OAuthClients clients;
  private final Cache<String, Pending> pending =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(PENDING_LIFE).build();
  private final Cache<String, Code> codes =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(CODE_LIFE).build();

  OAuthFlow(Parts parts, OAuthEndpoints.OAuthParts oauth, OAuthClients clients) {
    super(parts);
    this.oauth = oauth;
    this.settings = oauth.settings();
    this.clients = clients;
  }

  /**
   * The OAuth error a request that does not parse is answered with: its own, else invalid_request.
   */
  static ErrorObject errorOf(ParseException e) {
    return e.getErrorObject() != null ? e.getErrorObject() : OAuth2Error.INVALID_REQUEST;
  }

  @Override
  List<Route> routes() {
    return List.of(
        new Route("GET", AUTHORIZE, Route.Access.PUBLIC, this::authorize),
        new Route("POST", AUTHORIZE, Route.Access.PUBLIC, this::submit));
  }

  /** Takes the code for the token endpoint; a code is taken once. */
  Optional<Code> takeCode(String code) {
    return Optional.ofNullable(codes.asMap().remove(hash(code)));
  }

  // ---- GET /oauth/authorize ----

  private CompletionStage<Reply> authorize(Call call) {
    String query = call.request().getHttpURI().getQuery();
    Map<String, List<String>> params = URLUtils.parseParameters(query == null ? "" : query);
    for (Map.Entry<String, List<String>> e : params.entrySet()) {
      if (e.getValue().size() > 1 && !e.getKey().equals("resource")) {
        return page(400, "the parameter " + e.getKey() + " is given more than once", null);
      }
    }
    String clientId = first(params, "client_id");
    OAuthClients.OAuthClient client;
    try {
      client = clients.client(clientId);
    } catch (OAuthClients.Rejected e) {
      return page(400, "The application is not known: " + e.getMessage(), null);
    }
    String redirectUri = first(params, "redirect_uri");
    if (redirectUri == null || !client.redirectUris().contains(redirectUri)) {
      return page(
          400,
          "The application's redirect URI is missing or is not one it registered; nothing is"
              + " sent back to it.",
          null);
    }
    URI redirect = URI.create(redirectUri);
    AuthorizationRequest request;
    try {
      request = AuthorizationRequest.parse(params);
    } catch (ParseException e) {
      return redirectError(redirect, errorOf(e), description(e.getMessage()), stateOf(params));
    }
    State state = request.getState();
    if (!ResponseType.CODE.equals(request.getResponseType())) {
      return redirectError(
          redirect, OAuth2Error.UNSUPPORTED_RESPONSE_TYPE, "only response_type=code", state);
    }
    CodeChallenge challenge = request.getCodeChallenge();
    if (challenge == null) {
      return redirectError(
          redirect, OAuth2Error.INVALID_REQUEST, "PKCE is required: send a code_challenge", state);
    }
    if (!CodeChallengeMethod.S256.equals(request.getCodeChallengeMethod())) {
      return redirectError(
          redirect,
          OAuth2Error.INVALID_REQUEST,
          "code_challenge_method must be S256 (plain is refused)",
          state);
    }
    List<URI> resources = request.getResources();
    String resource;
    String audience;
    if (resources == null || resources.isEmpty()) {
      if (settings.resources().size() != 1) {
        return redirectError(
            redirect,
            OAuth2Error.INVALID_TARGET,
            "name the protected resource with the resource parameter (RFC 8707)",
            state);
      }
      resource = settings.resources().keySet().iterator().next();
      audience = settings.resources().get(resource);
    } else if (resources.size() > 1) {
      return redirectError(
          redirect,
          OAuth2Error.INVALID_TARGET,
          "one resource per authorization: a capability has one audience",
          state);
    } else {
      resource = resources.get(0).toString();
      Optional<String> a = settings.audienceOf(resources.get(0));
      if (a.isEmpty()) {
        return redirectError(
            redirect,
            OAuth2Error.INVALID_TARGET,
            "this authority issues no capabilities for " + description(resource),
            state);
      }
      audience = a.get();
    }
    Asked asked;
    try {
      asked = asked(request.getScope(), request.getAuthorizationDetails());
    } catch (AskedException e) {
      return redirectError(redirect, e.error, description(e.getMessage()), state);
    }
    Pending p =
        new Pending(
            randomId(),
            randomId(),
            randomId(),
            client,
            redirectUri,
            challenge,
            state,
            resource,
            audience,
            asked,
            new Progress());
    pending.put(p.id(), p);
    Map<String, String> headers = new LinkedHashMap<>(ConsentPage.headers(redirectUri));
    headers.put("Set-Cookie", cookie(p.browser(), secureCookie()));
    return CompletableFuture.completedFuture(new Reply(200, ConsentPage.signIn(p, null), headers));
  }

  // ---- POST /oauth/authorize: sign-in, then consent ----

  private CompletionStage<Reply> submit(Call call) {
    Map<String, List<String>> form = URLUtils.parseParameters(call.formBody());
    Pending p = pending.getIfPresent(nonNull(first(form, "request")));
    if (p == null) {
      return page(400, "This authorization request has expired or is unknown; start again.", null);
    }
    if (!sameBrowser(call.request(), p) || !constantTimeEquals(first(form, "csrf"), p.csrf())) {
      return page(
          403, "The form was not sent by the page this authority showed you (CSRF check).", null);
    }
    String step = nonNull(first(form, "step"));
    if (step.equals("sign-in")) {
      return signIn(call, p, form);
    }
    if (step.equals("consent") && p.person() != null) {
      return consent(p, form);
    }
    return page(400, "Sign in first.", p.redirectUri());
  }

  private CompletionStage<Reply> signIn(Call call, Pending p, Map<String, List<String>> form) {
    String name = nonNull(first(form, "username"));
    String password = nonNull(first(form, "password"));
    // People of the OAuth settings file first, then the console's people in the store.
    OAuthSettings.Person person = settings.people().get(name);
    boolean ok;
    String policyClient = null;
    if (person != null) {
      try {
        ok =
            oauth
                .authenticator()
                .checkPassword(
                    password, person.passwordHash(), Request.getRemoteAddr(call.request()));
      } catch (ClientAuthenticator.Throttled e) {
        return page(429, "Too many failed sign-ins from this address; wait a minute.", null);
      } catch (ClientAuthenticator.Busy e) {
        return page(503, "The authority is busy; try again in a moment.", null);
      }
      policyClient = person.clientId();
    } else {
      SignIn.Result r =
          oauth
              .signIn()
              .check(
                  name,
                  password,
                  first(form, "code"),
                  "consent",
                  Request.getRemoteAddr(call.request()));
      switch (r.outcome()) {
        case THROTTLED:
          return page(429, "Too many failed sign-ins from this address; wait a minute.", null);
        case BUSY:
          return page(503, "The authority is busy; try again in a moment.", null);
        case LOCKED:
          pending.invalidate(p.id());
          return page(
              403,
              "Too many failed sign-ins: this account is locked for a while; start again later.",
              null);
        default:
          break;
      }
      ok = r.ok();
      if (ok) {
        policyClient = r.person().clientId();
        if (policyClient == null) {
          return redirectError(
              p,
              OAuth2Error.ACCESS_DENIED,
              "the person may grant no client's rights: give them one with 'mandate people"
                  + " create --policy-client'");
        }
      }
    }
    if (!ok) {
      synchronized (p) {
        if (++p.progress().failures >= MAX_SIGN_IN_FAILURES) {
          pending.invalidate(p.id());
          audit.record(
              "oauth.signin.failed", "oauth", null, null, Map.of("client", p.client().clientId()));
          return page(403, "Too many failed sign-ins; start again.", null);
        }
      }
      return CompletableFuture.completedFuture(
          new Reply(
              401,
              ConsentPage.signIn(p, "The name or password is wrong."),
              ConsentPage.headers(p.redirectUri())));
    }
    Optional<ClientPolicy> rights = policy.current().client(policyClient);
    if (rights.isEmpty()) {
      return redirectError(
          p, OAuth2Error.ACCESS_DENIED, "the person's policy client is not in the policy");
    }
    List<Grant> offered = new ArrayList<>();
    if (p.asked().everything()) {
      for (String template : rights.get().grants()) {
        if (!template.contains("{")) {
          offered.add(Grant.parse(template));
        }
      }
    } else {
      for (MintRequestBody.ConstrainedGrant g : p.asked().grants()) {
        offered.add(g.toGrant());
      }
    }
    if (offered.isEmpty()) {
      return redirectError(
          p,
          OAuth2Error.INVALID_SCOPE,
          "nothing to grant: name the grants in scope or authorization_details");
    }
    // The policy bounds what may be asked, exactly as for a mint: refuse before asking consent.
    PolicyDecision decision;
    try {
      decision = oauth.minting().judge(policyClient, body(p, offered, null, null));
    } catch (ApiException e) {
      return redirectError(p, OAuth2Error.INVALID_SCOPE, description(e.getMessage()));
    }
    if (!decision.allowed()) {
      return redirectError(p, OAuth2Error.INVALID_SCOPE, description(decision.reason()));
    }
    p.progress().person = name;
    p.progress().policyClient = policyClient;
    p.progress().offered = List.copyOf(offered);
    return CompletableFuture.completedFuture(
        new Reply(
            200,
            ConsentPage.consent(p, p.progress().offered, settings.authorizationTtl()),
            ConsentPage.headers(p.redirectUri())));
  }

  private CompletionStage<Reply> consent(Pending p, Map<String, List<String>> form) {
    // A pending authorization is decided once, whatever the decision.
    if (pending.asMap().remove(p.id()) == null) {
      return page(400, "This authorization request was already decided.", null);
    }
    URI redirect = URI.create(p.redirectUri());
    if (!"approve".equals(first(form, "decision")) || p.progress().policyClient == null) {
      audit.record(
          "oauth.consent.refused",
          p.person(),
          null,
          null,
          Map.of("client", p.client().clientId(), "resource", p.resource()));
      return redirectError(redirect, OAuth2Error.ACCESS_DENIED, "the person refused", p.state());
    }
    List<Grant> kept = new ArrayList<>();
    for (String index : form.getOrDefault("grant", List.of())) {
      int i;
      try {
        i = Integer.parseInt(index);
      } catch (NumberFormatException e) {
        return page(400, "The form named a permission that was not offered.", null);
      }
      if (i < 0 || i >= p.progress().offered.size()) {
        return page(400, "The form named a permission that was not offered.", null);
      }
      if (!kept.contains(p.progress().offered.get(i))) {
        kept.add(p.progress().offered.get(i));
      }
    }
    if (kept.isEmpty()) {
      return redirectError(
          redirect, OAuth2Error.ACCESS_DENIED, "the person kept no permission", p.state());
    }
    Duration lifetime = lifetime(first(form, "lifetime"));
    Integer maxUses = null;
    String uses = first(form, "maxUses");
    if (uses != null && !uses.isBlank()) {
      try {
        maxUses = Integer.valueOf(uses.strip());
      } catch (NumberFormatException e) {
        maxUses = -1;
      }
      if (maxUses < 1 || maxUses > 1_000_000) {
        return page(400, "At most this many calls must be a number from 1 to 1000000.", null);
      }
    }
    String approvers = first(form, "approvers");
    List<String> approval =
        approvers == null || approvers.isBlank() ? null : List.of(approvers.strip());
    MintRequestBody body = body(p, kept, maxUses, approval);
    PolicyDecision decision;
    try {
      decision = oauth.minting().judge(p.progress().policyClient, body);
    } catch (ApiException e) {
      return redirectError(
          redirect, OAuth2Error.INVALID_SCOPE, description(e.getMessage()), p.state());
    }
    if (!decision.allowed()) {
      return redirectError(
          redirect, OAuth2Error.INVALID_SCOPE, description(decision.reason()), p.state());
    }
    String code = randomId();
    codes.put(
        hash(code),
        new Code(
            p.client().clientId(),
            p.redirectUri(),
            p.challenge(),
            p.resource(),
            p.audience(),
            p.person(),
            p.progress().policyClient,
            body,
            lifetime,
            clock.instant().plus(CODE_LIFE)));
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("client", p.client().clientId());
    detail.put("resource", p.resource());
    detail.put("grants", kept.stream().map(Grant::toString).toList());
    detail.put("lifetime", lifetime.toString());
    detail.put("maxUses", maxUses);
    detail.put("approvalGroups", approval);
    audit.record("oauth.consent", p.person(), null, p.progress().policyClient, detail);
    AuthorizationSuccessResponse ok =
        new AuthorizationSuccessResponse(
            redirect,
            new com.nimbusds.oauth2.sdk.AuthorizationCode(code),
            null,
            p.state(),
            new Issuer(oauth.issuer().get()),
            null);
    return redirect(ok.toURI());
  }

  private MintRequestBody body(
      Pending p, List<Grant> grants, Integer maxUses, List<String> requireApproval) {
    List<MintRequestBody.ConstrainedGrant> constrained = new ArrayList<>();
    for (Grant g : grants) {
      constrained.add(constrainedGrant(g, p));
    }
    Asked a = p.asked();
    return new MintRequestBody(
        null,
        null,
        p.audience(),
        null,
        maxUses,
        null,
        null,
        requireApproval,
        null,
        constrained,
        a.arguments().isEmpty() ? null : a.arguments(),
        a.conditions().isEmpty() ? null : a.conditions(),
        a.parameters().isEmpty() ? null : a.parameters(),
        null,
        null);
  }

  /** The asked form of an offered grant (with the constraints it was asked with). */
  private static MintRequestBody.ConstrainedGrant constrainedGrant(Grant g, Pending p) {
    for (MintRequestBody.ConstrainedGrant c : p.asked().grants()) {
      if (c.toGrant().equals(g)) {
        return c;
      }
    }
    return new MintRequestBody.ConstrainedGrant(g.toString(), null, null, null);
  }

  private static Duration lifetime(String text) {
    for (Duration d : ConsentPage.LIFETIMES) {
      if (dev.mandate.config.Durations.format(d).equals(text)) {
        return d;
      }
    }
    return ConsentPage.LIFETIMES.get(0);
  }

  // ---- what is asked: scopes and authorization_details ----

  static final class AskedException extends Exception {
    private static final long serialVersionUID = 1L;
    final transient ErrorObject error;

    AskedException(ErrorObject error, String message) {
      super(message, null, false, false);
      this.error = error;
    }
  }

  /**
   * A scope is a grant ({@code service:action:resource}, as in a mint request); {@code
   * authorization_details} of type {@code mandate} carry grants with constraints, and constraints
   * on every call, in the mint API's shapes.
   */
  static Asked asked(Scope scope, List<AuthorizationDetail> details) throws AskedException {
    List<MintRequestBody.ConstrainedGrant> grants = new ArrayList<>();
    List<String> arguments = new ArrayList<>();
    List<String> conditions = new ArrayList<>();
    Map<String, String> parameters = new LinkedHashMap<>();
    if (scope != null) {
      for (String s : scope.toStringList()) {
        try {
          Grant.parse(s);
        } catch (IllegalArgumentException e) {
          throw new AskedException(
              OAuth2Error.INVALID_SCOPE,
              "scope " + s + " is not a grant (service:action:resource): " + e.getMessage());
        }
        grants.add(new MintRequestBody.ConstrainedGrant(s, null, null, null));
      }
    }
    if (details != null) {
      for (AuthorizationDetail d : details) {
        MandateDetail m;
        try {
          m =
              Json.read(
                  d.toJSONObject().toJSONString().getBytes(StandardCharsets.UTF_8),
                  MandateDetail.class);
        } catch (ApiException e) {
          throw new AskedException(
              OAuth2Error.INVALID_AUTHORIZATION_DETAILS,
              "authorization_details: " + e.getMessage());
        }
        if (!MANDATE_DETAIL.equals(m.type())) {
          throw new AskedException(
              OAuth2Error.INVALID_AUTHORIZATION_DETAILS,
              "authorization_details type must be " + MANDATE_DETAIL);
        }
        if (m.grants() != null) {
          m.grants()
              .forEach(g -> grants.add(new MintRequestBody.ConstrainedGrant(g, null, null, null)));
        }
        if (m.constrainedGrants() != null) {
          grants.addAll(m.constrainedGrants());
        }
        if (m.arguments() != null) {
          arguments.addAll(m.arguments());
        }
        if (m.conditions() != null) {
          conditions.addAll(m.conditions());
        }
        if (m.parameters() != null) {
          parameters.putAll(m.parameters());
        }
      }
    }
    for (int i = 0; i < grants.size(); i++) {
      MintRequestBody.ConstrainedGrant g = grants.get(i);
      try {
        if (g == null || g.grant() == null) {
          throw new IllegalArgumentException("a grant is missing");
        }
        g.toGrant();
      } catch (IllegalArgumentException e) {
        throw new AskedException(
            OAuth2Error.INVALID_AUTHORIZATION_DETAILS, "grant " + i + ": " + e.getMessage());
      }
    }
    return new Asked(
        List.copyOf(grants),
        List.copyOf(arguments),
        List.copyOf(conditions),
        Map.copyOf(parameters),
        grants.isEmpty());
  }

  // ---- answers ----

  private CompletionStage<Reply> page(int status, String message, String redirectUri) {
    return CompletableFuture.completedFuture(
        new Reply(status, ConsentPage.error(message), ConsentPage.headers(redirectUri)));
  }

  /** The error sent back to the client of an authorization in progress. */
  private CompletionStage<Reply> redirectError(Pending p, ErrorObject error, String description) {
    return redirectError(URI.create(p.redirectUri()), error, description, p.state());
  }

  private CompletionStage<Reply> redirectError(
      URI redirect, ErrorObject error, String description, State state) {
    AuthorizationErrorResponse response =
        new AuthorizationErrorResponse(
            redirect,
            error.setDescription(description(description)),
            state,
            new Issuer(oauth.issuer().get()),
            null);
    return redirect(response.toURI());
  }

  private static CompletionStage<Reply> redirect(URI location) {
    Map<String, String> headers = new LinkedHashMap<>(ConsentPage.headers(null));
    headers.put("Location", location.toString());
    return CompletableFuture.completedFuture(
        new Reply(303, new Reply.Text("text/plain; charset=utf-8", ""), headers));
  }

  /** An error description as OAuth allows it: printable ASCII without quote or backslash. */
  static String description(String text) {
    if (text == null) {
      return null;
    }
    String t = text.length() > 300 ? text.substring(0, 300) + "..." : text;
    return t.replaceAll("[^\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]", "'");
  }

  private static State stateOf(Map<String, List<String>> params) {
    String s = first(params, "state");
    return s == null || s.isEmpty() ? null : new State(s);
  }

  private boolean secureCookie() {
    return "https".equals(oauth.issuer().get().getScheme());
  }

  private static String cookie(String value, boolean secure) {
    return COOKIE
        + "="
        + value
        + "; Path="
        + AUTHORIZE
        + "; Max-Age="
        + PENDING_LIFE.toSeconds()
        + "; HttpOnly; SameSite=Strict"
        + (secure ? "; Secure" : "");
  }

  private static boolean sameBrowser(Request request, Pending p) {
    List<org.eclipse.jetty.http.HttpCookie> cookies = Request.getCookies(request);
    for (org.eclipse.jetty.http.HttpCookie c : cookies) {
      if (COOKIE.equals(c.getName()) && constantTimeEquals(c.getValue(), p.browser())) {
        return true;
      }
    }
    return false;
  }

  static boolean constantTimeEquals(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  static String first(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  private String randomId() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Codes and refresh tokens are kept by their SHA-256, never as given. */
  static String hash(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }
}
