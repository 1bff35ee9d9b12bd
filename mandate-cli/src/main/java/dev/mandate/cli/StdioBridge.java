package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.mcp.RoutingHeaders;
import dev.mandate.sdk.CapabilityUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * MCP's stdio transport for {@code mandate proxy}: newline-delimited JSON-RPC messages from the
 * client on stdin are sent to the gateway's endpoint ({@link McpRelay}), one HTTP request each, and
 * every message the gateway answers with (a JSON body or the events of a stream), and those of the
 * session's GET stream, is written to stdout, one per line. The session id and protocol version the
 * gateway's {@code initialize} answer gives are sent with every later message; at the end of stdin
 * the session is ended ({@code DELETE}). A message of MCP 2026-07-28 (no session; its {@code
 * params._meta} names the revision) is sent with the routing headers its body implies ({@link
 * RoutingHeaders}). Nothing but JSON-RPC is written to stdout.
 */
final class StdioBridge {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final System.Logger LOG = System.getLogger(StdioBridge.class.getName());

  private final McpRelay relay;
  private final PrintWriter out;
  private final ExecutorService calls =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "mandate-proxy-call");
            t.setDaemon(true);
            return t;
          });
  private volatile String sessionId;
  private volatile String protocolVersion;
  private volatile boolean streamOpened;

  StdioBridge(McpRelay relay, PrintWriter out) {
    this.relay = relay;
    this.out = out;
  }

  /** Relays until stdin ends, then waits for calls in flight and ends the session. */
  void run(InputStream stdin) throws IOException, InterruptedException {
    String line;
    while ((line = readLine(stdin)) != null) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode message;
      try {
        message = JSON.readTree(line);
      } catch (IOException e) {
        message = null;
      }
      if (message == null || !message.isObject()) {
        emit(error(null, -32700, "not a JSON-RPC message"));
        continue;
      }
      String body = line;
      JsonNode parsed = message;
      if ("initialize".equals(parsed.path("method").asText(null))) {
        forward(body, parsed); // the session id comes with its answer: wait for it
      } else {
        calls.execute(() -> forward(body, parsed));
      }
    }
    calls.shutdown();
    calls.awaitTermination(30, TimeUnit.SECONDS);
    endSession();
  }

  /** Sends one message and writes what the gateway answers. */
  private void forward(String body, JsonNode message) {
    JsonNode id = message.get("id");
    boolean request = id != null && message.has("method");
    try {
      Map<String, String> headers = headers(true);
      // A 2026-07-28 message has no session: its routing headers come from its own envelope.
      headers.putAll(RoutingHeaders.of(message));
      HttpResponse<InputStream> answer = relay.send("POST", body, headers);
      String session = answer.headers().firstValue("Mcp-Session-Id").orElse(null);
      if (session != null && sessionId == null) {
        sessionId = session;
      }
      relayAnswer(answer, request ? id : null);
      if ("notifications/initialized".equals(message.path("method").asText(null))) {
        openStream();
      }
    } catch (CapabilityUnavailableException | McpRelay.NoCapability e) {
      if (request) {
        emit(error(id, -32000, "mandate proxy has no usable capability: " + e.getMessage()));
      }
    } catch (IOException e) {
      if (request) {
        emit(error(id, -32000, "the gateway cannot be reached: " + e.getMessage()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void relayAnswer(HttpResponse<InputStream> answer, JsonNode requestId)
      throws IOException {
    String type = answer.headers().firstValue("Content-Type").orElse("");
    if (type.startsWith("text/event-stream")) {
      McpRelay.events(answer.body(), this::emitFromGateway);
    } else if (type.startsWith("application/json")) {
      emitFromGateway(McpRelay.readBounded(answer.body()));
    } else {
      String text = McpRelay.readBounded(answer.body());
      if (requestId != null && answer.statusCode() >= 400) {
        emit(
            error(
                requestId,
                -32000,
                "the gateway answered " + answer.statusCode() + ": " + detail(text)));
      }
    }
  }

  /** The session's GET stream, for the server's own requests and notifications; optional. */
  private void openStream() {
    if (streamOpened || sessionId == null) {
      return;
    }
    streamOpened = true;
    Thread t =
        new Thread(
            () -> {
              try {
                HttpResponse<InputStream> stream = relay.send("GET", null, headers(false));
                if (stream.statusCode() == 200) {
                  McpRelay.events(stream.body(), this::emitFromGateway);
                } else {
                  stream.body().close();
                }
              } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "the session stream ended: {0}", e.getMessage());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "mandate-proxy-stream");
    t.setDaemon(true);
    t.start();
  }

  private void endSession() {
    if (sessionId == null) {
      return;
    }
    try {
      relay.send("DELETE", null, headers(false)).body().close();
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "ending the session failed: {0}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Map<String, String> headers(boolean post) {
    Map<String, String> h = new LinkedHashMap<>();
    if (post) {
      h.put("Content-Type", "application/json");
      h.put("Accept", "application/json, text/event-stream");
    } else {
      h.put("Accept", "text/event-stream");
    }
    if (sessionId != null) {
      h.put("Mcp-Session-Id", sessionId);
    }
    if (protocolVersion != null) {
      h.put("MCP-Protocol-Version", protocolVersion);
    }
    return h;
  }

  /** Writes a message of the gateway's, noting the protocol version an initialize result names. */
  private void emitFromGateway(String text) {
    JsonNode message;
    try {
      message = JSON.readTree(text);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "the gateway sent a message that is not JSON; dropped");
      return;
    }
    if (message == null || !message.isObject()) {
      return;
    }
    JsonNode version = message.path("result").path("protocolVersion");
    if (version.isTextual() && protocolVersion == null) {
      protocolVersion = version.textValue();
    }
    emit(message);
  }

  /** Writes one message as one line. */
  private void emit(JsonNode message) {
    String line;
    try {
      line = JSON.writeValueAsString(message);
    } catch (IOException e) {
      return;
    }
    synchronized (out) {
      out.print(line);
      out.print('\n');
      out.flush();
    }
  }

  private static ObjectNode error(JsonNode id, int code, String message) {
    ObjectNode e = JSON.createObjectNode().put("jsonrpc", "2.0");
    if (id == null) {
      e.putNull("id");
    } else {
      e.set("id", id);
    }
    e.putObject("error").put("code", code).put("message", message);
    return e;
  }

  /** A problem body's detail, or the start of the text. */
  private static String detail(String text) {
    try {
      JsonNode problem = JSON.readTree(text);
      if (problem != null && problem.path("detail").isTextual()) {
        return problem.get("detail").textValue();
      }
    } catch (IOException e) {
      // not JSON
    }
    return text.length() > 200 ? text.substring(0, 200) : text;
  }

  /**
   * One line of UTF-8 (without its end), at most {@link McpRelay#MAX_MESSAGE_BYTES}; null at end.
   */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      if (line.size() >= McpRelay.MAX_MESSAGE_BYTES) {
        throw new IOException(
            "a message on stdin exceeds " + McpRelay.MAX_MESSAGE_BYTES + " bytes");
      }
      line.write(b);
    }
    return line.size() > 0 ? line.toString(StandardCharsets.UTF_8) : null;
  }
}
