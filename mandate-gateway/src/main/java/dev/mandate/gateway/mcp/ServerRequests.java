package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The requests an upstream sent that the gateway delivered to the agent of one session and that the
 * agent has not answered yet. The agent's responses are forwarded only to these, each once, so an
 * agent cannot answer a request the server never made to it (a forged {@code roots/list} answer, a
 * second answer to a sampling request) or one the gateway answered itself. Bounded: past {@value
 * #MAX_OUTSTANDING} unanswered requests the oldest is forgotten. Thread-safe.
 */
final class ServerRequests {
  static final int MAX_OUTSTANDING = 256;

  private final Set<String> outstanding = new LinkedHashSet<>();

  /** Notes a message about to be written to the agent; only requests are remembered. */
  synchronized void delivering(JsonNode message) {
    if (!JsonRpc.isRequest(message)) {
      return;
    }
    if (outstanding.add(JsonRpc.idKey(message.get("id"))) && outstanding.size() > MAX_OUTSTANDING) {
      Iterator<String> oldest = outstanding.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /**
   * Takes the delivered request an agent's response answers.
   *
   * @return true once per delivered request; false for any other response
   */
  synchronized boolean claim(JsonNode response) {
    JsonNode id = response.get("id");
    return id != null
        && (id.isTextual() || id.isIntegralNumber())
        && outstanding.remove(JsonRpc.idKey(id));
  }

  /** Forgets a request the upstream cancelled (its {@code notifications/cancelled}). */
  synchronized void cancelled(JsonNode notification) {
    JsonNode id = notification.path("params").get("requestId");
    if (id != null && (id.isTextual() || id.isIntegralNumber())) {
      outstanding.remove(JsonRpc.idKey(id));
    }
  }
}
