package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes long-polling followers of the revocation feed. A publish on this replica wakes them at
 * once; a short poll of the store's latest sequence catches entries published by other replicas on
 * the same database, so followers of any replica see an entry well within a second.
 */
final class RevocationFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RevocationFeed.class);
  static final int MAX_WAITERS = 10_000;

  private final AuthorityStore store;
  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waiterCount = new AtomicInteger();
  private final ScheduledFuture<?> poller;
  private volatile long latest;
  private volatile boolean closed;
  private final StoreOutage outage = new StoreOutage(LOG, "the revocation feed", "the database");

  private record Waiter(long since, CompletableFuture<Void> done) {}

  RevocationFeed(AuthorityStore store, ScheduledExecutorService scheduler, Duration pollInterval) {
    this.store = store;
    this.latest = store.latestSequence();
    long ms = pollInterval.toMillis();
    this.poller = scheduler.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** The latest sequence this replica knows of. */
  long latest() {
    return latest;
  }

  /** Whether the server is shutting down (streams end, waits return at once). */
  boolean closed() {
    return closed;
  }

  /** Called after this replica published {@code sequence}: wakes followers without waiting. */
  void published(long sequence) {
    advance(sequence);
  }

  /**
   * Completes when an entry after {@code since} exists, when {@code wait} has passed, or when the
   * server shuts down, whichever is first. Never completes exceptionally.
   *
   * @throws ApiException 503 if too many followers are already waiting
   */
  CompletableFuture<Void> awaitAfter(long since, Duration wait) {
    if (closed || latest > since || wait.isZero()) {
      return CompletableFuture.completedFuture(null);
    }
    if (waiterCount.incrementAndGet() > MAX_WAITERS) {
      waiterCount.decrementAndGet();
      throw new ApiException(
          503, "too_many_waiters", "too many followers are waiting; retry with a shorter wait");
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Waiter waiter = new Waiter(since, done);
    waiters.add(waiter);
    done.whenComplete(
        (v, e) -> {
          waiters.remove(waiter);
          waiterCount.decrementAndGet();
        });
    // completeOnTimeout cancels its timer when an entry comes first.
    done.completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS);
    // Re-check after registering, so an entry published in between is not missed.
    if (closed || latest > since) {
      done.complete(null);
    }
    return done;
  }

  private void poll() {
    try {
      advance(store.latestSequence());
      outage.readOk();
    } catch (RuntimeException e) {
      outage.readFailed(e);
    }
  }

  private void advance(long sequence) {
    synchronized (this) {
      if (sequence <= latest) {
        return;
      }
      latest = sequence;
    }
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (w.since() < sequence) {
        w.done().complete(null);
      }
    }
  }

  /** Releases every waiting follower and stops polling. */
  @Override
  public void close() {
    closed = true;
    poller.cancel(false);
    for (Waiter w : waiters) {
      w.done().complete(null);
    }
  }
}
