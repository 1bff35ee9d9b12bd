package dev.mandate.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What a {@link HardenedServer}'s connection, header, body and thread limits refused, as meters.
 */
public final class ServerMetrics {
  private ServerMetrics() {}

  /**
   * Registers the server's refusal counters under {@code prefix} ({@code mandate.server} for the
   * authority, {@code mandate.gateway.server} for the gateway): {@code .refused.connections},
   * {@code .slow.headers}, {@code .slow.bodies} and {@code .refused.requests}.
   */
  public static void bind(HardenedServer server, MeterRegistry registry, String prefix) {
    FunctionCounter.builder(
            prefix + ".refused.connections", server, HardenedServer::refusedConnections)
        .description("Connections closed at accept: their client address was at its cap")
        .register(registry);
    FunctionCounter.builder(prefix + ".slow.headers", server, HardenedServer::slowHeaders)
        .description("Connections closed because request headers came too slowly")
        .register(registry);
    FunctionCounter.builder(prefix + ".slow.bodies", server, HardenedServer::slowBodies)
        .description("Request bodies cut for arriving slower than the minimum rate")
        .register(registry);
    FunctionCounter.builder(prefix + ".refused.requests", server, HardenedServer::refusedRequests)
        .description("Requests refused with 503 after waiting too long for a thread")
        .register(registry);
  }
}
