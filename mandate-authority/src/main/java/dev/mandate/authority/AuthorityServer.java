package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.JdbcUrls;
import dev.mandate.authority.store.StoreException;
import dev.mandate.policy.ClientPolicy;
import dev.mandate.server.HardenedServer;
import dev.mandate.server.ProblemErrorHandler;
import dev.mandate.server.Tracing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running authority (docs/design.md §3): the HTTP API of this package over one store. Start it
 * with {@link #start(AuthorityConfig)}; stop it with {@link #close()}, which stops accepting
 * connections, finishes the requests already being handled (up to {@link
 * AuthorityConfig#shutdownTimeout()}) and then closes the database.
 *
 * <p>The request pipeline is a chain of small Jetty handlers: the connection, header, body and
 * thread limits of {@link HardenedServer} (configured by {@link AuthorityConfig#serverLimits()}),
 * graceful shutdown tracking, the request log and metrics, then the router, which checks
 * credentials from the headers and only then calls the endpoint, which may read the body.
 */
public final class AuthorityServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuthorityServer.class);
  private static final Duration FEED_POLL = Duration.ofMillis(100);
  private static final Duration DECISION_POLL = Duration.ofMillis(500);

  private final AuthorityConfig config;
  private final AuthorityStore store;
  private final Bootstrap.Prepared prepared;
  private final HardenedServer http;
  private final Server server;
  private final ScheduledThreadPoolExecutor scheduler;
  private final RevocationFeed feed;
  private final DecisionStream decisions;
  private final CapabilityTrees trees;
  private final RevocationEndpoints revocations;
  private final Metrics metrics;
  private final Tracing tracing;
  private final PolicyReloader policy;
  private final List<Route> routes;
  private final OAuthEndpoints oauth;
  private final ApprovalChanges approvalChanges;
  private final Console console;
  private volatile BootstrapReport report;
  private final AtomicBoolean closed = new AtomicBoolean();

  private AuthorityServer(AuthorityConfig config, Bootstrap.Prepared prepared) {
    this.config = config;
    this.store = prepared.store();
    this.prepared = prepared;
    this.scheduler = new ScheduledThreadPoolExecutor(2, daemonThreads("mandate-authority-tasks"));
    this.scheduler.setRemoveOnCancelPolicy(true);
    this.feed = new RevocationFeed(store, scheduler, FEED_POLL);
    this.decisions =
        new DecisionStream(
            store,
            DECISION_POLL,
            DecisionStream.DEFAULT_MAX_SUBSCRIBERS,
            DecisionStream.DEFAULT_QUEUE);
    this.metrics = new Metrics(feed::latest);
    AuditTrail audit = new AuditTrail(store, config.clock());
    this.policy = new PolicyReloader(config.policyFile(), config.clock(), audit);

    if (config.serverLimits().idleTimeout().toMillis() <= RevocationEndpoints.MAX_WAIT_MS) {
      throw new AuthorityStartupException(
          "the idle timeout ("
              + config.serverLimits().idleTimeout()
              + ") must be longer than the longest feed long-poll ("
              + RevocationEndpoints.MAX_WAIT_MS
              + " ms), or waiting followers are cut off");
    }
    this.http =
        HardenedServer.builder("mandate-http")
            .listen(config.host(), config.port())
            .limits(config.serverLimits())
            .protect(AuthorityServer::isProtected)
            .build();
    this.server = http.server();
    metrics.server(http);
    Executor threads = http.threads();

    ClientAuthenticator authenticator =
        new ClientAuthenticator(store, config.random(), config.clock());
    List<Route> routes = new ArrayList<>();
    Endpoints.Parts parts =
        new Endpoints.Parts(
            store, prepared.keys(), policy, feed, audit, metrics, config.clock(), config.random());
    SignIn signIn = new SignIn(parts, authenticator, config.console());
    routes.addAll(new HealthEndpoints(parts, config.metricsToken()).routes());
    routes.addAll(new KeyEndpoints(parts).routes());
    CapabilityEndpoints capabilities = new CapabilityEndpoints(parts);
    routes.addAll(capabilities.routes());
    if (config.oauth().isPresent()) {
      OAuthSettings settings = config.oauth().get();
      this.oauth =
          new OAuthEndpoints(
              parts,
              new OAuthEndpoints.OAuthParts(
                  settings,
                  () -> settings.issuer().orElseGet(() -> java.net.URI.create(url())),
                  authenticator,
                  signIn,
                  capabilities));
      routes.addAll(oauth.routes());
    } else {
      this.oauth = null;
    }
    this.approvalChanges = new ApprovalChanges(store::approvalRequestsChangeCount, scheduler);
    ApprovalRequests approvalRequests = new ApprovalRequests(parts, approvalChanges);
    routes.addAll(new ApprovalEndpoints(parts, approvalRequests).routes());
    routes.addAll(
        new ApprovalRequestEndpoints(parts, approvalRequests, threads, this::publicUrl).routes());
    this.trees = new CapabilityTrees(store, prepared.keys(), audit, config.clock());
    this.revocations = new RevocationEndpoints(parts, threads);
    routes.addAll(revocations.routes());
    routes.addAll(new AuditEndpoints(parts, config, decisions::appended).routes());
    routes.addAll(new ClientEndpoints(parts).routes());
    routes.addAll(new PeopleEndpoints(parts).routes());
    this.routes = List.copyOf(routes);
    // The console's pages are HTML for people, not operations of the JSON API.
    List<Route> served = new ArrayList<>(routes);
    if (config.console().enabled()) {
      List<ConsolePage> pages = new ArrayList<>();
      pages.addAll(new HomePage(store, approvalRequests).pages());
      pages.addAll(new AuditPage(store).pages());
      pages.addAll(
          new ClientsPage(
                  store, policy, config.policyFile(), config.console().policyTests().orElse(null))
              .pages());
      pages.addAll(new DecisionsPage(decisions, store, threads, config.clock()).pages());
      pages.addAll(new CapabilitiesPage(trees, revocations, store).pages());
      pages.addAll(new ApprovalsPage(approvalRequests, threads).pages());
      this.console = new Console(parts, config.console(), signIn, pages);
      served.addAll(console.routes());
    } else {
      this.console = null;
    }
    PolicyReloader policyInForce = policy;
    Router router =
        new Router(
            served,
            authenticator,
            client ->
                client.admin()
                    || policyInForce
                        .current()
                        .client(client.clientId())
                        .map(ClientPolicy::admin)
                        .orElse(false),
            config.maxBodyBytes());
    this.tracing =
        config.otlpEndpoint() == null
            ? Tracing.off()
            : Tracing.otlp(config.otlpEndpoint(), config.tracingServiceName());
    http.setHandler(new GracefulHandler(tracing.serverSpans(new RequestLog(metrics, router))));
    server.setErrorHandler(new ProblemErrorHandler("authority"));
    server.setStopTimeout(config.shutdownTimeout().toMillis());
    this.report = prepared.report();
  }

  /**
   * Prepares the data directory on first start (see {@link #bootstrapReport()}), opens the
   * database, loads the policy and starts listening.
   *
   * @throws AuthorityStartupException if the data directory, master key, database or policy is
   *     unusable, or the port cannot be bound; the message says what to do
   */
  public static AuthorityServer start(AuthorityConfig config) {
    Bootstrap.Prepared prepared = Bootstrap.prepare(config);
    AuthorityServer authority;
    try {
      authority = new AuthorityServer(config, prepared);
    } catch (StoreException e) {
      prepared.close();
      throw new AuthorityStartupException(
          "the database failed during startup: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      prepared.close();
      throw e;
    }
    try {
      authority.server.start();
    } catch (Exception e) {
      authority.close();
      throw new AuthorityStartupException(
          "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
    }
    if (prepared.needsAdmin() && config.createAdminClient()) {
      try {
        authority.report = Bootstrap.createAdmin(config, prepared.store(), authority.report);
      } catch (RuntimeException e) {
        authority.close();
        throw new AuthorityStartupException("cannot create the admin client: " + e.getMessage(), e);
      }
    }
    if (authority.console != null) {
      authority.scheduler.scheduleWithFixedDelay(
          authority::sweepSessions, 10, 10, TimeUnit.MINUTES);
    }
    if (!config.policyReloadInterval().isZero()) {
      long ms = config.policyReloadInterval().toMillis();
      authority.scheduler.scheduleWithFixedDelay(
          authority.policy::reloadIfChanged, ms, ms, TimeUnit.MILLISECONDS);
    }
    LOG.atInfo()
        .addKeyValue("url", authority.url())
        .addKeyValue("db", JdbcUrls.redact(config.jdbcUrl()))
        .addKeyValue("policy", config.policyFile())
        .log("authority listening");
    return authority;
  }

  /** The port the authority listens on (the chosen one when configured with 0). */
  public int port() {
    return http.port();
  }

  /**
   * The requests that skip the queue for threads, so a flood of mints or uploads cannot starve
   * them: the revocation feed (every gateway goes stale without it), the public keys and the health
   * check. All three are cheap reads; the feed's long-polls wait without a thread. Also the
   * console's live decision stream: it waits without a thread too, but in the queue it would hold a
   * slot for as long as it is open, so a few watchers could starve the API; its own cap bounds it.
   * The same holds for the approval requests' waits: an approver's live inbox and an agent's task
   * stream or long-poll ({@code Accept: text/event-stream} or {@code wait}); {@link
   * ApprovalChanges#watch} bounds them. An agent's plain task read stays in the queue.
   */
  static boolean isProtected(Request request) {
    if (!HttpMethod.GET.is(request.getMethod())) {
      return false;
    }
    String path = Request.getPathInContext(request);
    if (path.startsWith(ApprovalRequestEndpoints.PATH + "/")
        && path.endsWith(ApprovalRequestEndpoints.TASK_PATH)) {
      String query = request.getHttpURI().getQuery();
      return ServerSentEvents.requested(request)
          || (query != null && (query.startsWith("wait=") || query.contains("&wait=")));
    }
    return path.equals("/v1/revocations")
        || path.equals(DecisionsPage.EVENTS)
        || path.equals(ApprovalsPage.EVENTS)
        || path.equals("/v1/health")
        || path.equals("/v1/ready")
        || path.equals("/v1/keys");
  }

  /** What wakes approval streams and long-polls, and bounds them (for tests). */
  ApprovalChanges approvalChanges() {
    return approvalChanges;
  }

  /** The live decision stream (for the console). */
  DecisionStream decisions() {
    return decisions;
  }

  /** Capability trees (for the console). */
  CapabilityTrees trees() {
    return trees;
  }

  /** Revocation (for the console's revoke). */
  RevocationEndpoints revocations() {
    return revocations;
  }

  /** The operations this server answers (docs/openapi/authority.yaml documents each). */
  List<Route> routes() {
    return routes;
  }

  /** The base URL, e.g. {@code http://127.0.0.1:7700}. */
  public String url() {
    String host = config.host();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port();
  }

  /**
   * The URL callers reach the authority at: the OAuth issuer when one is set, else {@link #url()}.
   */
  String publicUrl() {
    return config
        .oauth()
        .flatMap(OAuthSettings::issuer)
        .map(u -> u.toString().replaceAll("/+$", ""))
        .orElseGet(this::url);
  }

  /**
   * What the first start created, including the one-time admin secret; empty when nothing was
   * created (a later start).
   */
  public Optional<BootstrapReport> bootstrapReport() {
    return Optional.ofNullable(report).map(r -> r.withUrl(url()));
  }

  /**
   * Blocks until the server has stopped (after {@link #close()}, typically from a shutdown hook).
   *
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public void join() throws InterruptedException {
    server.join();
  }

  private void sweepSessions() {
    try {
      console.sweep();
    } catch (RuntimeException e) {
      LOG.warn("could not delete expired console sessions: {}", e.getMessage());
    }
  }

  /** Checks the policy file now, as the periodic check does (for tests and operators). */
  void reloadPolicyNow() {
    policy.reloadIfChanged();
  }

  /**
   * Stops gracefully: releases long-polling followers, stops accepting connections, waits for the
   * requests in flight (at most the configured shutdown timeout), then closes the database.
   * Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    feed.close();
    decisions.close();
    approvalChanges.close();
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("the HTTP server did not stop cleanly: {}", e.toString());
    }
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    metrics.close();
    tracing.close();
    if (oauth != null) {
      oauth.close();
    }
    // The store, then the data directory's lock: a successor may start once this returns.
    prepared.close();
    LOG.info("authority stopped");
  }

  /** Daemon threads named {@code NAME-1}, {@code NAME-2}, ...: none keeps the JVM running. */
  static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
