package dev.mandate.server;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty server the authority and the gateway both run: one HTTP/1.1 connector hardened against
 * peers that hold connections, threads or time without a credential (see {@link ServerLimits} for
 * each limit and its default). Build one with {@link #builder(String)}, give it the application's
 * handler with {@link #setHandler(Handler)}, then start and stop {@link #server()} as usual.
 *
 * <p>What a request passes before the application's handler, outermost first:
 *
 * <ol>
 *   <li>at accept: the total connection cap (Jetty's {@code NetworkConnectionLimit}, which stops
 *       accepting while at the cap) and the per-address cap;
 *   <li>while its headers arrive: the header timeout, and the header size limit (431);
 *   <li>Jetty's {@code QoSHandler}: requests other than the protected ones run at most {@code
 *       maxThreads - protectedThreads} at a time; the rest wait, without a thread, up to the queue
 *       timeout, then get 503. Protected requests skip the queue, so the health check and the
 *       revocation feed are answered whatever else is running;
 *   <li>the body deadline: a body read falls behind the minimum rate fails.
 * </ol>
 */
public final class HardenedServer {
  private final Server server;
  private final ServerConnector connector;
  private final AddressConnectionLimit perAddress;
  private final HeaderTimeout headerTimeout;
  private final BodyDeadline bodyDeadline;
  private final QoSHandler queue;

  private HardenedServer(Builder b) {
    ServerLimits limits = b.limits;
    QueuedThreadPool threads = new Threads(limits.maxThreads());
    threads.setName(b.name);
    this.server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(limits.maxRequestHeaderBytes());
    b.http.accept(http);
    this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(b.host);
    connector.setPort(b.port);
    connector.setIdleTimeout(limits.idleTimeout().toMillis());

    this.perAddress = new AddressConnectionLimit(limits.maxConnectionsPerAddress());
    connector.addBean(perAddress);
    this.headerTimeout =
        new HeaderTimeout(server.getScheduler(), limits.headerTimeout().toMillis());
    connector.addBean(headerTimeout);
    server.addConnector(connector);
    // At the cap Jetty stops accepting. It could also shorten every idle timeout, but that would
    // cut the revocation feed's long-polls too; silent new connections are closed by the header
    // timeout anyway.
    server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));

    this.bodyDeadline =
        new BodyDeadline(limits.headerTimeout().toNanos(), limits.minRequestBytesPerSecond());
    this.queue = new QoSHandler(bodyDeadline);
    queue.setMaxRequestCount(limits.maxThreads() - limits.protectedThreads());
    // A waiting request holds its connection, so the connection cap bounds the queue too.
    queue.setMaxSuspendedRequestCount(limits.maxConnections());
    queue.setMaxSuspend(limits.queueTimeout());
    queue.exclude(b.protectedRequests);
    server.setHandler(queue);
  }

  /**
   * Starts a server description; {@code name} prefixes its thread names (e.g. {@code
   * mandate-http}).
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Sets the application's handler, which runs after every limit; call before starting.
   *
   * @throws IllegalStateException if the server is running
   */
  public void setHandler(Handler handler) {
    if (server.isRunning()) {
      throw new IllegalStateException("set the handler before starting the server");
    }
    bodyDeadline.setHandler(Objects.requireNonNull(handler, "handler"));
  }

  /** The server's threads, for work the application hands off (long-polls, streams). */
  public Executor threads() {
    return server.getThreadPool();
  }

  /** The Jetty server: start it, stop it, set its error handler and stop timeout. */
  public Server server() {
    return server;
  }

  /** The port listened on: the chosen one when configured with 0, once started. */
  public int port() {
    return connector.getLocalPort();
  }

  /** Connections closed at accept because their client address was at its cap. */
  public long refusedConnections() {
    return perAddress.refused();
  }

  /** Connections closed because a request's line and headers came too slowly. */
  public long slowHeaders() {
    return headerTimeout.closed();
  }

  /** Request bodies cut for arriving slower than the minimum rate. */
  public long slowBodies() {
    return bodyDeadline.cut();
  }

  /** Requests refused with 503 because they waited too long for a thread, or too many waited. */
  public long refusedRequests() {
    return queue.getTotalExpiredRequestCount() + queue.getTotalExceededRequestCount();
  }

  /**
   * The server's threads. One job is not handed to them: a connection to resume after its response
   * completed on a thread other than the one that read its request (Jetty then executes the {@link
   * HttpConnection} itself, to read the next request), when the server declares itself
   * non-blocking. Handing it over wakes an idle worker once per request (tens to hundreds of
   * microseconds of latency on a small machine) only for it to find, almost always, that nothing
   * has arrived yet (a client sends its next request after reading this answer) and to ask the
   * selector to watch the connection. It runs instead on the thread that completed the response (a
   * proxy's upstream selector, typically): it reads what has arrived and handles it as the server's
   * selector would, which a non-blocking server allows, or else registers the same interest. Every
   * other job, and every job of a server with a blocking handler, goes to the pool.
   *
   * <p>(Registering the interest directly would spare its two empty reads, but Jetty's public
   * {@code fillInterested()} registers a callback it treats as blocking, so the selector would hand
   * the next request to a worker after all.)
   */
  static final class Threads extends QueuedThreadPool {
    Threads(int maxThreads) {
      super(maxThreads, 8);
    }

    @Override
    public void execute(Runnable job) {
      if (job instanceof HttpConnection connection
          && connection.getServer().getInvocationType() == Invocable.InvocationType.NON_BLOCKING) {
        connection.run();
        return;
      }
      super.execute(job);
    }
  }

  /** Describes a {@link HardenedServer}. */
  public static final class Builder {
    private final String name;
    private String host = "127.0.0.1";
    private int port;
    private ServerLimits limits = ServerLimits.defaults();
    private Predicate<Request> protectedRequests = r -> false;
    private Consumer<HttpConfiguration> http = h -> {};

    private Builder(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a server needs a name for its threads");
      }
      this.name = name;
    }

    /**
     * Where to listen (default {@code 127.0.0.1}, port 0 = any free one).
     *
     * @throws IllegalArgumentException if the host is blank or the port not 0..65535
     */
    public Builder listen(String host, int port) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host must be an interface name or address");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, got " + port);
      }
      this.host = host;
      this.port = port;
      return this;
    }

    /** The limits (default {@link ServerLimits#defaults()}). */
    public Builder limits(ServerLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Which requests skip the queue for threads: cheap ones that must be answered however busy the
     * server is (the health check, the revocation feed). Tested on the request line and headers
     * only.
     */
    public Builder protect(Predicate<Request> protectedRequests) {
      this.protectedRequests = Objects.requireNonNull(protectedRequests, "protectedRequests");
      return this;
    }

    /** Further HTTP settings (header cache, response header size) applied after the defaults. */
    public Builder http(Consumer<HttpConfiguration> http) {
      this.http = Objects.requireNonNull(http, "http");
      return this;
    }

    /** Returns the server, not started and without the application's handler yet. */
    public HardenedServer build() {
      return new HardenedServer(this);
    }
  }
}
