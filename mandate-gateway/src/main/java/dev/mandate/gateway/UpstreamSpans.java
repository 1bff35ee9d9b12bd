package dev.mandate.gateway;

import dev.mandate.server.Tracing;

/**
 * Puts a call to an upstream (HTTP proxy, MCP {@code http} upstream) in a client span of the
 * request being handled, and names that span to the upstream in {@code traceparent}.
 */
public final class UpstreamSpans {
  private UpstreamSpans() {}

  /**
   * Starts the span of a call about to be sent, ending it when the call completes; does nothing
   * when tracing is off. Call it on the thread handling the request, before {@code send}.
   */
  public static void trace(Tracing tracing, org.eclipse.jetty.client.Request call) {
    if (!tracing.enabled()) {
      return;
    }
    Tracing.ClientSpan span = tracing.client(call.getMethod(), call.getURI());
    call.headers(h -> span.inject(h::put));
    call.onComplete(
        result ->
            span.end(
                result.getResponse() == null ? 0 : result.getResponse().getStatus(),
                result.getFailure()));
  }
}
