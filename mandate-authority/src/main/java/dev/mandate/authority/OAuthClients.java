package dev.mandate.authority;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.OAuthClientRecord;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import net.minidev.json.JSONObject;

/**
 * The OAuth clients the authority knows: those that registered themselves (RFC 7591, kept in the
 * authority's store, so a restart forgets none, and the most recent {@value #MAX_REGISTERED} in
 * memory) and those whose {@code client_id} is the https URL of their client ID metadata document,
 * fetched through {@link ClientMetadataFetcher} and kept for five minutes. Every client is public
 * (no secret, {@code token_endpoint_auth_method: none}): PKCE binds its code, and the capability it
 * obtains is what it may use.
 */
final class OAuthClients implements AutoCloseable {
  static final int MAX_REGISTERED = 10_000;
  private static final String REGISTERED_PREFIX = "mndoc_";
  private static final int MAX_REDIRECT_URIS = 10;
  private static final int MAX_URI_LENGTH = 2000;
  private static final Pattern CUSTOM_SCHEME = Pattern.compile("[a-z][a-z0-9+-]*(\\.[a-z0-9+-]+)+");
  private static final Set<GrantType> GRANT_TYPES =
      Set.of(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN);

  /**
   * A client as the authorization endpoint needs it.
   *
   * @param clientId its id: generated at registration, or its metadata document's URL
   * @param name the name it gave, for the consent page (untrusted: escaped when shown)
   * @param redirectUris the exact redirect URIs it may use
   * @param documentUrl whether its id is a metadata document's URL
   */
  record OAuthClient(
      String clientId, String name, List<String> redirectUris, boolean documentUrl) {}

  /** A client that is not known or whose metadata is not acceptable; the message says why. */
  static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  private final Cache<String, OAuthClient> registered =
      Caffeine.newBuilder().maximumSize(MAX_REGISTERED).build();
  private final Cache<String, OAuthClient> documents =
      Caffeine.newBuilder().maximumSize(1000).expireAfterWrite(Duration.ofMinutes(5)).build();
  private final ClientMetadataFetcher fetcher;
  private final AuthorityStore store;
  private final SecureRandom random;

  OAuthClients(OAuthSettings settings, AuthorityStore store, SecureRandom random) {
    this.fetcher = new ClientMetadataFetcher(settings);
    this.store = store;
    this.random = random;
  }

  /**
   * The client named {@code clientId}: a registered one, or the metadata document at that URL.
   *
   * @throws Rejected if there is no such client or its document is refused
   */
  OAuthClient client(String clientId) throws Rejected {
    if (clientId == null || clientId.isEmpty() || clientId.length() > MAX_URI_LENGTH) {
      throw new Rejected("client_id is missing or too long");
    }
    OAuthClient known = registered.getIfPresent(clientId);
    if (known == null && clientId.startsWith(REGISTERED_PREFIX) && clientId.length() <= 256) {
      known =
          store
              .oauthClient(clientId)
              .map(r -> new OAuthClient(r.clientId(), r.name(), r.redirectUris(), false))
              .orElse(null);
      if (known != null) {
        registered.put(clientId, known);
      }
    }
    if (known != null) {
      return known;
    }
    if (!fetcher.isDocumentUrl(clientId)) {
      throw new Rejected(
          "client_id " + Router.printable(clientId) + " is neither registered nor an https URL");
    }
    OAuthClient cached = documents.getIfPresent(clientId);
    if (cached != null) {
      return cached;
    }
    String text;
    try {
      text = fetcher.fetch(clientId);
    } catch (ClientMetadataFetcher.Refused e) {
      throw new Rejected(e.getMessage());
    }
    JSONObject json;
    ClientMetadata metadata;
    try {
      json = JSONObjectUtils.parse(text);
      metadata = ClientMetadata.parse(json);
    } catch (ParseException e) {
      throw new Rejected("the client metadata document is not valid: " + e.getMessage());
    }
    if (!clientId.equals(json.get("client_id"))) {
      throw new Rejected("the client metadata document's client_id is not its own URL");
    }
    OAuthClient client = accept(clientId, metadata, true);
    documents.put(clientId, client);
    return client;
  }

