package dev.mandate.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * An OpenTelemetry collector in the test's process: receives OTLP/HTTP trace exports ({@code POST
 * /v1/traces}, protobuf) on loopback and decodes them with the OTLP message classes, so a test sees
 * what a real collector would.
 */
public final class OtlpCollector implements AutoCloseable {
  /** The largest export accepted (a real collector's default is larger; tests send little). */
  private static final int MAX_BODY = 8 << 20;

  /**
   * One span as received.
   *
   * @param service the exporting resource's {@code service.name}
   * @param name the span's name
   * @param kind {@code SERVER}, {@code CLIENT}, ...
   * @param traceId the trace id (32 hex digits)
   * @param spanId the span id (16 hex digits)
   * @param parentSpanId the parent span id, or "" for a root span
   * @param attributes the span's attributes as text
   * @param error whether the span's status is an error
   */
  public record ReceivedSpan(
      String service,
      String name,
      String kind,
      String traceId,
      String spanId,
      String parentSpanId,
      Map<String, String> attributes,
      boolean error) {

    /** The attribute's value, or null. */
    public String attribute(String key) {
      return attributes.get(key);
    }

    /** The {@code traceparent} header value naming this span (sampled). */
    public String traceparent() {
      return "00-" + traceId + "-" + spanId + "-01";
    }
  }

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

  private OtlpCollector(HttpServer server) {
    this.server = server;
  }

  /** Starts a collector on a free loopback port. */
  public static OtlpCollector start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    OtlpCollector collector = new OtlpCollector(server);
    server.createContext("/v1/traces", collector::receive);
    server.start();
    return collector;
  }

  /** The traces endpoint to configure an exporter with. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
  }

  /** Every span received so far, in order of arrival. */
  public List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  /**
   * Waits until a span matching {@code match} has arrived and returns it.
   *
   * @throws AssertionError if none arrives within {@code timeout}
   */
  public ReceivedSpan await(Duration timeout, Predicate<ReceivedSpan> match) {
    Await.until(timeout, () -> find(match).isPresent());
    return find(match).orElseThrow();
  }

  /** The first span received that matches, if any. */
  public Optional<ReceivedSpan> find(Predicate<ReceivedSpan> match) {
    return spans.stream().filter(match).findFirst();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void receive(HttpExchange exchange) throws IOException {
    try {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readNBytes(MAX_BODY + 1);
      }
      if (body.length > MAX_BODY) {
        exchange.sendResponseHeaders(413, -1);
        return;
      }
      ExportTraceServiceRequest request;
      try {
        request = ExportTraceServiceRequest.parseFrom(body);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      spans.addAll(decode(request));
      byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer);
        }
      }
    } finally {
      exchange.close();
    }
  }

  private static List<ReceivedSpan> decode(ExportTraceServiceRequest request) {
    HexFormat hex = HexFormat.of();
    List<ReceivedSpan> out = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      String service = attributes(rs.getResource()).getOrDefault("service.name", "");
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          Map<String, String> attrs = new LinkedHashMap<>();
          for (KeyValue kv : s.getAttributesList()) {
            attrs.put(kv.getKey(), text(kv.getValue()));
          }
          out.add(
              new ReceivedSpan(
                  service,
                  s.getName(),
                  s.getKind().name().replace("SPAN_KIND_", ""),
                  hex.formatHex(s.getTraceId().toByteArray()),
                  hex.formatHex(s.getSpanId().toByteArray()),
                  hex.formatHex(s.getParentSpanId().toByteArray()),
                  Map.copyOf(attrs),
                  s.getStatus().getCode()
                      == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR));
        }
      }
    }
    return out;
  }

  private static Map<String, String> attributes(Resource resource) {
    Map<String, String> out = new LinkedHashMap<>();
    for (KeyValue kv : resource.getAttributesList()) {
      out.put(kv.getKey(), text(kv.getValue()));
    }
    return out;
  }

  private static String text(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> Long.toString(v.getIntValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      default -> v.toString();
    };
  }
}
