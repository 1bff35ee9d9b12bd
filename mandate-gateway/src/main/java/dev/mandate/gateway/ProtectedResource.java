package dev.mandate.gateway;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.token.Decision;
import dev.mandate.token.Grant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;

/**
 * The gateway as an OAuth protected resource (RFC 9728, as the MCP authorization specification uses
 * it): its metadata at {@code /.well-known/oauth-protected-resource} and the path-suffixed form for
 * each MCP endpoint and HTTP route, and the {@code WWW-Authenticate} challenges that point clients
 * at it: {@code Bearer} and {@code DPoP} (RFC 9449 section 7.1) on a 401, and the step-up {@code
 * insufficient_scope} challenge on a 403 for a call outside the presented capability.
 *
 * <p>Each resource is the gateway's base URL ({@code oauth.publicUrl}, else the scheme and {@code
 * Host} of the request) followed by the path of the endpoint: an MCP endpoint's path, or for the
 * HTTP proxy the request's path. The same base is what DPoP proofs' {@code htu} must name.
 * Immutable.
 */
public final class ProtectedResource {
  /** The well-known path of the metadata (RFC 9728 section 3). */
  public static final String WELL_KNOWN = "/.well-known/oauth-protected-resource";

  /** The DPoP proof algorithms the gateway verifies (spec section 7.2). */
  static final List<String> DPOP_ALGS = List.of("ES256", "ES384", "EdDSA", "Ed25519");

  /** No metadata and plain challenges; DPoP proofs name the request's scheme and Host. */
  public static final ProtectedResource NONE = new ProtectedResource(null);

  private static final java.util.Set<Decision.Code> PROOF_CODES =
      java.util.EnumSet.of(
          Decision.Code.PROOF_REQUIRED,
          Decision.Code.PROOF_INVALID,
          Decision.Code.PROOF_STALE,
          Decision.Code.PROOF_REPLAYED);

  private final GatewayConfig.OAuth oauth;

  ProtectedResource(GatewayConfig.OAuth oauth) {
    this.oauth = oauth;
  }

  /** Whether the gateway describes itself as a protected resource (it has an issuer to name). */
  boolean described() {
    return oauth != null;
  }

  /** The protected resource a gateway with this configuration is. */
  public static ProtectedResource of(GatewayConfig config) {
    return new ProtectedResource(config.oauth());
  }

  /**
   * The gateway's base URL as the client addressed it, without a trailing slash: the configured
   * {@code publicUrl}, else the request's scheme and {@code Host}.
   */
  String base(Request request) {
    if (oauth != null && oauth.publicUrl() != null) {
      return oauth.publicUrl().toString();
    }
    HttpURI uri = request.getHttpURI();
    String scheme = uri.getScheme() == null ? "http" : uri.getScheme().toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    boolean defaultPort =
        port <= 0
            || (scheme.equals("http") && port == 80)
            || (scheme.equals("https") && port == 443);
    String host = uri.getHost() == null ? "localhost" : uri.getHost();
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return scheme + "://" + host + (defaultPort ? "" : ":" + port);
  }

  /**
   * The URI a DPoP proof's {@code htu} must name for this request: the base and the request's path,
   * without query.
   */
  public String requestUri(Request request) {
    String path = request.getHttpURI().getPath();
    return base(request) + (path == null || path.isEmpty() ? "/" : path);
  }

  /** The metadata URL of the resource at {@code path} ({@code ""} for the gateway as a whole). */
  String metadataUrl(Request request, String path) {
    return base(request) + WELL_KNOWN + path;
  }

  /**
   * The metadata of the resource at {@code path} (RFC 9728 section 2).
   *
   * @param path the resource's path under the base, such as {@code /mcp/fs}, or {@code ""}
   */
  ObjectNode metadata(Request request, String path) {
    ObjectNode m = JsonNodeFactory.instance.objectNode();
    m.put("resource", base(request) + path);
    m.putArray("authorization_servers").add(oauth.issuer().toString());
    if (!oauth.scopes().isEmpty()) {
      oauth.scopes().forEach(m.putArray("scopes_supported")::add);
    }
    m.putArray("bearer_methods_supported").add("header");
    DPOP_ALGS.forEach(m.putArray("dpop_signing_alg_values_supported")::add);
    m.put("dpop_bound_access_tokens_required", oauth.dpopRequired());
    m.put("resource_name", "Mandate gateway");
    return m;
  }

