package dev.mandate.authority;

import dev.mandate.server.HardenedServer;
import dev.mandate.server.ServerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** The authority's meters, exposed in the Prometheus text format at {@code /metrics}. */
final class Metrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  Metrics(LongSupplier feedLatestSequence) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gc.bindTo(registry);
    Gauge.builder("mandate.feed.latest.sequence", feedLatestSequence::getAsLong)
        .description("Sequence of the last revocation feed entry this replica has seen")
        .register(registry);
  }

  /** Exposes what the server's connection, header, body and thread limits refused. */
  void server(HardenedServer server) {
    ServerMetrics.bind(server, registry, "mandate.server");
  }

  /** Counts a mint request by outcome: {@code issued}, {@code denied} or {@code failed}. */
  void mint(String outcome) {
    Counter.builder("mandate.mints")
        .description("Mint requests by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  /** Counts an approval request by outcome: {@code issued} or {@code denied}. */
  void approval(String outcome) {
    Counter.builder("mandate.approvals")
        .description("Approval requests by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  /** Counts a published feed entry by kind (REVOKE, SUSPEND, RESUME). */
  void feedEntry(String kind) {
    Counter.builder("mandate.revocations")
        .description("Revocation feed entries published by this replica")
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  /** Records one HTTP request. */
  void request(String method, String route, int status, long nanos) {
    Timer.builder("mandate.http.requests")
        .description("HTTP requests by route and status")
        .tag("method", method)
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
