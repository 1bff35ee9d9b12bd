package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
 *   <li>a Mandate denial of a {@code tools/call} whose upstream answers denials as results ({@link
 *       McpConfig.ToolDenials}): a tool result with {@code isError: true}, the reason as its text
 *       and the code (and approval details) as its structured content, so the model reads it;
 *   <li>an {@code APPROVAL_REQUIRED} denial of a 2026-07-28 call from a client that takes form
 *       elicitations: the input-required result that asks for the approval ({@link ApprovalRound});
 *   <li>a protocol error: a plain JSON-RPC error (with its {@code data}, such as the versions an
 *       unsupported protocol version is answered with);
 *   <li>when the request carries no JSON-RPC message (GET, DELETE, a refused origin or method): a
 *       problem body.
 * </ul>
 */
final class JsonRpcDenials implements DenialRenderer {
  /** Request attribute: a denied call is answered as a tool result ({@code Boolean}). */
  static final String AS_TOOL_RESULT = JsonRpcDenials.class.getName() + ".asToolResult";

  /**
   * Request attribute: an {@code APPROVAL_REQUIRED} denial is answered with an input-required
   * result; the value is the upstream's service.
   */
  static final String ASK_APPROVAL = JsonRpcDenials.class.getName() + ".askApproval";

  /** Request attribute: the answer is a 2026-07-28 result, which names its {@code resultType}. */
  static final String STATELESS = JsonRpcDenials.class.getName() + ".stateless";

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
    } else if (d.mandateDenial()
        && d.status() == 200
        && x.request().getAttribute(ASK_APPROVAL) instanceof String service
        && d.result() != null
        && d.result().approvalNeeded() != null) {
      json(
          response,
          callback,
          200,
          JsonRpc.result(id, ApprovalRound.inputRequired(d.result().approvalNeeded(), service)));
    } else if (d.mandateDenial()
        && d.status() == 200
        && Boolean.TRUE.equals(x.request().getAttribute(AS_TOOL_RESULT))) {
      json(
          response,
          callback,
          200,
          JsonRpc.result(
              id, deniedResult(d, Boolean.TRUE.equals(x.request().getAttribute(STATELESS)))));
    } else if (d.mandateDenial()) {
      if (d.status() == 403) {
        x.resource().forbidden(x, d);
      }
      json(response, callback, d.status(), deniedError(id, d));
    } else {
      ObjectNode error = JsonRpc.error(id, d.rpcCode(), d.reason());
      if (d.rpcData() != null) {
        ((ObjectNode) error.get("error")).set("data", d.rpcData());
      }
      json(response, callback, d.status(), error);
    }
  }

  /**
   * A denied tool call as a tool result the model reads: {@code isError: true}, the reason as text,
   * and in {@code structuredContent} the code, the same text as {@code message} (some clients show
   * the structured content instead of the text) and, for {@code APPROVAL_REQUIRED}, what to ask an
   * approver for (MCP server/tools, "Error handling": tool errors are reported in the result).
   */
  static ObjectNode deniedResult(Denial d, boolean stateless) {
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result
        .putArray("content")
        .addObject()
        .put("type", "text")
        .put("text", JsonRpcErrors.DENIED_MESSAGE_PREFIX + d.reason());
    ObjectNode structured = result.putObject("structuredContent");
    structured.put(
        JsonRpcErrors.DATA_CODE, d.result() != null ? d.result().code() : d.code().name());
    structured.put("message", JsonRpcErrors.DENIED_MESSAGE_PREFIX + d.reason());
    if (d.result() != null && d.result().approvalNeeded() != null) {
      structured.setAll(d.result().approvalNeeded().toJson());
    }
    result.put("isError", true);
    if (stateless) {
      result.put("resultType", "complete");
    }
    return result;
  }

  /**
   * The JSON-RPC error for a denial: the reason in the message, and in {@code data} the code and,
   * for {@code APPROVAL_REQUIRED}, what a client needs to ask for the approval, and for a budget's
   * denial, which budget and what is left of it.
   */
  private static JsonNode deniedError(JsonNode id, Denial d) {
    ObjectNode answer =
        JsonRpc.error(id, JsonRpcErrors.DENIED, JsonRpcErrors.DENIED_MESSAGE_PREFIX + d.reason());
    ObjectNode data = ((ObjectNode) answer.get("error")).putObject("data");
    data.put(JsonRpcErrors.DATA_CODE, d.result() != null ? d.result().code() : d.code().name());
    if (d.result() != null && d.result().approvalNeeded() != null) {
      data.setAll(d.result().approvalNeeded().toJson());
    }
    if (d.result() != null && d.result().budgetJson() != null) {
      data.setAll(d.result().budgetJson());
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
