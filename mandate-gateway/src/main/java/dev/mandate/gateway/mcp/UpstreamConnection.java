package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One session with an upstream MCP server: messages go out with {@link #send}, and everything the
 * upstream says (responses, requests, notifications) comes back through the {@link Listener}, in
 * order. Implementations are thread-safe.
 */
interface UpstreamConnection extends AutoCloseable {
  /** Receives what the upstream sends. Called from the connection's own threads. */
  interface Listener {
    /** One JSON-RPC message from the upstream. */
    void onMessage(JsonNode message);

    /**
     * The connection ended (the child exited, the HTTP session expired, the upstream is
     * unreachable). Called at most once; nothing is delivered afterwards.
     */
    void onClosed(String why);
  }

  /**
   * Sends one message. Never blocks on the upstream's answer.
   *
   * @throws UpstreamUnavailableException if the connection is closed or the message could not be
   *     written
   */
  void send(JsonNode message);

  /** Whether the connection can still carry messages. */
  boolean alive();

  /** Ends the session (stops the child or deletes the HTTP session). Idempotent; never throws. */
  @Override
  void close();
}
