package dev.mandate.authority;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.http.HttpHeader;

/**
 * {@code GET /v1/health} (liveness: the process serves), {@code GET /v1/ready} (readiness: the
 * database answers; 503 when it does not, so a load balancer sends mints and feed followers to
 * another authority) and {@code GET /metrics} (Prometheus text), all public unless a metrics token
 * is configured, which {@code /metrics} then requires as {@code Authorization: Bearer}.
 */
final class HealthEndpoints extends Endpoints {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final byte[] expectedAuthorization;

  /**
   * @param metricsToken the bearer token {@code GET /metrics} requires, or null for none
   */
  HealthEndpoints(Parts parts, char[] metricsToken) {
    super(parts);
    this.expectedAuthorization =
        metricsToken == null
            ? null
            : ("Bearer " + new String(metricsToken)).getBytes(StandardCharsets.UTF_8);
  }

  /** The metrics, or 401 when a token is configured and the request does not present it. */
  private CompletionStage<Reply> metrics(Call call) {
    if (expectedAuthorization != null) {
      String presented = call.header(HttpHeader.AUTHORIZATION);
      if (presented == null
          || !MessageDigest.isEqual(
              presented.getBytes(StandardCharsets.UTF_8), expectedAuthorization)) {
        return CompletableFuture.completedFuture(
            Replies.unauthenticated(
                "Bearer realm=\"mandate-metrics\"",
                "the metrics need Authorization: Bearer with the configured metrics token"));
      }
    }
    return Reply.now(200, new Reply.Text(PROMETHEUS_TEXT, metrics.scrape()));
  }

  /** One round trip to the database; a failure is a 503 problem (Replies maps StoreException). */
  private CompletionStage<Reply> ready() {
    store.latestSequence();
    return Reply.now(200, Map.of("status", "ready"));
  }

  @Override
  List<Route> routes() {
    return List.of(
        new Route(
            "GET",
            "/v1/health",
            Route.Access.PUBLIC,
            call -> Reply.now(200, Map.of("status", "ok"))),
        new Route("GET", "/v1/ready", Route.Access.PUBLIC, call -> ready()),
        new Route("GET", "/metrics", Route.Access.PUBLIC, this::metrics));
  }
}
