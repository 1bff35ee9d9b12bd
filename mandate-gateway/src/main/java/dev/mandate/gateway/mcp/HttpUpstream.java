package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.SecretRedaction;
import dev.mandate.gateway.UpstreamSpans;
import dev.mandate.server.Tracing;
import dev.mandate.wire.JsonRpcErrors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session with an MCP server over Streamable HTTP. Each message is POSTed without waiting; the
 * answer (a JSON body or an SSE stream) is parsed as it arrives, on the HTTP client's threads, and
 * handed to the listener message by message, so no thread waits on the upstream. After the client's
 * {@code notifications/initialized}, a GET stream carries the server's own messages (if the server
 * offers one). The upstream's session id and the negotiated protocol version are sent on every
 * later request, with the configured headers (the upstream's credentials); nothing of the agent's
 * request headers is forwarded. The configured header values are redacted from every message the
 * upstream sends ({@link SecretRedaction}), so an upstream that echoes its request cannot hand them
 * to the agent.
 */
final class HttpUpstream implements UpstreamConnection {
  private static final Logger LOG = LoggerFactory.getLogger(HttpUpstream.class);
  private static final String SESSION_HEADER = "Mcp-Session-Id";
  private static final String VERSION_HEADER = "MCP-Protocol-Version";
  private static final int MAX_GET_FAILURES = 5;

  private final HttpTarget target;
  private final String service;
  private final Tracing tracing;
  private final Listener listener;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicReference<Request> getStream = new AtomicReference<>();
  private volatile String sessionId;
  private volatile String protocolVersion;
  private volatile String initializeIdKey;

  HttpUpstream(HttpTarget target, Tracing tracing, Listener listener) {
    this.target = target;
    this.service = target.service();
    this.tracing = tracing;
    this.listener = listener;
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
    Request post =
        newRequest(HttpMethod.POST)
            .headers(h -> h.put(HttpHeader.ACCEPT, "application/json, text/event-stream"))
            .body(new BytesRequestContent("application/json", JsonRpc.writeBytes(message)))
            // Idle, not total: an SSE answer may stream progress for longer; the endpoint bounds
            // the whole call.
            .idleTimeout(target.timeout().toMillis(), TimeUnit.MILLISECONDS);
    UpstreamSpans.trace(tracing, post);
    try {
      post.send(new Answer(request ? message.get("id") : null, initialized));
    } catch (RuntimeException e) {
      throw new UpstreamUnavailableException("upstream " + service + " cannot be reached", e);
    }
  }

  private Request newRequest(HttpMethod method) {
    String session = sessionId;
    String version = protocolVersion;
    return target
        .newRequest(method)
        .headers(
            h -> {
              if (session != null) {
                h.put(SESSION_HEADER, session);
              }
              if (version != null) {
                h.put(VERSION_HEADER, version);
              }
            });
  }

  /** The answer to one POST: its status, then its messages as they arrive. */
  private final class Answer implements Response.Listener {
    /** The id of the request this POST carried, or null for a notification or a response. */
    private final JsonNode id;

    private final boolean initialized;
    private boolean headers;
    private boolean expectMessages;
    private SseParser events;
    private ByteArrayOutputStream json;
    private String problem;

    Answer(JsonNode id, boolean initialized) {
      this.id = id;
      this.initialized = initialized;
    }

    @Override
    public void onHeaders(Response response) {
      headers = true;
      int status = response.getStatus();
      if (sessionId == null) {
        String s = response.getHeaders().get(SESSION_HEADER);
        if (s != null) {
          sessionId = s;
        }
      }
      if (status == 404 && sessionId != null) {
        if (id != null) {
          listener.onMessage(
              JsonRpc.error(
                  id, JsonRpcErrors.UNAVAILABLE, "upstream " + service + " session expired"));
        }
        end("its session expired");
        return;
      }
      if (status / 100 != 2) {
        if (id != null) {
          listener.onMessage(
              JsonRpc.error(
                  id,
                  JsonRpcErrors.UNAVAILABLE,
                  "upstream " + service + " answered HTTP " + status));
        }
        return;
      }
      if (status == 202 || id == null) {
        return;
      }
      expectMessages = true;
      String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
      if (type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        events = new SseParser(target.maxMessageBytes(), HttpUpstream.this::deliverEvent);
      } else {
        json = new ByteArrayOutputStream();
      }
    }

    @Override
    public void onContent(Response response, ByteBuffer content) {
      if (!expectMessages || problem != null) {
        return;
      }
      try {
        if (events != null) {
          events.feed(content);
        } else if (json.size() + content.remaining() > target.maxMessageBytes()) {
          problem = "upstream " + service + " answered with too much data";
          response.abort(new IOException("answer too large"));
        } else {
          byte[] bytes = new byte[content.remaining()];
          content.get(bytes);
          json.write(bytes, 0, bytes.length);
        }
      } catch (IOException e) {
        problem = "upstream " + service + " broke off its answer";
        response.abort(e);
      }
    }

    @Override
    public void onComplete(Result result) {
      try {
        if (result.isFailed() && !headers) {
          if (id != null) {
            listener.onMessage(
                JsonRpc.error(
                    id, JsonRpcErrors.UNAVAILABLE, "upstream " + service + " is unreachable"));
          }
          end("it is unreachable: " + result.getFailure().getClass().getSimpleName());
          return;
        }
        if (expectMessages) {
          if (problem == null && result.isFailed()) {
            problem = "upstream " + service + " broke off its answer";
          }
          if (problem == null && json != null) {
            try {
              deliver(JsonRpc.parse(json.toByteArray()));
            } catch (IOException e) {
              problem = "upstream " + service + " broke off its answer";
            }
          }
          if (problem != null) {
            listener.onMessage(JsonRpc.error(id, JsonRpcErrors.UNAVAILABLE, problem));
          }
        }
        if (initialized && result.isSucceeded() && result.getResponse().getStatus() / 100 == 2) {
          openGetStream(0);
        }
      } catch (RuntimeException e) {
        LOG.warn("upstream {}: could not handle an answer", service, e);
      }
    }
  }

  private void deliverEvent(byte[] data) {
    try {
      deliver(JsonRpc.parse(data));
    } catch (IOException e) {
      LOG.debug("upstream {} sent an event that is not JSON; ignored", service);
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
    listener.onMessage(withoutCredentials(message));
  }

  /**
   * The message with the configured header values (this upstream's credentials) redacted everywhere
   * but the id, which must come back as it was sent.
   */
  private JsonNode withoutCredentials(JsonNode message) {
    if (target.credentials().isEmpty()) {
      return message;
    }
    return JsonRpc.redactKeepingId(
        message, target.credentials()::redact, target.credentials()::redacting);
  }

  /**
   * Opens the GET stream of the server's own messages; reopens it a second after it ends, until the
   * session ends or it failed {@value #MAX_GET_FAILURES} times in a row. A server that answers
   * anything but 200 (405: it offers no stream) is not asked again.
   */
  private void openGetStream(int failures) {
    if (closed.get() || failures >= MAX_GET_FAILURES) {
      return;
    }
    Request get =
        newRequest(HttpMethod.GET)
            .headers(h -> h.put(HttpHeader.ACCEPT, "text/event-stream"))
            // The stream stays open while the server has nothing to say.
            .idleTimeout(0, TimeUnit.MILLISECONDS);
    getStream.set(get);
    SseParser parser = new SseParser(target.maxMessageBytes(), this::deliverEvent);
    get.send(
        new Response.Listener() {
          private boolean offered;

          @Override
          public void onHeaders(Response response) {
            offered = response.getStatus() == 200;
          }

          @Override
          public void onContent(Response response, ByteBuffer content) {
            if (!offered) {
              return;
            }
            try {
              parser.feed(content);
            } catch (IOException e) {
              response.abort(e);
            }
          }

          @Override
          public void onComplete(Result result) {
            getStream.compareAndSet(get, null);
            if (!offered && result.isSucceeded()) {
              return;
            }
            int next = result.isFailed() ? failures + 1 : 0;
            if (!closed.get()) {
              target
                  .client()
                  .getScheduler()
                  .schedule(() -> openGetStream(next), 1, TimeUnit.SECONDS);
            }
          }
        });
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
    if (sessionId != null) {
      try {
        newRequest(HttpMethod.DELETE).timeout(5, TimeUnit.SECONDS).send(result -> {});
      } catch (RuntimeException e) {
        LOG.debug("upstream {}: could not end its session: {}", service, e.getMessage());
      }
    }
  }

  private void closeGetStream() {
    Request s = getStream.getAndSet(null);
    if (s != null) {
      s.abort(new IOException("the session has ended"));
    }
  }
}
