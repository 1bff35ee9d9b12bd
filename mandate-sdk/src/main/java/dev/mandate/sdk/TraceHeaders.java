package dev.mandate.sdk;

import java.net.http.HttpRequest;

/**
 * Names the caller's current OpenTelemetry span to the gateway in W3C {@code traceparent} (and
 * {@code tracestate}), so the gateway's spans continue the agent's trace. Only when the
 * OpenTelemetry API is on the class path (an optional dependency) and a valid span is current;
 * otherwise nothing is added. The W3C format is written whatever propagators the application
 * configured, since that is what the gateway reads.
 */
final class TraceHeaders {
  private static final boolean AVAILABLE = available();

  private TraceHeaders() {}

  /** Sets the current span's trace headers on the request, if there is one. */
  static void attach(HttpRequest.Builder builder) {
    if (AVAILABLE) {
      Otel.attach(builder);
    }
  }

  private static boolean available() {
    try {
      Class.forName(
          "io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator",
          false,
          TraceHeaders.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Loaded only when the API is present. */
  private static final class Otel {
    static void attach(HttpRequest.Builder builder) {
      io.opentelemetry.context.Context current = io.opentelemetry.context.Context.current();
      if (!io.opentelemetry.api.trace.Span.fromContext(current).getSpanContext().isValid()) {
        return;
      }
      io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance()
          .inject(current, builder, HttpRequest.Builder::setHeader);
    }
  }
}
