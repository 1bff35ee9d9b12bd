package dev.mandate.authority;

import java.util.List;
import java.util.Map;

/** {@code GET /v1/health} and {@code GET /metrics} (Prometheus text), both public. */
final class HealthEndpoints {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Metrics metrics;

  HealthEndpoints(Metrics metrics) {
    this.metrics = metrics;
  }

  List<Route> routes() {
    return List.of(
        new Route(
            "GET",
            "/v1/health",
            Route.Access.PUBLIC,
            call -> Reply.now(200, Map.of("status", "ok"))),
        new Route(
            "GET",
            "/metrics",
            Route.Access.PUBLIC,
            call -> Reply.now(200, new Reply.Text(PROMETHEUS_TEXT, metrics.scrape()))));
  }
}
