package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.mcp.McpConfig.Root;
import java.util.List;

/**
 * The client-side MCP features the gateway owns instead of the agent. Roots tell a server which
 * directories it may work in (the filesystem server replaces its configured directories with them),
 * so an agent that answers {@code roots/list} could widen the server's reach past everything the
 * gateway checks against. The gateway therefore takes the agent's {@code roots} capability out of
 * the {@code initialize} it forwards, declares roots itself only when the upstream's configuration
 * lists some, answers the server's {@code roots/list} from that list, and drops the agent's {@code
 * notifications/roots/list_changed}.
 */
final class ClientFeatures {
  static final String ROOTS_LIST = "roots/list";
  static final String ROOTS_LIST_CHANGED = "notifications/roots/list_changed";
  static final int METHOD_NOT_FOUND = -32601;

  private final List<Root> roots;

  /**
   * @param roots the roots the gateway answers {@code roots/list} with; empty: the gateway declares
   *     no roots capability and refuses the request
   */
  ClientFeatures(List<Root> roots) {
    this.roots = List.copyOf(roots);
  }

  /**
   * The agent's {@code initialize} as it goes upstream: a copy whose client capabilities declare
   * roots only if the gateway has some to give (without list changes: they are fixed).
   */
  JsonNode initialize(JsonNode message) {
    ObjectNode copy = (ObjectNode) message.deepCopy();
    JsonNode params = copy.get("params");
    if (params instanceof ObjectNode p) {
      JsonNode capabilities = p.get("capabilities");
      if (capabilities instanceof ObjectNode c) {
        c.remove("roots");
        if (!roots.isEmpty()) {
          c.putObject("roots");
        }
      } else if (!roots.isEmpty()) {
        p.putObject("capabilities").putObject("roots");
      }
    }
    return copy;
  }

  /** Whether an agent's notification is about a feature the gateway owns (it is dropped). */
  static boolean owned(String notification) {
    return ROOTS_LIST_CHANGED.equals(notification);
  }

  /**
   * The gateway's own answer to a request the upstream sent, or null if the agent answers it.
   * {@code roots/list} is answered with the configured roots, or refused when there are none.
   */
  JsonNode answer(JsonNode serverRequest) {
    if (!JsonRpc.isRequest(serverRequest) || !ROOTS_LIST.equals(JsonRpc.method(serverRequest))) {
      return null;
    }
    JsonNode id = serverRequest.get("id");
    if (roots.isEmpty()) {
      return JsonRpc.error(id, METHOD_NOT_FOUND, "roots are not offered through this gateway");
    }
    ObjectNode answer = JsonRpc.MAPPER.createObjectNode();
    answer.put("jsonrpc", "2.0");
    answer.set("id", id);
    ArrayNode list = answer.putObject("result").putArray("roots");
    for (Root r : roots) {
      ObjectNode root = list.addObject().put("uri", r.uri());
      if (r.name() != null) {
        root.put("name", r.name());
      }
    }
    return answer;
  }
}