  /**
   * The challenges of a 401 (RFC 6750 section 3, RFC 9449 section 7.1, RFC 9728 section 5.1):
   * {@code Bearer} unless tokens must be DPoP-bound, and {@code DPoP}, each naming the resource's
   * metadata and the configured scopes.
   *
   * @param path the resource's path
   * @param error {@code invalid_token}, or null when no token was sent
   * @param description the reason, for {@code error_description}; may be null
   */
  List<String> unauthorized(Request request, String path, String error, String description) {
    List<String> params = new ArrayList<>();
    params.add("realm=\"mandate\"");
    if (oauth != null) {
      params.add("resource_metadata=\"" + quoted(metadataUrl(request, path)) + "\"");
    }
    if (oauth != null && !oauth.scopes().isEmpty()) {
      params.add("scope=\"" + quoted(String.join(" ", oauth.scopes())) + "\"");
    }
    if (error != null) {
      params.add("error=\"" + error + "\"");
      if (description != null) {
        params.add("error_description=\"" + quoted(description) + "\"");
      }
    }
    List<String> challenges = new ArrayList<>();
    if (oauth == null || !oauth.dpopRequired()) {
      challenges.add("Bearer " + String.join(", ", params));
    }
    challenges.add(
        "DPoP algs=\"" + String.join(" ", DPOP_ALGS) + "\", " + String.join(", ", params));
    return challenges;
  }

  /**
   * The step-up challenge of a 403 for a call the capability does not cover (RFC 6750 section 3.1,
   * as the MCP authorization specification's scope step-up uses it): {@code insufficient_scope}
   * with the scope that would cover the call.
   *
   * @param scheme {@code Bearer} or {@code DPoP}, as the token was presented
   * @param scope the scope the call needs
   * @param description the denial's reason
   */
  String insufficientScope(
      Request request, String path, String scheme, String scope, String description) {
    return scheme
        + " error=\"insufficient_scope\", scope=\""
        + quoted(scope)
        + "\", realm=\"mandate"
        + (oauth == null ? "" : "\", resource_metadata=\"" + quoted(metadataUrl(request, path)))
        + "\", error_description=\""
        + quoted(description)
        + "\"";
  }

  /**
   * Sets the 401 challenges for this exchange ({@link #unauthorized}): {@code invalid_token} when a
   * token was sent.
   *
   * @param description the reason for {@code error_description}, or null for none
   */
  public void challenge(Exchange x, String description) {
    boolean tokenSent = x.bearer() != null;
    for (String challenge :
        unauthorized(
            x.request(),
            x.resourcePath(),
            tokenSent ? "invalid_token" : null,
            tokenSent ? description : null)) {
      x.response().getHeaders().add(HttpHeader.WWW_AUTHENTICATE, challenge);
    }
  }

  /**
   * Sets the challenge of a denial other than a 401, if it has one: when a token was presented and
   * the call is one no grant covers ({@code GRANT}), the step-up challenge, whose scope is the
   * grant of exactly the call decided (the authority's scopes are grants, {@code
   * service:action:resource}), so a client can ask for it and a person can consent to it; when a
   * token sent with the DPoP scheme had no good DPoP proof, {@code DPoP error="invalid_dpop_proof"}
   * (RFC 9449 section 7.1). Other denials get none: more scope would not help them.
   */
  public void forbidden(Exchange x, Denial d) {
    if (x.dpop() && PROOF_CODES.contains(d.code())) {
      x.response()
          .getHeaders()
          .put(
              HttpHeader.WWW_AUTHENTICATE,
              "DPoP algs=\""
                  + String.join(" ", DPOP_ALGS)
                  + "\", error=\"invalid_dpop_proof\", error_description=\""
                  + quoted(d.reason())
                  + "\"");
      return;
    }
    dev.mandate.token.Request decided = x.decidedRequest();
    if (d.code() != Decision.Code.GRANT || x.bearer() == null || decided == null) {
      return;
    }
    String scope;
    try {
      scope = Grant.literal(decided.service(), decided.action(), decided.resource()).toString();
    } catch (IllegalArgumentException e) {
      return; // no grant names this call (it would not be a scope token either)
    }
    if (!scope.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\')) {
      return;
    }
    x.response()
        .getHeaders()
        .put(
            HttpHeader.WWW_AUTHENTICATE,
            insufficientScope(
                x.request(), x.resourcePath(), x.dpop() ? "DPoP" : "Bearer", scope, d.reason()));
  }

  /**
   * Whether an MCP endpoint answers this denial of a guarded call with 403 and its challenge
   * ({@link #forbidden}) rather than a JSON-RPC error in a 200: for a token sent with the DPoP
   * scheme (an OAuth client: RFC 9449's errors and MCP's scope step-up are HTTP answers), and with
   * {@code oauth.stepUp} for every token. The Mandate SDK and the MCP SDKs without OAuth read a
   * denial from the JSON-RPC error and take a 403 for a transport failure.
   */
  public boolean answers403(Exchange x, String code) {
    boolean challengeable =
        Decision.Code.GRANT.name().equals(code)
            || PROOF_CODES.stream().anyMatch(c -> c.name().equals(code));
    return challengeable && (x.dpop() || (oauth != null && oauth.stepUp()));
  }

  /** A header-safe quoted-string body: printable ASCII, no quote or backslash, at most 300. */
  static String quoted(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 300; i++) {
      char c = s.charAt(i);
      out.append(c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? '\'' : c);
    }
    return out.toString();
  }
}
