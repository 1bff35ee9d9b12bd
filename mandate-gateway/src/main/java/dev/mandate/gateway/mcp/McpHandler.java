package dev.mandate.gateway.mcp;

import dev.mandate.gateway.CallGuard;
import dev.mandate.gateway.ProtectedResource;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import dev.mandate.server.Tracing;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP front end as a Jetty handler: one Streamable HTTP endpoint per configured upstream, at
 * the upstream's path; requests to other paths are not handled ({@code handle} returns false).
 *
 * <p>Every guarded call ({@code tools/call}, {@code resources/read}, {@code prompts/get}) is
 * decided by the {@link CallGuard}, and every other session operation by {@link
 * CallGuard#checkSession}; lists show only what the presented capability covers; methods outside
 * MCP's standard set are refused (see the package documentation). A denial is a JSON-RPC error
 * {@code -32003} whose message starts with {@code "denied by Mandate: "}; a missing or unusable
 * token (or proof, for a session operation) is HTTP 401 with {@code WWW-Authenticate: Bearer}; a
 * stale revocation view is HTTP 503 with {@code Retry-After}.
 *
 * <p>Create it with {@link #create}, {@link #close()} it to end all sessions and stop their
 * upstream processes. Thread-safe.
 */
public final class McpHandler extends Handler.Abstract implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(McpHandler.class);
  private static final long WAKE_PERIOD_MILLIS = 100;
  private static final long ENDED_SWEEP_MILLIS = 500;
  private final Map<String, McpEndpoint> endpoints = new LinkedHashMap<>();
  private final ScheduledExecutorService sweeper;
  private final ScheduledExecutorService callTimer;
  private final HttpClient httpClient;

  private McpHandler(
      McpConfig config, CallGuard guard, Clock clock, Tracing tracing, ProtectedResource resource) {
    QueuedThreadPool threads = new QueuedThreadPool(200, 2);
    threads.setName("mcp-upstream");
    threads.setDaemon(true);
    this.httpClient = new HttpClient();
    httpClient.setExecutor(threads);
    httpClient.setConnectTimeout(5000);
    httpClient.setFollowRedirects(false);
    httpClient.setUserAgentField(null);
    // Every session may hold a GET stream besides its calls in flight: never let streams take all
    // the connections a destination may open.
    int sessions = config.upstreams().stream().mapToInt(Upstream::maxSessions).sum();
    httpClient.setMaxConnectionsPerDestination(Math.max(64, 2 * sessions + 16));
    try {
      httpClient.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the MCP upstream HTTP client", e);
    }
    McpEndpoint.Common common =
        new McpEndpoint.Common(config, guard, httpClient, tracing, clock, resource);
    for (Upstream u : config.upstreams()) {
      endpoints.put(u.path(), new McpEndpoint(u, common));
    }
    this.sweeper = daemon("mcp-session-sweeper");
    long period = Math.max(1, Math.min(30, config.sessionIdleTimeout().toSeconds() / 2));
    sweeper.scheduleWithFixedDelay(
        () -> endpoints.values().forEach(McpEndpoint::closeIdleSessions),
        period,
        period,
        TimeUnit.SECONDS);
    // A revoked or expired capability's sessions (and child processes) end within a second or so.
    every(sweeper, ENDED_SWEEP_MILLIS, "MCP session sweep", McpEndpoint::closeEndedSessions);
    // Calls answered without a waiting thread get their keep-alive comments and timeouts from a
    // thread woken here (so no timer is set per call). Its own thread: closing idle stdio sessions
    // may take seconds.
    this.callTimer = daemon("mcp-call-timer");
    every(callTimer, WAKE_PERIOD_MILLIS, "MCP call timer", McpEndpoint::wakeOverdue);
  }

  private static ScheduledExecutorService daemon(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Runs {@code task} on every endpoint each {@code millis}. A failure is logged and the next round
   * retries: a scheduled task that throws would never run again.
   */
  private void every(
      ScheduledExecutorService on, long millis, String what, Consumer<McpEndpoint> task) {
    on.scheduleWithFixedDelay(
        () -> {
          try {
            endpoints.values().forEach(task);
          } catch (RuntimeException e) {
            LOG.warn("{}: {}", what, e.toString());
          }
        },
        millis,
        millis,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Creates the handler; upstream processes start only when agents open sessions.
   *
   * @param config the MCP configuration
   * @param guard decides every guarded call
   * @param tracing the spans calls to {@code http} upstreams are made in
   * @param resource how the gateway describes itself as an OAuth protected resource (its challenges
   *     name its metadata; DPoP proofs name its public URL)
   * @return the handler, ready to serve
   */
  public static McpHandler create(
      McpConfig config, CallGuard guard, Tracing tracing, ProtectedResource resource) {
    return new McpHandler(
        Objects.requireNonNull(config, "config"),
        Objects.requireNonNull(guard, "guard"),
        Clock.systemUTC(),
        Objects.requireNonNull(tracing, "tracing"),
        Objects.requireNonNull(resource, "resource"));
  }

  /** Without tracing or resource metadata, with the clock that capabilities expire by. */
  static McpHandler create(McpConfig config, CallGuard guard, Clock clock) {
    return new McpHandler(
        Objects.requireNonNull(config, "config"),
        Objects.requireNonNull(guard, "guard"),
        Objects.requireNonNull(clock, "clock"),
        Tracing.off(),
        ProtectedResource.NONE);
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
    callTimer.shutdownNow();
    endpoints.values().forEach(McpEndpoint::closeAll);
    try {
      httpClient.stop();
    } catch (Exception e) {
      // Stopping only ends connections; nothing is left to clean up.
    }
  }
}
