package dev.mandate.gateway.mcp;

import java.util.Set;

/**
 * The JSON-RPC methods an agent may send to one upstream: the client-to-server methods of MCP
 * 2025-11-25 and, per upstream, those its configuration adds ({@code allowMethods}). Anything else
 * is refused before it reaches the upstream, so a server's non-standard method (a debug hook, an
 * admin call) is never reachable around the checks the gateway makes on the standard ones.
 */
final class MethodAllowlist {
  /** The requests an MCP 2025-11-25 client sends to a server. */
  static final Set<String> STANDARD_REQUESTS =
      Set.of(
          "initialize",
          "ping",
          "tools/list",
          "tools/call",
          "resources/list",
          "resources/templates/list",
          "resources/read",
          "resources/subscribe",
          "resources/unsubscribe",
          "prompts/list",
          "prompts/get",
          "completion/complete",
          "logging/setLevel",
          "tasks/get",
          "tasks/result",
          "tasks/list",
          "tasks/cancel");

  /** The notifications an MCP 2025-11-25 client sends to a server. */
  static final Set<String> STANDARD_NOTIFICATIONS =
      Set.of(
          "notifications/initialized",
          "notifications/cancelled",
          "notifications/progress",
          "notifications/roots/list_changed",
          "notifications/tasks/status");

  private final Set<String> extra;

  private MethodAllowlist(Set<String> extra) {
    this.extra = Set.copyOf(extra);
  }

  /**
   * The standard methods and {@code extra}.
   *
   * @param extra further methods the upstream's configuration allows
   */
  static MethodAllowlist standardAnd(Set<String> extra) {
    return new MethodAllowlist(extra);
  }

  /** Whether an agent's request ({@code notification == false}) or notification may pass. */
  boolean allows(String method, boolean notification) {
    return (notification ? STANDARD_NOTIFICATIONS : STANDARD_REQUESTS).contains(method)
        || extra.contains(method);
  }
}
