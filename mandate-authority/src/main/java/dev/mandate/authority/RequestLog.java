package dev.mandate.authority;

import java.util.Set;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per request (method, path, status, duration, client id) and times it. Logs neither
 * the query string, headers nor bodies, so no credential or token reaches the log.
 *
 * <p>Routes that machines call all day (every gateway's revocation long-poll and audit uploads,
 * load balancers' health checks, metrics scrapes) are logged at DEBUG when they succeed, so they do
 * not bury the requests people make (and a gateway's uploads, each already in the audit trail, cost
 * no log line each); a refusal or failure on them is logged at INFO like any other.
 */
final class RequestLog extends Handler.Wrapper {
  private static final Logger LOG = LoggerFactory.getLogger("dev.mandate.authority.access");
  private static final Set<String> POLLED =
      Set.of(
          "GET /v1/revocations",
          "GET /v1/health",
          "GET /v1/ready",
          "GET /metrics",
          "POST /v1/audit/batches");

  private final Metrics metrics;

  RequestLog(Metrics metrics, Handler next) {
    super(next);
    this.metrics = metrics;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    long start = System.nanoTime();
    Callback logging =
        new Callback.Nested(callback) {
          @Override
          public void succeeded() {
            done(request, response, start, null);
            super.succeeded();
          }

          @Override
          public void failed(Throwable x) {
            done(request, response, start, x);
            super.failed(x);
          }
        };
    // Security headers for every answer: nothing here may be cached or sniffed.
    response.getHeaders().put("Cache-Control", "no-store");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    return super.handle(request, response, logging);
  }

  private void done(Request request, Response response, long start, Throwable failure) {
    long nanos = System.nanoTime() - start;
    int status = failure != null && !response.isCommitted() ? 500 : response.getStatus();
    Object route = request.getAttribute(Router.ROUTE_ATTRIBUTE);
    Object client = request.getAttribute(Router.CLIENT_ATTRIBUTE);
    metrics.request(
        request.getMethod(), route == null ? "unmatched" : route.toString(), status, nanos);
    boolean routine = status < 400 && POLLED.contains(request.getMethod() + " " + route);
    (routine ? LOG.atDebug() : LOG.atInfo())
        .addKeyValue("method", request.getMethod())
        .addKeyValue("path", Router.printable(Request.getPathInContext(request)))
        .addKeyValue("status", status)
        .addKeyValue("durationMs", nanos / 1_000_000)
        .addKeyValue("client", client == null ? "-" : client)
        .log("request");
  }
}
