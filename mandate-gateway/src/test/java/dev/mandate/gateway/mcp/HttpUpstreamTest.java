package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.mandate.gateway.LoopbackServer;
import dev.mandate.gateway.Secret;
import dev.mandate.gateway.mcp.McpConfig.Http;
import dev.mandate.wire.JsonRpcErrors;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP upstream against a scripted Streamable HTTP server (Jetty, on loopback). */
class HttpUpstreamTest {
  private static final String KEY = "k-123-upstream-key";

  /** What the scripted server answers to the next POST. */
  private volatile Handler.Abstract answer;

  private final List<Map<String, String>> seenHeaders = new CopyOnWriteArrayList<>();
  private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> closed = new LinkedBlockingQueue<>();
  private LoopbackServer server;
  private HttpClient client;
  private HttpUpstream upstream;

  @BeforeEach
  void start() throws Exception {
    server =
        LoopbackServer.start(
            (request, response, callback) -> {
              seenHeaders.add(
                  Map.of(
                      "method",
                      request.getMethod(),
                      "session",
                      String.valueOf(request.getHeaders().get("Mcp-Session-Id")),
                      "version",
                      String.valueOf(request.getHeaders().get("MCP-Protocol-Version")),
                      "credential",
                      String.valueOf(request.getHeaders().get("X-Upstream-Key"))));
              if (!request.getMethod().equals("POST")) {
                response.setStatus(405);
                callback.succeeded();
                return true;
              }
              Content.Source.consumeAll(request);
              return answer.handle(request, response, callback);
            });
    client = new HttpClient();
    client.start();
    upstream =
        new HttpUpstream(
            HttpTarget.of(
                "up",
                new Http(
                    URI.create(server.url() + "/mcp"), Map.of("X-Upstream-Key", Secret.of(KEY))),
                client,
                1024,
                Duration.ofSeconds(5)),
            dev.mandate.server.Tracing.off(),
            new UpstreamConnection.Listener() {
              @Override
              public void onMessage(JsonNode message) {
                messages.add(message);
              }

              @Override
              public void onClosed(String why) {
                closed.add(why);
              }
            });
  }

  @AfterEach
  void stop() throws Exception {
    upstream.close();
    client.stop();
    server.close();
  }

