package dev.mandate.authority;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Server-sent events that follow approval requests: the source renders what to send now (nothing if
 * nothing changed since it last rendered), then the stream waits for the next change ({@link
 * ApprovalChanges}) or {@link #HEARTBEAT}, sending a comment line when nothing happened. It ends
 * when the source says so, after {@code maxLife} (the client reconnects), when the server shuts
 * down or when the client goes away. It holds one of {@link ApprovalChanges#watch}'s slots from
 * construction until it ends.
 */
final class EventStream implements Reply.Stream {
  static final Duration HEARTBEAT = Duration.ofSeconds(10);
  private static final byte[] HEARTBEAT_LINE = ": heartbeat\n\n".getBytes(StandardCharsets.UTF_8);

  /**
   * What to send now, and whether the stream ends after it.
   *
   * @param events zero or more complete events ({@code event:}, {@code data:}, blank line)
   * @param last whether to end the stream once they are sent
   */
  record Frame(String events, boolean last) {}

  private final ApprovalChanges changes;
  private final Executor executor;
  private final Function<Boolean, Frame> source;
  private final long endsAtNanos;
  private final Runnable release;
  private boolean started;
  private Response response;
  private Callback done;

  /**
   * @param source renders the next frame; its argument says whether this is the first one (send the
   *     whole state) or a later one (send what changed, or nothing); may throw, which ends the
   *     stream
   * @throws ApiException 503 when the watchers' slots are all taken
   */
  EventStream(
      ApprovalChanges changes,
      Executor executor,
      Duration maxLife,
      Function<Boolean, Frame> source) {
    this.changes = changes;
    this.executor = executor;
    this.source = source;
    this.endsAtNanos = System.nanoTime() + maxLife.toNanos();
    this.release = changes.watch();
  }

  static Map<String, String> headers() {
    return Map.of(
        HttpHeader.CONTENT_TYPE.asString(),
        "text/event-stream; charset=utf-8",
        HttpHeader.CACHE_CONTROL.asString(),
        "no-store");
  }

  /** One event, its data the given JSON (one line: JSON text has no raw line breaks). */
  static String event(String name, String json) {
    return "event: " + name + "\ndata: " + json + "\n\n";
  }

  @Override
  public void stream(Response response, Callback callback) {
    this.response = response;
    this.done =
        Callback.from(
            () -> {
              release.run();
              callback.succeeded();
            },
            failure -> {
              release.run();
              callback.failed(failure);
            });
    executor.execute(this::next);
  }

  private void next() {
    if (changes.closed()) {
      end();
      return;
    }
    Frame frame;
    try {
      frame = source.apply(!started);
      started = true;
    } catch (RuntimeException e) {
      // The database is unavailable, or the caller is no longer entitled: end; it may reconnect.
      end();
      return;
    }
    boolean last = frame.last() || System.nanoTime() - endsAtNanos >= 0;
    byte[] chunk =
        frame.events().isEmpty() ? HEARTBEAT_LINE : frame.events().getBytes(StandardCharsets.UTF_8);
    if (last) {
      response.write(true, ByteBuffer.wrap(chunk), done);
      return;
    }
    response.write(false, ByteBuffer.wrap(chunk), Callback.from(this::await, done::failed));
  }

  private void await() {
    changes.next(HEARTBEAT).thenRunAsync(this::next, executor);
  }

  private void end() {
    response.write(true, ByteBuffer.allocate(0), done);
  }
}
