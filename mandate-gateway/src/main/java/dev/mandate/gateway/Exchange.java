package dev.mandate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
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
  private final Request request;
  private final Response response;
  private final Callback callback;
  private final String bearer;
  private InputStream body;
  private JsonNode rpcId;
  private boolean jsonRpc;
  private final long startNanos = System.nanoTime();
  private dev.mandate.token.Request decidedRequest;
  private GuardResult decision;
  private boolean logged;

  /** Wraps one request. */
  public Exchange(Request request, Response response, Callback callback) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.bearer = bearer(request.getHeaders().get(HttpHeader.AUTHORIZATION));
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

  /** The token of {@code Authorization: Bearer}, or null if none was sent. */
  public String bearer() {
    return bearer;
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
    if (authorization == null) {
      return null;
    }
    String a = authorization.trim();
    if (a.length() < 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = a.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