  private static Handler.Abstract respond(
      int status, String type, Map<String, String> headers, String... chunks) {
    return new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        response.setStatus(status);
        if (type != null) {
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        }
        headers.forEach(response.getHeaders()::put);
        writeChunks(response, callback, chunks, 0);
        return true;
      }
    };
  }

  /** Writes each chunk in its own write, so the client sees them arrive separately. */
  private static void writeChunks(Response response, Callback callback, String[] chunks, int i) {
    if (i == chunks.length) {
      response.write(true, ByteBuffer.allocate(0), callback);
      return;
    }
    response.write(
        false,
        ByteBuffer.wrap(chunks[i].getBytes(StandardCharsets.UTF_8)),
        Callback.from(() -> writeChunks(response, callback, chunks, i + 1), callback::failed));
  }

  private static JsonNode request(int id, String method) {
    return JsonRpc.request(IntNode.valueOf(id), method, null);
  }

  private JsonNode next() throws InterruptedException {
    JsonNode m = messages.poll(5, TimeUnit.SECONDS);
    assertThat(m).as("a message from the upstream").isNotNull();
    return m;
  }

  @Test
  void sseAnswer_splitAcrossWrites_deliversEachEventInOrder() throws Exception {
    answer =
        respond(
            200,
            "text/event-stream",
            Map.of(),
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",",
            "\"params\":{\"progressToken\":1,\"progress\":1}}\n\nevent: message\ndata: {\"jsonrpc\":",
            "\"2.0\",\"id\":1,\"result\":{}}\n\n");
    upstream.send(request(1, "tools/call"));
    assertThat(JsonRpc.method(next())).isEqualTo("notifications/progress");
    assertThat(next().get("id").intValue()).isEqualTo(1);
  }

  @Test
  void jsonAnswer_isDelivered_andTheSessionIdAndVersionGoOnLaterRequests_withTheCredential()
      throws Exception {
    answer =
        respond(
            200,
            "application/json",
            Map.of("Mcp-Session-Id", "s-42"),
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2025-11-25\"}}");
    upstream.send(request(1, "initialize"));
    assertThat(next().path("result").path("protocolVersion").asText()).isEqualTo("2025-11-25");
    answer =
        respond(200, "application/json", Map.of(), "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}");
    upstream.send(request(2, "tools/list"));
    assertThat(next().get("id").intValue()).isEqualTo(2);
    assertThat(seenHeaders.get(0))
        .containsEntry("session", "null")
        .containsEntry("credential", KEY);
    assertThat(seenHeaders.get(1))
        .containsEntry("session", "s-42")
        .containsEntry("version", "2025-11-25")
        .containsEntry("credential", KEY);
  }

  @Test
  void theCredentialEchoedByTheUpstream_isRedacted_everywhereButTheId() throws Exception {
    String base64 =
        java.util.Base64.getEncoder()
            .encodeToString(("png bytes " + KEY).getBytes(StandardCharsets.UTF_8));
    answer =
        respond(
            200,
            "text/event-stream",
            Map.of(),
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"" + KEY + "\",\"result\":{",
            "\"content\":[{\"type\":\"text\",\"text\":\"you sent X-Upstream-Key: k-123-up",
            "stream-key\"},{\"type\":\"image\",\"data\":\"" + base64 + "\"}],",
            "\"" + KEY + "\":1}}\n\n");
    upstream.send(
        JsonRpc.request(
            com.fasterxml.jackson.databind.node.TextNode.valueOf(KEY), "tools/call", null));
    JsonNode m = next();
    assertThat(m.get("id").asText()).as("the id comes back as sent").isEqualTo(KEY);
    JsonNode result = m.get("result");
    assertThat(result.toString()).doesNotContain(KEY);
    assertThat(result.at("/content/0/text").asText())
        .isEqualTo("you sent X-Upstream-Key: " + dev.mandate.gateway.SecretRedaction.REPLACEMENT);
    assertThat(
            new String(
                java.util.Base64.getDecoder().decode(result.at("/content/1/data").asText()),
                StandardCharsets.UTF_8))
        .isEqualTo("png bytes " + dev.mandate.gateway.SecretRedaction.REPLACEMENT);
    assertThat(result.has(dev.mandate.gateway.SecretRedaction.REPLACEMENT)).isTrue();
  }

  @Test
  void httpError_answersTheRequestWithUnavailable_andKeepsTheSession() throws Exception {
    answer = respond(500, "text/plain", Map.of(), "boom");
    upstream.send(request(7, "tools/call"));
    JsonNode error = next();
    assertThat(error.get("id").intValue()).isEqualTo(7);
    assertThat(error.path("error").path("code").intValue()).isEqualTo(JsonRpcErrors.UNAVAILABLE);
    assertThat(error.path("error").path("message").asText()).contains("HTTP 500");
    assertThat(upstream.alive()).isTrue();
  }

  @Test
  void notFoundOnAnEstablishedSession_endsTheConnection() throws Exception {
    answer =
        respond(
            200,
            "application/json",
            Map.of("Mcp-Session-Id", "s-1"),
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
    upstream.send(request(1, "initialize"));
    next();
    answer = respond(404, null, Map.of());
    upstream.send(request(2, "tools/call"));
    assertThat(next().path("error").path("message").asText()).contains("session expired");
    assertThat(closed.poll(5, TimeUnit.SECONDS)).contains("expired");
    assertThat(upstream.alive()).isFalse();
  }

  @Test
  void answerLargerThanTheBound_isRefused() throws Exception {
    answer =
        respond(
            200,
            "application/json",
            Map.of(),
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"text\":\"" + "x".repeat(2000) + "\"}}");
    upstream.send(request(3, "tools/call"));
    JsonNode error = next();
    assertThat(error.get("id").intValue()).isEqualTo(3);
    assertThat(error.path("error").path("message").asText()).contains("too much data");
  }

  @Test
  void unreachableUpstream_answersWithUnavailable_andEndsTheConnection() throws Exception {
    server.close();
    upstream.send(request(4, "tools/call"));
    JsonNode error = next();
    assertThat(error.get("id").intValue()).isEqualTo(4);
    assertThat(error.path("error").path("message").asText()).contains("unreachable");
    assertThat(closed.poll(5, TimeUnit.SECONDS)).startsWith("it is unreachable");
  }

  @Test
  void notificationAccepted_deliversNothing() throws Exception {
    answer = respond(202, null, Map.of());
    upstream.send(JsonRpc.notification("notifications/cancelled", null));
    assertThat(messages.poll(300, TimeUnit.MILLISECONDS)).isNull();
    assertThat(upstream.alive()).isTrue();
  }
}