  /**
   * Registers a client (RFC 7591) from its metadata: redirect URIs are required, grant types are
   * {@code authorization_code} and {@code refresh_token} only, and the client is public.
   *
   * @return the client information to answer with
   * @throws Rejected naming the metadata that is not acceptable
   */
  JSONObject register(String body, long issuedAtSeconds) throws Rejected {
    ClientMetadata metadata;
    try {
      metadata = ClientMetadata.parse(JSONObjectUtils.parse(body));
    } catch (ParseException e) {
      throw new Rejected(e.getMessage());
    }
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    String id = REGISTERED_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    OAuthClient client = accept(id, metadata, false);
    store.saveOAuthClient(
        new OAuthClientRecord(
            id, client.name(), client.redirectUris(), Instant.ofEpochSecond(issuedAtSeconds)));
    registered.put(id, client);
    JSONObject out = metadata.toJSONObject();
    out.put("client_id", id);
    out.put("client_id_issued_at", issuedAtSeconds);
    out.put("token_endpoint_auth_method", ClientAuthenticationMethod.NONE.getValue());
    out.put("grant_types", List.of("authorization_code", "refresh_token"));
    out.put("response_types", List.of("code"));
    out.remove("client_secret");
    return out;
  }

  private static OAuthClient accept(String clientId, ClientMetadata metadata, boolean document)
      throws Rejected {
    Set<URI> uris = metadata.getRedirectionURIs();
    if (uris == null || uris.isEmpty()) {
      throw new Rejected("redirect_uris must list at least one redirect URI");
    }
    if (uris.size() > MAX_REDIRECT_URIS) {
      throw new Rejected("redirect_uris lists more than " + MAX_REDIRECT_URIS + " URIs");
    }
    List<String> redirects = new ArrayList<>();
    for (URI u : uris) {
      redirects.add(redirectUri(u));
    }
    if (metadata.getGrantTypes() != null && !GRANT_TYPES.containsAll(metadata.getGrantTypes())) {
      throw new Rejected("grant_types may only be authorization_code and refresh_token");
    }
    if (metadata.getResponseTypes() != null
        && !Set.of(ResponseType.CODE).containsAll(metadata.getResponseTypes())) {
      throw new Rejected("response_types may only be code");
    }
    ClientAuthenticationMethod auth = metadata.getTokenEndpointAuthMethod();
    if (document && auth != null && !ClientAuthenticationMethod.NONE.equals(auth)) {
      throw new Rejected("token_endpoint_auth_method must be none (a public client)");
    }
    String name = Optional.ofNullable(metadata.getName()).orElse(clientId);
    if (name.length() > 200) {
      name = name.substring(0, 200);
    }
    return new OAuthClient(clientId, name, List.copyOf(redirects), document);
  }

  /**
   * A redirect URI a client may register: https, http on a loopback host (native apps), or a
   * private-use scheme in reverse domain form (RFC 8252); never with a fragment.
   */
  private static String redirectUri(URI u) throws Rejected {
    String text = u.toString();
    if (text.length() > MAX_URI_LENGTH || !u.isAbsolute() || u.getRawFragment() != null) {
      throw new Rejected(
          "redirect URI " + Router.printable(text) + " must be absolute, no fragment");
    }
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https") && u.getHost() != null) {
      return text;
    }
    if (scheme.equals("http")
        && ("localhost".equals(u.getHost())
            || "127.0.0.1".equals(u.getHost())
            || "[::1]".equals(u.getHost()))) {
      return text;
    }
    if (CUSTOM_SCHEME.matcher(scheme).matches()) {
      return text;
    }
    throw new Rejected(
        "redirect URI "
            + Router.printable(text)
            + " must be https, http on a loopback host, or a private-use scheme such as"
            + " com.example.app:/callback");
  }

  @Override
  public void close() {
    fetcher.close();
  }
}
