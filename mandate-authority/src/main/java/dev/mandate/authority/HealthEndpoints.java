package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /v1/health} (liveness: the process serves), {@code GET /v1/ready} (readiness: the
 * database answers; 503 when it does not, so a load balancer sends mints and feed followers to
 * another authority) and {@code GET /metrics} (Prometheus text), all public.
 */
final class HealthEndpoints {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Metrics metrics;
  private final AuthorityStore store;

  HealthEndpoints(Metrics metrics, AuthorityStore store) {
    this.metrics = metrics;
    this.store = store;
  }

  /** One round trip to the database; a failure is a 503 problem (Replies maps StoreException). */
  private CompletionStage<Reply> ready() {
    store.latestSequence();
    return Reply.now(200, Map.of("status", "ready"));
  }

  List<Route> routes() {
    return List.of(
        new Route(
            "GET",
            "/v1/health",
            Route.Access.PUBLIC,
            call -> Reply.now(200, Map.of("status", "ok"))),
        new Route("GET", "/v1/ready", Route.Access.PUBLIC, call -> ready()),
        new Route(
            "GET",
            "/metrics",
            Route.Access.PUBLIC,
            call -> Reply.now(200, new Reply.Text(PROMETHEUS_TEXT, metrics.scrape()))));
  }
}
