package dev.mandate.authority;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per request (method, path, status, duration, client id) and times it. Logs neither
 * the query string, headers nor bodies, so no credential or token reaches the log.
 */
final class RequestLog extends Handler.Wrapper {
  private static final Logger LOG = LoggerFactory.getLogger("dev.mandate.authority.access");

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
    LOG.atInfo()
        .addKeyValue("method", request.getMethod())
        .addKeyValue("path", Router.printable(Request.getPathInContext(request)))
        .addKeyValue("status", status)
        .addKeyValue("durationMs", nanos / 1_000_000)
        .addKeyValue("client", client == null ? "-" : client)
        .log("request");
  }
}
