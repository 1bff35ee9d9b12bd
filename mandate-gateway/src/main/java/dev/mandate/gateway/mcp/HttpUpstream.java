package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.Secret;
import dev.mandate.gateway.mcp.McpConfig.Http;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session with an MCP server over Streamable HTTP. Each message is POSTed; the answer (a JSON
 * body or an SSE stream) is read on the executor and handed to the listener message by message.
 * After the client's {@code notifications/initialized}, a GET stream carries the server's own
 * messages (if the server offers one). The upstream's session id and the negotiated protocol
 * version are sent on every later request, with the configured headers (the upstream's
 * credentials); nothing of the agent's request headers is forwarded.
 */
final class HttpUpstream implements UpstreamConnection {
  private static final Logger LOG = LoggerFactory.getLogger(HttpUpstream.class);
  private static final String SESSION_HEADER = "Mcp-Session-Id";
  private static final String VERSION_HEADER = "MCP-Protocol-Version";

  private final String service;
  private final Http config;
  private final HttpClient client;
  private final Executor executor;
  private final Listener listener;
  private final long maxMessageBytes;
  private final Duration timeout;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicReference<InputStream> getStream = new AtomicReference<>();
  private volatile String sessionId;
  private volatile String protocolVersion;
  private volatile String initializeIdKey;

  HttpUpstream(
      String service,
      Http config,
      HttpClient client,
      Executor executor,
      Listener listener,
      long maxMessageBytes,
      Duration timeout) {
    this.service = service;
    this.config = config;
    this.client = client;
    this.executor = executor;
    this.listener = listener;
    this.maxMessageBytes = maxMessageBytes;
    this.timeout = timeout;
  }

  @Override
  public void send(JsonNode message) {
    if (closed.get()) {
      throw new UpstreamUnavailableException("upstream " + service + " session has ended");
    }
    boolean request = JsonRpc.isRequest(message);
    if (request && "initialize".equals(JsonRpc.method(message))) {
      initializeIdKey = JsonRpc.idKey(message.get("id"));
    }
    boolean initialized =
        JsonRpc.isNotification(message)
            && "notifications/initialized".equals(JsonRpc.method(message));
    HttpRequest post =
        builder()
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .timeout(timeout)
            .POST(HttpRequest.BodyPublishers.ofString(JsonRpc.write(message)))
            .build();
    client
        .sendAsync(post, HttpResponse.BodyHandlers.ofInputStream())
        .whenCompleteAsync(
            (response, error) -> {
              try {
                answer(message, request, response, error);
                if (initialized && error == null && response.statusCode() / 100 == 2) {
                  openGetStream();
                }
              } catch (RuntimeException e) {
                LOG.warn("upstream {}: could not handle an answer", service, e);
              }
            },
            executor);
  }

  private HttpRequest.Builder builder() {
    HttpRequest.Builder b = HttpRequest.newBuilder(config.url());
    for (Map.Entry<String, Secret> h : config.headers().entrySet()) {
      b.header(h.getKey(), h.getValue().revealForUse());
    }
    String session = sessionId;
    if (session != null) {
      b.header(SESSION_HEADER, session);
    }
    String version = protocolVersion;
    if (version != null) {
      b.header(VERSION_HEADER, version);
    }
    return b;
  }

  private void answer(
      JsonNode message, boolean request, HttpResponse<InputStream> response, Throwable error) {
    JsonNode id = request ? message.get("id") : null;
    if (error != null) {
      if (request) {
        listener.onMessage(
            JsonRpc.error(id, JsonRpc.UNAVAILABLE, "upstream " + service + " is unreachable"));
      }
      end("it is unreachable: " + error.getClass().getSimpleName());
      return;
    }
    try (InputStream body = response.body()) {
      int status = response.statusCode();
      if (sessionId == null) {
        response.headers().firstValue(SESSION_HEADER).ifPresent(s -> sessionId = s);
      }
      if (status == 404 && sessionId != null) {
        if (request) {
          listener.onMessage(
              JsonRpc.error(id, JsonRpc.UNAVAILABLE, "upstream " + service + " session expired"));
        }
        end("its session expired");
        return;
      }
      if (status / 100 != 2) {
        if (request) {
          listener.onMessage(
              JsonRpc.error(
                  id, JsonRpc.UNAVAILABLE, "upstream " + service + " answered HTTP " + status));
        }
        return;
      }
      if (status == 202 || !request) {
        return;
      }
      String type = response.headers().firstValue("Content-Type").orElse("");
      if (type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        readEvents(body);
      } else {
        byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxMessageBytes + 1));
        if (bytes.length > maxMessageBytes) {
          listener.onMessage(
              JsonRpc.error(
                  id, JsonRpc.UNAVAILABLE, "upstream " + service + " answered with too much data"));
          return;
        }
        deliver(JsonRpc.parse(bytes));
      }
    } catch (IOException e) {
      if (request) {
        listener.onMessage(
            JsonRpc.error(
                id, JsonRpc.UNAVAILABLE, "upstream " + service + " broke off its answer"));
      }
    }
  }

  private void deliver(JsonNode message) {
    if (message.isArray()) {
      message.forEach(this::deliver);
      return;
    }
    if (JsonRpc.isResponse(message)
        && JsonRpc.idKey(message.get("id")).equals(initializeIdKey)
        && message.path("result").path("protocolVersion").isTextual()) {
      protocolVersion = message.path("result").path("protocolVersion").textValue();
    }
    listener.onMessage(message);
  }

  /** Reads an SSE stream, delivering each event's data as one message, until it ends. */
  private void readEvents(InputStream body) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    StringBuilder data = new StringBuilder();
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) {
        if (data.length() > 0) {
          try {
            deliver(JsonRpc.parse(data.toString()));
          } catch (IOException e) {
            LOG.debug("upstream {} sent an event that is not JSON; ignored", service);
          }
          data.setLength(0);
        }
      } else if (line.startsWith("data:")) {
        if (data.length() > 0) {
          data.append('\n');
        }
        data.append(line, line.startsWith("data: ") ? 6 : 5, line.length());
        if (data.length() > maxMessageBytes) {
          throw new IOException("an event is larger than " + maxMessageBytes + " bytes");
        }
      }
      // event:, id:, retry: and comments carry nothing the gateway needs.
    }
  }

  private void openGetStream() {
    executor.execute(
        () -> {
          int failures = 0;
          while (!closed.get() && failures < 5) {
            HttpRequest get = builder().header("Accept", "text/event-stream").GET().build();
            try {
              HttpResponse<InputStream> response =
                  client.send(get, HttpResponse.BodyHandlers.ofInputStream());
              if (response.statusCode() != 200) {
                response.body().close();
                return; // 405: the server offers no stream of its own.
              }
              getStream.set(response.body());
              try (InputStream body = response.body()) {
                readEvents(body);
              }
              failures = 0;
            } catch (IOException e) {
              failures++;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
            sleepQuietly(1000);
          }
        });
  }

  private static void sleepQuietly(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void end(String why) {
    if (closed.getAndSet(true)) {
      return;
    }
    closeGetStream();
    LOG.warn("upstream {} session ended: {}", service, why);
    listener.onClosed(why);
  }

  @Override
  public boolean alive() {
    return !closed.get();
  }

  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    closeGetStream();
    String session = sessionId;
    if (session != null) {
      HttpRequest delete = builder().timeout(Duration.ofSeconds(5)).DELETE().build();
      client.sendAsync(delete, HttpResponse.BodyHandlers.discarding());
    }
  }

  private void closeGetStream() {
    InputStream s = getStream.getAndSet(null);
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // Closing only stops the reader.
      }
    }
  }
}
