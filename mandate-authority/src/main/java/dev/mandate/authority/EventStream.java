package dev.mandate.authority;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Server-sent events that follow approval requests: the source renders what to send now (nothing if
 * nothing changed since it last rendered), then the stream waits for the next change ({@link
 * ApprovalChanges}) or {@link #HEARTBEAT}, sending a comment line when nothing happened. It ends
 * when the source says so, after {@code maxLife} (the client reconnects), when the server shuts
 * down or when the client goes away. It holds one of {@link ApprovalChanges#watch}'s slots from
 * construction until it ends.
 */
final class EventStream extends ServerSentEvents {
  private final ApprovalChanges changes;
  private final Function<Boolean, Frame> source;
  private final long endsAtNanos;
  private final Runnable release;
  private volatile long since;

  /**
   * @param source renders the next frame; its argument says whether this is the first one (send the
   *     whole state) or a later one (send what changed, or nothing); may throw (the database is
   *     unavailable, or the caller is no longer entitled), which ends the stream
   * @throws ApiException 503 when the watchers' slots are all taken
   */
  EventStream(
      ApprovalChanges changes,
      Executor executor,
      Duration maxLife,
      Function<Boolean, Frame> source) {
    super(executor);
    this.changes = changes;
    this.source = source;
    this.endsAtNanos = System.nanoTime() + maxLife.toNanos();
    this.release = changes.watch();
  }

  @Override
  boolean closed() {
    return changes.closed();
  }

  @Override
  Frame render(boolean first) {
    // The version before the state is read: a change from here on wakes the next wait at once.
    since = changes.version();
    Frame frame = source.apply(first);
    boolean expired = System.nanoTime() - endsAtNanos >= 0;
    return expired && !frame.last() ? new Frame(frame.events(), true) : frame;
  }

  @Override
  CompletionStage<Void> change() {
    return changes.next(HEARTBEAT, since);
  }

  @Override
  void ended() {
    release.run();
  }
}
