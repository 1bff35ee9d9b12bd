package dev.mandate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.token.Proof;
import dev.mandate.wire.MandateHeaders;
import java.io.InputStream;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request as it goes through the {@link Pipeline}: the Jetty request, response and callback,
 * and what the stages learn that the denial renderer needs (the presented token, the JSON-RPC id).
 * Used by one thread at a time.
 */
public final class Exchange {
  /** The header of a DPoP proof (RFC 9449 section 4.1). */
  public static final String DPOP_HEADER = "DPoP";

  private final Request request;
  private final Response response;
  private final Callback callback;
  private final String bearer;
  private final boolean dpop;
  private final ProtectedResource resource;
  private final String resourcePath;
  private InputStream body;
  private JsonNode rpcId;
  private boolean jsonRpc;
  private final long startNanos = System.nanoTime();
  private dev.mandate.token.Request decidedRequest;
  private GuardResult decision;
  private boolean logged;

  /** Wraps one request to a gateway that does not describe itself as a protected resource. */
  public Exchange(Request request, Response response, Callback callback) {
    this(request, response, callback, ProtectedResource.NONE, "");
  }

  /**
   * Wraps one request.
   *
   * @param resource the gateway as a protected resource, for challenges and DPoP proofs
   * @param resourcePath the path of the resource the request is for: an MCP endpoint's path, or the
   *     request's path at the HTTP proxy
   */
  public Exchange(
      Request request,
      Response response,
      Callback callback,
      ProtectedResource resource,
      String resourcePath) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    String bearerToken = token(authorization, "Bearer ");
    String dpopToken = token(authorization, "DPoP ");
    this.bearer = bearerToken != null ? bearerToken : dpopToken;
    this.dpop = dpopToken != null;
    this.resource = resource;
    this.resourcePath = resourcePath;
  }

  /** The request. */
  public Request request() {
    return request;
  }

  /** The response, not committed until a stage or the denial renderer writes it. */
  public Response response() {
    return response;
  }

  /** The callback that completes the exchange. */
  public Callback callback() {
    return callback;
  }

  /**
   * The token of {@code Authorization: Bearer} or {@code Authorization: DPoP} (RFC 9449 section
   * 7.1), or null if none was sent.
   */
  public String bearer() {
    return bearer;
  }

  /** Whether the token was sent with the DPoP scheme. */
  public boolean dpop() {
    return dpop;
  }

  /** The gateway as a protected resource. */
  public ProtectedResource resource() {
    return resource;
  }

  /** The path of the resource the request is for (see the constructor). */
  public String resourcePath() {
    return resourcePath;
  }

  /**
   * The holder proof the request carries: with the DPoP scheme, the {@code DPoP} header's proof of
   * this HTTP request (several {@code DPoP} headers make one that fails); else the {@code
   * Mandate-Proof} header. A token sent as Bearer never has a DPoP proof, so a capability bound to
   * a DPoP key presented as Bearer is refused for want of one.
   *
   * @return the proof, or null if none was sent
   */
  public Proof proof() {
    if (dpop) {
      List<String> values = request.getHeaders().getValuesList(DPOP_HEADER);
      if (values.isEmpty()) {
        return null;
      }
      return Proof.dpop(
          String.join(",", values), request.getMethod(), resource.requestUri(request));
    }
    String proof = request.getHeaders().get(MandateHeaders.PROOF);
    return proof == null ? null : Proof.of(proof);
  }

  /** The client's address. */
  public String sourceIp() {
    return Request.getRemoteAddr(request);
  }

  /** The request body as a stream; nothing is read until a stage reads it. */
  public InputStream body() {
    if (body == null) {
      body = Content.Source.asInputStream(request);
    }
    return body;
  }

  /** The id of the JSON-RPC request being handled, once parsed (else null). */
  public JsonNode rpcId() {
    return rpcId;
  }

  /** Records the id of the JSON-RPC request being handled, for the answer to a denial. */
  public void rpcId(JsonNode id) {
    this.rpcId = id;
  }

  /**
   * Whether the request carries a JSON-RPC message, so a denial is answered as a JSON-RPC error.
   */
  public boolean jsonRpc() {
    return jsonRpc;
  }

  /** Marks the request as carrying a JSON-RPC message. */
  public void answerInJsonRpc() {
    this.jsonRpc = true;
  }

  /** The request's id for logs: the connection's id and the request's within it. */
  public String requestId() {
    return request.getConnectionMetaData().getId() + "/" + request.getId();
  }

  /** Microseconds since the exchange began. */
  long elapsedMicros() {
    return (System.nanoTime() - startNanos) / 1_000;
  }

  /**
   * Records what was decided for the request (the first decision only), for the decision log.
   *
   * @param decided the request as decided (service, action, resource), or null if not known
   * @param result the guard's decision
   */
  public void decided(dev.mandate.token.Request decided, GuardResult result) {
    if (decision == null) {
      this.decidedRequest = decided;
      this.decision = result;
    }
  }

  GuardResult decision() {
    return decision;
  }

  dev.mandate.token.Request decidedRequest() {
    return decidedRequest;
  }

  /** Marks the decision as logged; false if it was already. */
  boolean markLogged() {
    if (logged) {
      return false;
    }
    logged = true;
    return true;
  }

  /** The token of an {@code Authorization} header of the Bearer scheme (RFC 6750), or null. */
  static String bearer(String authorization) {
    return token(authorization, "Bearer ");
  }

  /** The token of an {@code Authorization} header of this scheme (with its space), or null. */
  private static String token(String authorization, String scheme) {
    if (authorization == null) {
      return null;
    }
    String a = authorization.trim();
    int n = scheme.length();
    if (a.length() < n || !a.regionMatches(true, 0, scheme, 0, n)) {
      return null;
    }
    String token = a.substring(n).trim();
    return token.isEmpty() ? null : token;
  }
}
