package dev.mandate.gateway;

/**
 * Writes a front end's answer to a {@link Denial}: the one place a front end turns refusals into
 * responses (problem+json for HTTP, JSON-RPC errors for MCP). Called after the denial was audited
 * and counted; the response is not committed yet.
 */
public interface DenialRenderer {
  /** Answers {@code denial} on {@code exchange}'s response and completes its callback. */
  void render(Exchange exchange, Denial denial);
}
