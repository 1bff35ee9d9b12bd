package dev.mandate.server;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * OpenTelemetry traces of one server, exported over OTLP/HTTP (protobuf) when configured, and off
 * (no span made, no header read or written) otherwise. A server span per request continues the
 * caller's W3C {@code traceparent}; a client span per outgoing call is its child and is named to
 * the callee in {@code traceparent}. Spans carry methods, paths and status codes, never a query, a
 * header value or a body, so no token or secret reaches the collector.
 */
public final class Tracing implements AutoCloseable {
  /** The attribute naming a request's HTTP method (OpenTelemetry semantic conventions). */
  public static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");

  /** The attribute naming a request's path, without its query. */
  public static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");

  /** The attribute naming a response's status code. */
  public static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

  /** The attribute naming an outgoing call's host and port. */
  public static final AttributeKey<String> PEER = AttributeKey.stringKey("server.address");

  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final Tracing OFF = new Tracing(null, null);

  private final SdkTracerProvider provider;
  private final Tracer tracer;

  private Tracing(SdkTracerProvider provider, Tracer tracer) {
    this.provider = provider;
    this.tracer = tracer;
  }

  /** Tracing that is off: makes no span and propagates nothing. */
  public static Tracing off() {
    return OFF;
  }

  /**
   * Tracing exported in batches to an OTLP/HTTP endpoint, such as {@code
   * http://collector:4318/v1/traces}.
   *
   * @param endpoint the collector's traces URL ({@code http} or {@code https}, with a host)
   * @param serviceName the {@code service.name} of the spans, e.g. {@code mandate-gateway}
   * @throws IllegalArgumentException if the endpoint is not such a URL or the name is blank
   */
  public static Tracing otlp(URI endpoint, String serviceName) {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(serviceName, "serviceName");
    checkEndpoint(endpoint);
    if (serviceName.isBlank()) {
      throw new IllegalArgumentException("the service name must not be blank");
    }
    routeSdkLogging();
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(endpoint.toString())
            .setTimeout(Duration.ofSeconds(10))
            .build();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            io.opentelemetry.api.common.Attributes.of(
                                AttributeKey.stringKey("service.name"), serviceName))))
            .addSpanProcessor(
                BatchSpanProcessor.builder(exporter)
                    .setScheduleDelay(Duration.ofSeconds(1))
                    .build())
            .build();
    return new Tracing(provider, provider.get("dev.mandate"));
  }

  /**
   * Sends what the OpenTelemetry SDK logs (through {@code java.util.logging}, such as an export the
   * collector did not take) to SLF4J, so it lands in the server's log in its format, not raw on
   * standard error. Only the SDK's loggers are bridged; the JVM's own logging is left as it is.
   */
  private static synchronized void routeSdkLogging() {
    java.util.logging.Logger sdk = java.util.logging.Logger.getLogger("io.opentelemetry");
    for (java.util.logging.Handler h : sdk.getHandlers()) {
      if (h instanceof org.slf4j.bridge.SLF4JBridgeHandler) {
        return;
      }
    }
    sdk.setUseParentHandlers(false);
    sdk.addHandler(new org.slf4j.bridge.SLF4JBridgeHandler());
    SDK_LOGGERS.add(sdk);
  }

  /** Held so the configured JUL logger is not collected (and its handler forgotten). */
  private static final List<java.util.logging.Logger> SDK_LOGGERS = new ArrayList<>();

  /**
   * Checks an OTLP endpoint: an absolute {@code http} or {@code https} URL with a host and no user
   * information (credentials in a URL end up in logs).
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static void checkEndpoint(URI endpoint) {
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme();
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "the OTLP endpoint must be an http or https URL, such as"
              + " http://127.0.0.1:4318/v1/traces");
    }
    if (endpoint.getHost() == null) {
      throw new IllegalArgumentException("the OTLP endpoint has no host");
    }
    if (endpoint.getRawUserInfo() != null) {
      throw new IllegalArgumentException("the OTLP endpoint must not carry credentials");
    }
  }

  /** Whether spans are made and exported. */
  public boolean enabled() {
    return tracer != null;
  }

  /**
   * The task, to run on another thread in the current trace context (the request's span, if any),
   * as if it ran on this one.
   */
  public static Runnable inCurrentContext(Runnable task) {
    return Context.current().wrap(task);
  }

  /**
   * Wraps a handler so that each request runs in a server span that continues the caller's {@code
   * traceparent} and ends when the response completes; returns {@code next} itself when off.
   */
  public Handler serverSpans(Handler next) {
    if (!enabled()) {
      return next;
    }
    return new ServerSpans(next);
  }

  /**
   * Starts a client span, a child of the current span, for a call about to be sent.
   *
   * @param method the HTTP method
   * @param target the URL called (only its host, port and path are recorded)
   */
  public ClientSpan client(String method, URI target) {
    if (!enabled()) {
      return ClientSpan.NONE;
    }
    Span span =
        tracer
            .spanBuilder(method)
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(METHOD, method)
            .setAttribute(PATH, target.getRawPath() == null ? "/" : target.getRawPath())
            .setAttribute(PEER, target.getHost() + ":" + target.getPort())
            .startSpan();
    return new ClientSpan(span);
  }

  /**
   * Sends a call with {@code java.net.http} in a client span, with its {@code traceparent}.
   *
   * @throws IOException as {@link HttpClient#send} does
   * @throws InterruptedException as {@link HttpClient#send} does
   */
  public <T> HttpResponse<T> send(
      HttpClient client, HttpRequest.Builder builder, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    if (!enabled()) {
      return client.send(builder.build(), handler);
    }
    HttpRequest request = builder.copy().build();
    ClientSpan span = client(request.method(), request.uri());
    span.inject(builder::setHeader);
    try {
      HttpResponse<T> response = client.send(builder.build(), handler);
      span.end(response.statusCode(), null);
      return response;
    } catch (IOException | InterruptedException | RuntimeException e) {
      span.end(0, e);
      throw e;
    }
  }

  /** Exports what is still buffered (for at most 5 s) and stops. Idempotent. */
  @Override
  public void close() {
    if (provider != null) {
      provider.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  /** Exports what is buffered now, waiting at most the given time; for tests and shutdown. */
  public void flush(Duration wait) {
    if (provider != null) {
      provider.forceFlush().join(wait.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** An outgoing call's span, ended once with the answer's status or the failure. */
  public static final class ClientSpan {
    static final ClientSpan NONE = new ClientSpan(null);

    private final Span span;

    private ClientSpan(Span span) {
      this.span = span;
    }

    /** Writes {@code traceparent} (and {@code tracestate}) naming this span to the call. */
    public void inject(BiConsumer<String, String> header) {
      if (span != null) {
        W3C.inject(Context.current().with(span), header, (h, k, v) -> h.accept(k, v));
      }
    }

    /**
     * Ends the span.
     *
     * @param status the answer's status code, or 0 when there was none
     * @param failure why the call failed, or null
     */
    public void end(int status, Throwable failure) {
      if (span == null) {
        return;
      }
      if (status > 0) {
        span.setAttribute(STATUS, (long) status);
      }
      if (failure != null) {
        span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
      } else if (status >= 500) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    }
  }

  /** Reads {@code traceparent} and {@code tracestate} from a Jetty request. */
  private static final TextMapGetter<Request> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Request request) {
          List<String> names = new ArrayList<>();
          for (HttpField f : request.getHeaders()) {
            names.add(f.getLowerCaseName());
          }
          return names;
        }

        @Override
        public String get(Request request, String key) {
          return request == null ? null : request.getHeaders().get(key);
        }
      };

  private final class ServerSpans extends Handler.Wrapper {
    ServerSpans(Handler next) {
      super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      Context parent = W3C.extract(Context.root(), request, HEADERS);
      String method = request.getMethod().toUpperCase(Locale.ROOT);
      String path = request.getHttpURI().getPath();
      Span span =
          tracer
              .spanBuilder(method)
              .setParent(parent)
              .setSpanKind(SpanKind.SERVER)
              .setAttribute(METHOD, method)
              .setAttribute(PATH, path == null ? "/" : path)
              .startSpan();
      Callback done = new SpanEnding(callback, response, span);
      try (Scope ignored = span.makeCurrent()) {
        boolean handled = super.handle(request, response, done);
        if (!handled) {
          span.end();
        }
        return handled;
      } catch (Throwable t) {
        span.setStatus(StatusCode.ERROR, t.getClass().getSimpleName());
        span.end();
        throw t;
      }
    }
  }

  /** Ends a server span with the response's status, then completes the request's callback. */
  private record SpanEnding(Callback callback, Response response, Span span) implements Callback {

    @Override
    public void succeeded() {
      int status = response.getStatus();
      span.setAttribute(STATUS, (long) status);
      if (status >= 500) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
      callback.succeeded();
    }

    @Override
    public void failed(Throwable failure) {
      span.setAttribute(STATUS, (long) response.getStatus());
      span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
      span.end();
      callback.failed(failure);
    }

    @Override
    public InvocationType getInvocationType() {
      return callback.getInvocationType();
    }
  }
}
