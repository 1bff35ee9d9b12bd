package dev.mandate.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The meters both servers publish besides their own: the JVM's (memory, threads, garbage
 * collection, processor, uptime), what {@link HardenedServer}'s limits refused, and a timer of HTTP
 * requests.
 */
public final class ServerMeters {
  private ServerMeters() {}

  /**
   * Binds the JVM's meters; closing the result stops listening for garbage collections.
   *
   * @return what to close when the registry is closed
   */
  public static AutoCloseable bindJvm(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    return gc;
  }

  /**
   * Binds counters of what the server's limits refused, named {@code PREFIX.refused.connections},
   * {@code .slow.headers}, {@code .slow.bodies} and {@code .refused.requests}.
   */
  public static void bindLimits(MeterRegistry registry, HardenedServer server, String prefix) {
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

  /** The methods tagged by name; any other is tagged {@code other}, so a client cannot add tags. */
  private static final Set<String> METHODS =
      Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");

  /**
   * Wraps a handler so that each request is timed, from its arrival to its response's completion,
   * in the timer {@code name} tagged with the method ({@code other} for an unusual one) and the
   * status code.
   */
  public static Handler timed(Handler next, MeterRegistry registry, String name) {
    Map<String, Timer> timers = new ConcurrentHashMap<>();
    return new Handler.Wrapper(next) {
      @Override
      public boolean handle(Request request, Response response, Callback callback)
          throws Exception {
        long start = System.nanoTime();
        return super.handle(
            request,
            response,
            new Callback.Nested(callback) {
              @Override
              public void succeeded() {
                record(response.getStatus());
                super.succeeded();
              }

              @Override
              public void failed(Throwable x) {
                record(response.isCommitted() ? response.getStatus() : 500);
                super.failed(x);
              }

              private void record(int status) {
                String method =
                    METHODS.contains(request.getMethod()) ? request.getMethod() : "other";
                String code = status >= 100 && status <= 599 ? Integer.toString(status) : "other";
                timers
                    .computeIfAbsent(
                        method + " " + code,
                        k ->
                            Timer.builder(name)
                                .description("HTTP requests by method and status")
                                .tag("method", method)
                                .tag("status", code)
                                .register(registry))
                    .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              }
            });
      }
    };
  }
}
