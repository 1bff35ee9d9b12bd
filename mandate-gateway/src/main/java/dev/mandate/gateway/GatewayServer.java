package dev.mandate.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.server.HardenedServer;
import dev.mandate.server.ProblemErrorHandler;
import dev.mandate.server.ProblemResponses;
import dev.mandate.server.ServerMeters;
import dev.mandate.server.Tracing;
import dev.mandate.token.BudgetLedger;
import dev.mandate.token.Decision;
import dev.mandate.token.InvalidTokenException;
import dev.mandate.token.ReplayGuard;
import dev.mandate.token.UsageCounter;
import dev.mandate.wire.Problem;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the HTTP reverse proxy, any mounted front ends (the MCP endpoint), {@code GET
 * /health} and {@code GET /metrics} (Prometheus), over one {@link Guard}. Start it with {@link
 * #start(GatewayConfig)}; {@link #close()} stops taking calls, lets the calls in flight finish,
 * uploads what the audit spool holds (within the shutdown timeout; the rest waits on disk for the
 * next start) and fsyncs the spool.
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Something served beside the HTTP proxy under a path prefix, such as the MCP endpoint. Found
   * with {@link ServiceLoader} (register a {@link Factory} in {@code
   * META-INF/services/dev.mandate.gateway.GatewayServer$FrontEnd$Factory}) or passed to {@link
   * #start(GatewayConfig, Clock, List)}.
   */
  public interface FrontEnd extends AutoCloseable {
    /** The path it serves, e.g. {@code /mcp}; requests to it and below go to {@link #handler()}. */
    String pathPrefix();

    /** The Jetty handler answering its requests. */
    Handler handler();

    /**
     * Per service, how to rewrite its host paths in text shown to people (an MCP upstream's roots,
     * made grant-relative); none by default.
     */
    default Map<String, UnaryOperator<String>> hostPaths() {
      return Map.of();
    }

    /** Releases what it holds (child processes, connections). Must not throw. */
    @Override
    void close();

    /** Creates a front end for a gateway. */
    interface Factory {
      /**
       * Returns the front end, or null if the configuration does not ask for it. Its calls to
       * upstreams should be made in {@code tracing}'s client spans.
       *
       * @throws GatewayConfigException if its section of the configuration is invalid
       */
      FrontEnd create(
          GatewayConfig config, CallGuard guard, MeterRegistry metrics, Tracing tracing);
    }
  }

  private final GatewayConfig config;
  private final PrometheusMeterRegistry metrics;
  private final AutoCloseable jvmMeters;
  private final HttpClient authorityClient;
  private final org.eclipse.jetty.client.HttpClient upstreamClient;
  private final AuthorityLink link;
  private final Tracing tracing;
  private final AuditSpool spool;
  private final AuditUploader uploader;
  private final PendingApprovals pendingApprovals;
  private final RedisState redis;
  private final Guard guard;
  private final List<FrontEnd> frontEnds;
  private final HardenedServer http;
  private final Server server;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  private GatewayServer(GatewayConfig config, Clock clock, List<FrontEnd.Factory> factories)
      throws IOException {
    this.config = config;
    this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.config().commonTags("audience", config.audience());
    this.jvmMeters = ServerMeters.bindJvm(metrics);
    this.authorityClient =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.tracing =
        config.tracing() == null
            ? Tracing.off()
            : Tracing.otlp(config.tracing().otlpEndpoint(), config.tracing().serviceName());
    this.link = new AuthorityLink(config.authority(), authorityClient, tracing, clock, metrics);
    this.spool = AuditSpool.open(config.spool());
    List<AutoCloseable> opened = new ArrayList<>();
    opened.add(spool);
    try {
      this.uploader =
          new AuditUploader(spool, authorityClient, tracing, config.authority(), metrics);
      this.pendingApprovals =
          new PendingApprovals(config.authority(), authorityClient, tracing, metrics);
      opened.add(pendingApprovals);
      ReplayGuard replay;
      UsageCounter usage;
      BudgetLedger budgets;
      if (config.redis() != null) {
        this.redis = new RedisState(config.redis(), clock);
        opened.add(redis);
        try {
          redis.ping();
        } catch (RedisState.UnavailableException e) {
          LOG.warn(
              "Redis is not reachable now; calls that need usage counts or proof replay checks"
                  + " are refused until it is");
        }
        replay = redis;
        usage = redis;
        budgets = redis;
      } else {
        this.redis = null;
        replay = ReplayGuard.inMemory(1_000_000, clock);
        usage = UsageCounter.inMemory(clock);
        budgets = BudgetLedger.inMemory(clock);
      }
      this.guard =
          new Guard(
              config.audience(),
              link,
              config.verification(),
              replay,
              usage,
              budgets,
              spool,
              pendingApprovals,
              clock,
              metrics);
      this.frontEnds = new ArrayList<>();
      for (FrontEnd.Factory f : factories) {
        FrontEnd fe = f.create(config, guard, metrics, tracing);
        if (fe != null) {
          frontEnds.add(fe);
          opened.add(fe);
          fe.hostPaths().forEach(pendingApprovals::hideHostPaths);
        }
      }

      this.http =
          HardenedServer.builder("mandate-gateway-http")
              .listen(config.listen().host(), config.listen().port())
              .limits(config.limits().server())
              // The health check answers whatever the calls in flight hold: load balancers and
              // operators must see a gateway that is up as up.
              .protect(
                  r ->
                      HttpMethod.GET.is(r.getMethod())
                          && ("/health".equals(r.getHttpURI().getPath())
                              || "/ready".equals(r.getHttpURI().getPath())))
              .http(
                  h -> {
                    h.setResponseHeaderSize(config.limits().maxResponseHeaderBytes());
                    // Jetty learns repeated header fields per connection; every agent's
                    // Authorization header is a long, distinct token, so the cache only costs a
                    // trie walk over it on each request (~10 % of the gateway's request-thread CPU
                    // in bin/bench-gateway) and keeps tokens around.
                    h.setHeaderCacheSize(0);
                  })
              .build();
      this.server = http.server();
      this.upstreamClient = upstreamClient(config, http.threads());
      // Started after and stopped before the server's connectors, on the server's thread pool.
      server.addBean(upstreamClient);
      ServerMeters.bindLimits(metrics, http, "mandate.gateway.server");
      HttpProxy proxy = new HttpProxy(config, guard, upstreamClient, tracing);
      http.setHandler(
          new GracefulHandler(
              tracing.serverSpans(
                  ServerMeters.timed(
                      new Dispatch(proxy), metrics, "mandate.gateway.http.requests"))));
      server.setErrorHandler(new ProblemErrorHandler("gateway"));
      server.setStopTimeout(config.shutdownTimeout().toMillis());
    } catch (RuntimeException e) {
      for (AutoCloseable c : opened) {
        closeQuietly(c);
      }
      link.close();
      tracing.close();
      throw e;
    }
  }

  /**
   * Starts a gateway with the system clock and the front ends found with {@link ServiceLoader}.
   *
   * @throws GatewayStartupException if the spool, the port or a front end is unusable
   */
  public static GatewayServer start(GatewayConfig config) {
    List<FrontEnd.Factory> found = new ArrayList<>();
    ServiceLoader.load(FrontEnd.Factory.class, GatewayServer.class.getClassLoader())
        .forEach(found::add);
    return start(config, Clock.systemUTC(), found);
  }

  /**
   * Starts a gateway: follows the authority (waiting up to 5 s for its keys and revocations; until
   * they arrive every call is denied), opens the spool, starts the uploader and listens.
   *
   * @throws GatewayStartupException if the spool, the port or a front end is unusable
   */
  public static GatewayServer start(
      GatewayConfig config, Clock clock, List<FrontEnd.Factory> frontEnds) {
    GatewayServer gateway;
    try {
      gateway = new GatewayServer(config, clock, frontEnds);
    } catch (IOException e) {
      throw new GatewayStartupException("cannot open the audit spool: " + e.getMessage(), e);
    }
    gateway.link.start();
    gateway.uploader.start();
    gateway.pendingApprovals.start();
    try {
      gateway.server.start();
    } catch (Exception e) {
      gateway.close();
      throw new GatewayStartupException(
          "cannot listen on "
              + config.listen().host()
              + ":"
              + config.listen().port()
              + ": "
              + e.getMessage(),
          e);
    }
    try {
      if (!gateway.link.awaitFirstSync(Duration.ofSeconds(5))) {
        LOG.warn(
            "the authority at {} has not answered yet; every call is denied until it does",
            config.authority().url());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info(
        "gateway '{}' listening on {} ({} HTTP routes, {} front ends, spool {}, {})",
        config.audience(),
        gateway.url(),
        config.routes().size(),
        gateway.frontEnds.size(),
        config.spool().dir(),
        config.redis() != null ? "shared state in Redis" : "state in memory");
    return gateway;
  }

  /** The port the gateway listens on (the chosen one when configured with 0). */
  public int port() {
    return http.port();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:7800}. */
  public String url() {
    String host = config.listen().host();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port();
  }

  /** The guard every front end uses. */
  public CallGuard guard() {
    return guard;
  }

  /**
   * Whether the server runs its handlers on the selector thread that read the request (every
   * handler around the gateway's is non-blocking); else on a worker thread, as before.
   */
  boolean nonBlocking() {
    return server.getInvocationType() == Invocable.InvocationType.NON_BLOCKING;
  }

  /** The metrics registry (Prometheus). */
  public MeterRegistry metrics() {
    return metrics;
  }

  /** Blocks until the gateway is closed. */
  public void join() throws InterruptedException {
    stopped.await();
  }

  /**
   * Stops gracefully: stops accepting calls, closes the front ends (ending their sessions and
   * streams), waits for the HTTP calls in flight (shutdown timeout), uploads the spool for at most
   * the shutdown timeout, fsyncs it, and stops following the authority. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Stop taking calls first, then close the front ends, so long-lived MCP streams (and the
    // upstream processes behind them) end now instead of holding the graceful wait below.
    Graceful.shutdown(server);
    for (FrontEnd fe : frontEnds) {
      closeQuietly(fe);
    }
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn(
          "calls or connections were still open after the shutdown timeout and were cut: {}",
          e.toString());
    }
    boolean drained = uploader.drainAndStop(config.shutdownTimeout());
    if (!drained) {
      LOG.warn(
          "{} bytes of audit events stay in the spool {} and will be uploaded on the next start",
          spool.pendingBytes(),
          config.spool().dir());
    }
    spool.close();
    pendingApprovals.close();
    link.close();
    if (redis != null) {
      redis.close();
    }
    closeQuietly(jvmMeters);
    metrics.close();
    tracing.close();
    stopped.countDown();
    LOG.info("gateway '{}' stopped", config.audience());
  }

  /**
   * The HTTP proxy's client: asynchronous, HTTP/1.1, never following redirects, adding no headers
   * of its own (no User-Agent, no Accept-Encoding, so answers come uncompressed).
   */
  private static org.eclipse.jetty.client.HttpClient upstreamClient(
      GatewayConfig config, java.util.concurrent.Executor threads) {
    org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
    client.setExecutor(threads);
    client.setConnectTimeout(config.limits().upstreamConnectTimeout().toMillis());
    client.setFollowRedirects(false);
    client.setUserAgentField(null);
    client.getContentDecoderFactories().clear();
    client.setMaxResponseHeadersSize(config.limits().maxResponseHeaderBytes());
    client.setMaxConnectionsPerDestination(256);
    // The answer is relayed by an UpstreamExchange, which never waits (it writes to the client
    // asynchronously and hands its one blocking path to the executor): the client's selector runs
    // it at once instead of handing every answer to a worker thread.
    client.getHttpClientTransport().setInvocationType(Invocable.InvocationType.NON_BLOCKING);
    return client;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
    }
  }

  /**
   * Runs a gateway until the process is stopped: {@code --config FILE}. Returns the exit status (0
   * after a clean stop, 2 for a bad configuration or startup failure) having printed the reason to
   * {@code err}. For {@code mandate gateway}.
   */
  public static int run(Path configFile, PrintStream err) {
    GatewayServer gateway;
    try {
      gateway = start(GatewayConfig.load(configFile));
    } catch (GatewayConfigException | GatewayStartupException e) {
      err.println("mandate gateway: " + e.getMessage());
      return 2;
    }
    Thread hook = new Thread(gateway::close, "mandate-gateway-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      gateway.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      gateway.close();
    }
    return 0;
  }

  /** {@code java dev.mandate.gateway.GatewayServer --config FILE}. */
  public static void main(String[] args) {
    if (args.length != 2 || !args[0].equals("--config")) {
      System.err.println("usage: mandate gateway --config FILE");
      System.exit(2);
    }
    int status = run(Path.of(args[1]), System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Answers a request the stopping server's threads no longer take: 503, and close. */
  static void refuseWhileStopping(Response response, Callback callback) {
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    ProblemResponses.send(
        response,
        callback,
        Problem.of(503, "unavailable", "the gateway is stopping; try again elsewhere"));
  }

  /** Routes {@code /health}, {@code /metrics}, the front ends' prefixes, and else the proxy. */
  private final class Dispatch extends Handler.Abstract {
    private final HttpProxy proxy;

    private final ProtectedResource resource = ProtectedResource.of(config);

    Dispatch(HttpProxy proxy) {
      this.proxy = proxy;
    }

    /**
     * Non-blocking: the server then handles each request on the selector thread that read it (no
     * hand-off to a worker thread and back), so everything here either cannot wait or is handed to
     * the server's threads first. Health and the resource metadata are answered from memory; the
     * proxy decides per call ({@link HttpProxy#decidesWithoutWaiting}); the metrics, budgets and
     * every MCP endpoint (bodies, stores, upstream processes) run on the server's threads.
     */
    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String path = request.getHttpURI().getPath();
      if (path == null) {
        path = "/";
      }
      if ((path.equals("/health") || path.equals("/ready")) && request.getMethod().equals("GET")) {
        health(response, callback);
        return true;
      }
      if (path.startsWith(ProtectedResource.WELL_KNOWN)) {
        resourceMetadata(request, response, callback, path);
        return true;
      }
      // Null when the server is blocking (a handler around this one is): already on a worker.
      Executor offload =
          server.getInvocationType() == InvocationType.NON_BLOCKING ? http.threads() : null;
      boolean get = request.getMethod().equals("GET");
      if (!(get && (path.equals("/budgets") || path.equals("/metrics")))
          && frontEnd(path) == null) {
        return proxy.handle(request, response, callback, offload);
      }
      if (offload == null) {
        return handleBlocking(request, response, callback, path);
      }
      String p = path;
      try {
        offload.execute(
            Tracing.inCurrentContext(
                () -> {
                  try {
                    if (!handleBlocking(request, response, callback, p)) {
                      Response.writeError(request, response, callback, 404);
                    }
                  } catch (Throwable t) {
                    if (response.isCommitted()) {
                      callback.failed(t);
                    } else {
                      Response.writeError(request, response, callback, t);
                    }
                  }
                }));
      } catch (RejectedExecutionException stopping) {
        refuseWhileStopping(response, callback);
      }
      return true;
    }

    /** The front end whose path prefix covers this path, or null. */
    private FrontEnd frontEnd(String path) {
      for (FrontEnd fe : frontEnds) {
        String prefix = fe.pathPrefix();
        if (path.equals(prefix) || path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/")) {
          return fe;
        }
      }
      return null;
    }

    /** The budgets, the metrics and the MCP front ends, on a thread that may wait. */
    private boolean handleBlocking(
        Request request, Response response, Callback callback, String path) throws Exception {
      if (path.equals("/budgets") && request.getMethod().equals("GET")) {
        budgets(request, response, callback);
        return true;
      }
      if (path.equals("/metrics") && request.getMethod().equals("GET")) {
        if (!metricsAllowed(request)) {
          response
              .getHeaders()
              .put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"mandate-metrics\"");
          ProblemResponses.send(
              response,
              callback,
              Problem.of(
                  401,
                  "unauthenticated",
                  "the metrics need Authorization: Bearer with the configured metrics token"));
          return true;
        }
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        response
            .getHeaders()
            .put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
      }
      FrontEnd fe = frontEnd(path);
      if (fe != null) {
        return fe.handler().handle(request, response, callback);
      }
      return proxy.handle(request, response, callback);
    }

    /**
     * RFC 9728 protected-resource metadata: the gateway as a whole at the well-known path, each MCP
     * endpoint and each path an HTTP route matches at the path-suffixed form; else 404.
     */
    private void resourceMetadata(
        Request request, Response response, Callback callback, String path) {
      if (!request.getMethod().equals("GET")) {
        response.getHeaders().put(HttpHeader.ALLOW, "GET");
        ProblemResponses.send(
            response, callback, Problem.of(405, "method_not_allowed", "metadata is read with GET"));
        return;
      }
      String suffix = path.substring(ProtectedResource.WELL_KNOWN.length());
      boolean known =
          suffix.isEmpty()
              || (config.mcp() != null
                  && config.mcp().upstreams().stream().anyMatch(u -> u.path().equals(suffix)))
              || (suffix.startsWith("/") && proxy.routes(suffix));
      if (!resource.described() || !known) {
        ProblemResponses.send(
            response,
            callback,
            Problem.of(404, "not_found", "no protected resource is described at this path"));
        return;
      }
      byte[] body = resource.metadata(request, suffix).toString().getBytes(StandardCharsets.UTF_8);
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "max-age=300");
      response.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * {@code GET /budgets}: what is left of every budget and rate of the capability presented as
     * {@code Authorization: Bearer}, for its holder (and an operator holding it) to see before
     * spending. 401 without a capability that verifies here, 503 when the ledger cannot answer.
     */
    private void budgets(Request request, Response response, Callback callback) {
      String token = Exchange.bearer(request.getHeaders().get(HttpHeader.AUTHORIZATION));
      if (token == null) {
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"mandate\"");
        ProblemResponses.send(
            response,
            callback,
            Problem.of(401, "unauthenticated", "present the capability as Authorization: Bearer"));
        return;
      }
      List<Decision.BudgetLeft> left;
      try {
        left = guard.budgetsLeft(token);
      } catch (InvalidTokenException e) {
        response
            .getHeaders()
            .put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"mandate\", error=\"invalid_token\"");
        ProblemResponses.send(response, callback, Problem.of(401, e.code().name(), e.getMessage()));
        return;
      } catch (IllegalStateException e) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        ProblemResponses.send(
            response,
            callback,
            Problem.of(503, GuardResult.UNAVAILABLE, "the budgets cannot be read right now"));
        return;
      }
      ObjectNode n = JSON.createObjectNode();
      var list = n.putArray("budgets");
      for (Decision.BudgetLeft b : left) {
        ObjectNode o = list.addObject();
        o.put("block", b.block());
        o.put("budget", b.budget());
        o.put("limit", b.limit());
        o.put("remaining", b.remaining());
      }
      byte[] body = n.toString().getBytes(StandardCharsets.UTF_8);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** Whether the request may read the metrics: always when no token is configured. */
    private boolean metricsAllowed(Request request) {
      Secret token = config.metricsToken();
      if (token == null) {
        return true;
      }
      String presented = request.getHeaders().get(HttpHeader.AUTHORIZATION);
      String expected = "Bearer " + token.revealForUse();
      return presented != null
          && MessageDigest.isEqual(
              presented.getBytes(StandardCharsets.UTF_8),
              expected.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code /health} and {@code /ready}: 200 while the revocation view is fresh, else 503 (every
     * call is refused then, so a load balancer should send traffic elsewhere).
     */
    private void health(Response response, Callback callback) {
      boolean fresh = link.isFresh();
      ObjectNode n = JSON.createObjectNode();
      n.put("status", fresh ? "ok" : "stale");
      n.put("audience", config.audience());
      long age = link.viewAge().toMillis();
      if (age < AuthorityLink.ChronoDurations.FOREVER.toMillis()) {
        n.put("revocationViewAgeMillis", age);
      } else {
        n.putNull("revocationViewAgeMillis");
      }
      n.put("maxStalenessMillis", link.maxStaleness().toMillis());
      n.put("auditPendingBytes", spool.pendingBytes());
      byte[] body = n.toString().getBytes(StandardCharsets.UTF_8);
      // 503 while stale: every call is refused then, so a load balancer should go elsewhere.
      response.setStatus(fresh ? 200 : 503);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      response.write(true, ByteBuffer.wrap(body), callback);
    }
  }
}
