package dev.mandate.gateway.mcp;

import dev.mandate.gateway.CallGuard;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The MCP front end as a Jetty handler: one Streamable HTTP endpoint per configured upstream, at
 * the upstream's path; requests to other paths are not handled ({@code handle} returns false).
 *
 * <p>Every guarded call ({@code tools/call}, {@code resources/read}, {@code prompts/get}) is
 * decided by the {@link CallGuard}; {@code tools/list} shows only the tools that are configured and
 * that the presented capability could call; every other message passes through. A denial is a
 * JSON-RPC error {@code -32003} whose message starts with {@code "denied by Mandate: "}; a missing
 * or unusable token is HTTP 401 with {@code WWW-Authenticate: Bearer}.
 *
 * <p>Create it with {@link #create}, {@link #close()} it to end all sessions and stop their
 * upstream processes. Thread-safe.
 */
public final class McpHandler extends Handler.Abstract implements AutoCloseable {
  private final Map<String, McpEndpoint> endpoints = new LinkedHashMap<>();
  private final ExecutorService executor;
  private final ScheduledExecutorService sweeper;
  private final HttpClient httpClient;

  private McpHandler(McpConfig config, CallGuard guard) {
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "mcp-upstream-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.httpClient =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
    for (Upstream u : config.upstreams()) {
      endpoints.put(u.path(), new McpEndpoint(u, config, guard, httpClient, executor));
    }
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "mcp-session-sweeper");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(1, Math.min(30, config.sessionIdleTimeout().toSeconds() / 2));
    sweeper.scheduleWithFixedDelay(
        () -> endpoints.values().forEach(McpEndpoint::closeIdleSessions),
        period,
        period,
        TimeUnit.SECONDS);
  }

  /**
   * Creates the handler; upstream processes start only when agents open sessions.
   *
   * @param config the MCP configuration
   * @param guard decides every guarded call
   * @return the handler, ready to serve
   */
  public static McpHandler create(McpConfig config, CallGuard guard) {
    return new McpHandler(
        Objects.requireNonNull(config, "config"), Objects.requireNonNull(guard, "guard"));
  }

  /** Publishes the number of open sessions per service as {@code mandate.gateway.mcp.sessions}. */
  public void bindMetrics(MeterRegistry registry) {
    for (McpEndpoint e : endpoints.values()) {
      Gauge.builder("mandate.gateway.mcp.sessions", e, McpEndpoint::sessionCount)
          .description("open MCP agent sessions (for stdio upstreams: child processes)")
          .tag("service", e.service())
          .register(registry);
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    McpEndpoint endpoint = path == null ? null : endpoints.get(path);
    if (endpoint == null) {
      return false;
    }
    endpoint.handle(request, response, callback);
    return true;
  }

  /** Ends every session and stops every upstream process. Idempotent. */
  @Override
  public void close() {
    sweeper.shutdownNow();
    endpoints.values().forEach(McpEndpoint::closeAll);
    executor.shutdownNow();
  }
}
