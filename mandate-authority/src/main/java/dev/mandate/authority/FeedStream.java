package dev.mandate.authority;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The revocation feed as server-sent events: an {@code event: snapshot} first when the follower
 * starts from 0 or is too far behind, then one {@code event: entry} per feed entry, each with
 * {@code id:} set to its sequence (so a reconnecting client resumes with {@code Last-Event-ID}),
 * and a comment line every {@link #HEARTBEAT} while nothing happens. The stream ends when the
 * server shuts down or the client goes away.
 */
final class FeedStream extends ServerSentEvents {
  private final RevocationFeed feed;
  private final Pager pager;
  private long position;

  FeedStream(RevocationFeed feed, Pager pager, Executor executor, long since) {
    super(executor);
    this.feed = feed;
    this.pager = pager;
    this.position = since;
  }

  /** Reads the feed: see {@link RevocationEndpoints#page(long, boolean)}. */
  interface Pager {
    RevocationEndpoints.FeedView page(long since, boolean snapshotAtZero);
  }

  @Override
  boolean closed() {
    return feed.closed();
  }

  /** Whatever is new after {@link #position}. */
  @Override
  Frame render(boolean first) {
    RevocationEndpoints.FeedView view = pager.page(position, first);
    StringBuilder s = new StringBuilder();
    if (view.snapshot() != null) {
      s.append("id: ").append(view.latestSequence()).append('\n');
      s.append(event("snapshot", Json.write(view)));
    }
    for (RevocationEndpoints.EntryView entry : view.entries()) {
      s.append("id: ").append(entry.sequence()).append('\n');
      s.append(event("entry", Json.write(entry)));
    }
    position = Math.max(position, view.latestSequence());
    return new Frame(s.toString(), false);
  }

  @Override
  CompletionStage<Void> change() {
    return feed.awaitAfter(position, HEARTBEAT);
  }
}
