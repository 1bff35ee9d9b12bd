package dev.mandate.authority;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The revocation feed as server-sent events: an {@code event: snapshot} first when the follower
 * starts from 0 or is too far behind, then one {@code event: entry} per feed entry, each with
 * {@code id:} set to its sequence (so a reconnecting client resumes with {@code Last-Event-ID}),
 * and a comment line every {@value #HEARTBEAT_SECONDS} seconds while nothing happens. The stream
 * ends when the server shuts down or the client goes away.
 */
final class FeedStream implements Reply.Stream {
  static final long HEARTBEAT_SECONDS = 10;
  private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.UTF_8);

  private final RevocationFeed feed;
  private final Pager pager;
  private final Executor executor;
  private long position;
  private boolean started;
  private Response response;
  private Callback done;

  FeedStream(RevocationFeed feed, Pager pager, Executor executor, long since) {
    this.feed = feed;
    this.pager = pager;
    this.executor = executor;
    this.position = since;
  }

  /** Reads the feed: see {@link RevocationEndpoints#page(long, boolean)}. */
  interface Pager {
    RevocationEndpoints.FeedView page(long since, boolean snapshotAtZero);
  }

  static Map<String, String> headers() {
    return Map.of(HttpHeader.CONTENT_TYPE.asString(), "text/event-stream; charset=utf-8");
  }

  @Override
  public void stream(Response response, Callback callback) {
    this.response = response;
    this.done = callback;
    executor.execute(this::next);
  }

  /** Sends whatever is new after {@link #position}, or a heartbeat, then waits again. */
  private void next() {
    if (feed.closed()) {
      response.write(true, ByteBuffer.allocate(0), done);
      return;
    }
    byte[] chunk;
    try {
      chunk = render(pager.page(position, !started));
      started = true;
    } catch (RuntimeException e) {
      // The database is unavailable: end the stream; the client reconnects with Last-Event-ID.
      response.write(true, ByteBuffer.allocate(0), done);
      return;
    }
    if (chunk.length == 0) {
      chunk = HEARTBEAT;
    }
    response.write(false, ByteBuffer.wrap(chunk), Callback.from(this::await, done::failed));
  }

  private void await() {
    try {
      feed.awaitAfter(position, Duration.ofSeconds(HEARTBEAT_SECONDS))
          .thenRunAsync(this::next, executor);
    } catch (RuntimeException e) {
      response.write(true, ByteBuffer.allocate(0), done);
    }
  }

  private byte[] render(RevocationEndpoints.FeedView view) {
    StringBuilder s = new StringBuilder();
    if (view.snapshot() != null) {
      s.append("id: ").append(view.latestSequence()).append('\n');
      s.append("event: snapshot\n");
      s.append("data: ").append(Json.write(view)).append("\n\n");
    }
    for (RevocationEndpoints.EntryView entry : view.entries()) {
      s.append("id: ").append(entry.sequence()).append('\n');
      s.append("event: entry\n");
      s.append("data: ").append(Json.write(entry)).append("\n\n");
    }
    position = Math.max(position, view.latestSequence());
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }
}
