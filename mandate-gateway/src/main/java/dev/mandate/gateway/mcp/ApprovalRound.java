package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.GuardResult;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Asking for a person's approval through MCP 2026-07-28's own retry pattern (the input-required
 * result, SEP-2322): a call that needs an approval is answered with {@code resultType:
 * "input_required"}, one form elicitation asking for the approval, and a {@code requestState}
 * carrying the exact call's digest and token id; the client shows the form, then retries the same
 * request with the person's answer in {@code inputResponses} and the state echoed. A client that
 * follows the revision needs no Mandate-specific code.
 *
 * <p>The state is not trusted: it only tells the gateway that a retry answers its round. The
 * approval it brings is verified like one in {@code Mandate-Approval}, against the call as retried,
 * so an approval for another call, or a changed call, is refused. Neither the state nor the
 * gateway's input response is forwarded upstream.
 */
final class ApprovalRound {
  /** The key of the gateway's input request. */
  static final String KEY = "mandate_approval";

  /** Prefix of the gateway's request state. */
  static final String STATE_PREFIX = "mandate-approval.1.";

  /**
   * What a retry brought.
   *
   * @param approval the approval's text, or null if the person gave none (declined, cancelled)
   */
  record Retry(String approval) {}

  private ApprovalRound() {}

  /**
   * Takes the gateway's round out of a retried request's params (in place): its request state and
   * its input response; null if the request answers no round of the gateway's.
   */
  static Retry take(JsonNode params) {
    if (params == null || !params.isObject()) {
      return null;
    }
    ObjectNode p = (ObjectNode) params;
    JsonNode state = p.get("requestState");
    JsonNode responses = p.get("inputResponses");
    JsonNode response = null;
    if (responses != null && responses.isObject()) {
      response = ((ObjectNode) responses).remove(KEY);
      if (responses.isEmpty()) {
        p.remove("inputResponses");
      }
    }
    if (state == null || !state.isTextual() || !state.textValue().startsWith(STATE_PREFIX)) {
      return null;
    }
    p.remove("requestState");
    String approval = null;
    if (response != null && "accept".equals(response.path("action").textValue())) {
      JsonNode text = response.path("content").get("approval");
      if (text != null && text.isTextual() && !text.textValue().isBlank()) {
        approval = text.textValue().strip();
      }
    }
    return new Retry(approval);
  }

  /** The input-required result asking for the approval a denial names. */
  static ObjectNode inputRequired(GuardResult.ApprovalNeeded needed, String service) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode result = f.objectNode();
    result.put("resultType", "input_required");
    ObjectNode elicit = result.putObject("inputRequests").putObject(KEY);
    elicit.put("method", "elicitation/create");
    ObjectNode params = elicit.putObject("params");
    params.put("mode", "form");
    params.put(
        "message",
        "Mandate: this call to "
            + service
            + " needs a person's approval. "
            + (needed.task() == null
                ? ""
                : "It waits as request " + needed.task().id() + " in the approvers' inbox; ")
            + "Ask an approver ("
            + String.join(", ", needed.groups())
            + ") to approve request "
            + needed.requestDigest()
            + " of token "
            + needed.tokenId()
            + " at the authority, then paste the approval here.");
    ObjectNode schema = params.putObject("requestedSchema");
    schema.put("type", "object");
    ObjectNode approval = schema.putObject("properties").putObject("approval");
    approval.put("type", "string");
    approval.put("title", "Approval");
    approval.put("description", "The approval the authority issued for this exact call");
    schema.putArray("required").add("approval");
    // For hosts that ask the authority themselves: what POST /v1/approvals takes.
    params.putObject("_meta").set("dev.mandate/approval", needed.toJson());
    ObjectNode state = f.objectNode();
    state.put("tokenId", needed.tokenId());
    state.put("requestDigest", needed.requestDigest());
    result.put(
        "requestState",
        STATE_PREFIX
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(JsonRpc.write(state).getBytes(StandardCharsets.UTF_8)));
    return result;
  }
}
