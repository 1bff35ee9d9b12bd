package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.Denial;
import dev.mandate.gateway.DenialRenderer;
import dev.mandate.gateway.Exchange;
import dev.mandate.server.ProblemResponses;
import dev.mandate.token.Decision;
import dev.mandate.wire.JsonRpcErrors;
import dev.mandate.wire.Problem;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The MCP front end's one way to answer a {@link Denial}:
 *
 * <ul>
 *   <li>when the gateway cannot decide now (code {@code UNAVAILABLE}: a stale revocation view, a
 *       failing store or audit spool): 503 with {@code Retry-After} and a JSON-RPC error coded
 *       {@link JsonRpcErrors#UNAVAILABLE}, never a token error a client might act on by discarding
 *       a good token;
 *   <li>401 with a {@code WWW-Authenticate} challenge when the token or a session operation's proof
 *       is not good;
 *   <li>a Mandate denial: the JSON-RPC error {@link JsonRpcErrors#DENIED} with the reason in the
 *       message and the code (and, for {@code APPROVAL_REQUIRED}, what to ask an approver for) in
 *       {@code data};
 *   <li>a protocol error: a plain JSON-RPC error;
 *   <li>when the request carries no JSON-RPC message (GET, DELETE, a refused origin or method): a
 *       problem body.
 * </ul>
 */
final class JsonRpcDenials implements DenialRenderer {
  @Override
  public void render(Exchange x, Denial d) {
    Response response = x.response();
    Callback callback = x.callback();
    JsonNode id = x.rpcId();
    if (d.code() == Decision.Code.UNAVAILABLE) {
      if (!response.getHeaders().contains(HttpHeader.RETRY_AFTER)) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      }
      ObjectNode answer =
          JsonRpc.error(
              id, JsonRpcErrors.UNAVAILABLE, "the gateway cannot decide right now: " + d.reason());
      ((ObjectNode) answer.get("error")).putObject("data").put(JsonRpcErrors.DATA_CODE, d.error());
      json(response, callback, 503, answer);
    } else if (d.status() == 401) {
      unauthorized(x, id, x.bearer() == null ? null : d.reason());
    } else if (!x.jsonRpc()) {
      x.resource().forbidden(x, d);
      ProblemResponses.send(response, callback, Problem.of(d.status(), d.error(), d.reason()));
    } else if (d.mandateDenial()) {
      if (d.status() == 403) {
        x.resource().forbidden(x, d);
      }
      json(response, callback, d.status(), deniedError(id, d));
    } else {
      json(response, callback, d.status(), JsonRpc.error(id, d.rpcCode(), d.reason()));
    }
  }

  /**
   * The JSON-RPC error for a denial: the reason in the message, and in {@code data} the code and,
   * for {@code APPROVAL_REQUIRED}, what a client needs to ask for the approval.
   */
  private static JsonNode deniedError(JsonNode id, Denial d) {
    ObjectNode answer =
        JsonRpc.error(id, JsonRpcErrors.DENIED, JsonRpcErrors.DENIED_MESSAGE_PREFIX + d.reason());
    ObjectNode data = ((ObjectNode) answer.get("error")).putObject("data");
    data.put(JsonRpcErrors.DATA_CODE, d.result() != null ? d.result().code() : d.code().name());
    if (d.result() != null && d.result().approvalNeeded() != null) {
      data.setAll(d.result().approvalNeeded().toJson());
    }
    return answer;
  }

  private static void unauthorized(Exchange x, JsonNode id, String reason) {
    x.resource().challenge(x, reason);
    json(
        x.response(),
        x.callback(),
        401,
        JsonRpc.error(
            id,
            JsonRpcErrors.DENIED,
            JsonRpcErrors.DENIED_MESSAGE_PREFIX
                + (reason == null
                    ? "a capability is required (Authorization: Bearer, or DPoP with its proof)"
                    : reason)));
  }

  /** Writes a JSON answer. */
  static void json(Response response, Callback callback, int status, JsonNode body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    byte[] bytes = JsonRpc.writeBytes(body);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
