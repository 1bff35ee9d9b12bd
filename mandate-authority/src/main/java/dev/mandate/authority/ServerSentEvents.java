package dev.mandate.authority;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A stream of server-sent events that follows something changing: it sends what the subclass
 * renders now, then waits for the next change (or a heartbeat's time) and sends again, a comment
 * line when nothing happened. It ends when a frame says so, when the server shuts down, when
 * rendering or waiting fails (the database is unavailable: the client reconnects) or when the
 * client goes away. Each step runs on the executor, never on the thread that wakes it.
 */
abstract class ServerSentEvents implements Reply.Stream {
  /** The longest silence before a comment line keeps the connection open. */
  static final Duration HEARTBEAT = Duration.ofSeconds(10);

  /**
   * The headers of every stream: an event stream that is never stored by a cache and never buffered
   * by a proxy (nginx holds a response back otherwise, and the events arrive late or not at all).
   */
  static final Map<String, String> HEADERS =
      Map.of(
          HttpHeader.CONTENT_TYPE.asString(),
          "text/event-stream; charset=utf-8",
          HttpHeader.CACHE_CONTROL.asString(),
          "no-store",
          "X-Accel-Buffering",
          "no");

  private static final byte[] HEARTBEAT_LINE = ": heartbeat\n\n".getBytes(StandardCharsets.UTF_8);

  /**
   * What to send now, and whether the stream ends after it.
   *
   * @param events zero or more complete events ({@code event:}, {@code data:}, blank line)
   * @param last whether to end the stream once they are sent
   */
  record Frame(String events, boolean last) {}

  private final Executor executor;
  private boolean started;
  private Response response;
  private Callback done;

  ServerSentEvents(Executor executor) {
    this.executor = executor;
  }

  /** One event, its data the given JSON (one line: JSON text has no raw line breaks). */
  static String event(String name, String json) {
    return "event: " + name + "\ndata: " + json + "\n\n";
  }

  /** Whether a request asks for a stream of events ({@code Accept: text/event-stream}). */
  static boolean requested(Request request) {
    String accept = request.getHeaders().get(HttpHeader.ACCEPT);
    return accept != null && accept.contains("text/event-stream");
  }

  /** This stream as an endpoint's answer: 200 with {@link #HEADERS}. */
  final Reply reply() {
    return new Reply(200, this, HEADERS);
  }

  /**
   * This stream as a console page's answer: 200 with the console's security headers ({@link
   * Console#securityHeaders()}) and {@link #HEADERS}, like every other console answer.
   */
  final Reply consoleReply() {
    Map<String, String> headers = Console.securityHeaders();
    headers.putAll(HEADERS);
    return new Reply(200, this, headers);
  }

  /** Whether the server is shutting down. */
  abstract boolean closed();

  /**
   * What to send now; {@code first} says whether this is the first frame (send the whole state) or
   * a later one (send what changed, or nothing). May throw, which ends the stream.
   */
  abstract Frame render(boolean first);

  /**
   * Completes at the next change, or after a heartbeat's time ({@link #HEARTBEAT} unless the
   * subclass says otherwise); may throw, which ends the stream.
   */
  abstract CompletionStage<Void> change();

  /** Runs once when the stream has ended, however it ended. */
  void ended() {}

  @Override
  public final void stream(Response response, Callback callback) {
    this.response = response;
    this.done =
        Callback.from(
            () -> {
              ended();
              callback.succeeded();
            },
            failure -> {
              ended();
              callback.failed(failure);
            });
    executor.execute(this::next);
  }

  private void next() {
    if (closed()) {
      end();
      return;
    }
    Frame frame;
    try {
      frame = render(!started);
      started = true;
    } catch (RuntimeException e) {
      end();
      return;
    }
    byte[] chunk = frame.events().getBytes(StandardCharsets.UTF_8);
    if (chunk.length == 0 && !frame.last()) {
      chunk = HEARTBEAT_LINE;
    }
    if (frame.last()) {
      response.write(true, ByteBuffer.wrap(chunk), done);
      return;
    }
    response.write(false, ByteBuffer.wrap(chunk), Callback.from(this::await, done::failed));
  }

  private void await() {
    try {
      change().thenRunAsync(this::next, executor);
    } catch (RuntimeException e) {
      end();
    }
  }

  private void end() {
    response.write(true, ByteBuffer.allocate(0), done);
  }
}
