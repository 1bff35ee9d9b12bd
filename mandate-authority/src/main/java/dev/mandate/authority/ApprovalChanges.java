package dev.mandate.authority;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes whoever waits for approval requests to change (an agent's long-poll or event stream, an
 * approver's live inbox): at once for a change this replica made, and within {@link #CHECK} for one
 * another replica made (read from the store's change count, only while someone waits).
 *
 * <p>Every wait that outlives its request's first answer (an event stream, a long-poll) first takes
 * one of {@link #DEFAULT_MAX_WATCHERS} slots ({@link #watch}): such requests skip the server's
 * queue for threads (they wait without one), so this cap, not the queue, is what bounds them.
 */
final class ApprovalChanges implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApprovalChanges.class);

  /** How often the store is asked for changes other replicas made, while someone waits. */
  static final Duration CHECK = Duration.ofMillis(500);

  /** How many streams and long-polls may wait for changes at once, by default. */
  static final int DEFAULT_MAX_WATCHERS = 64;

  private final LongSupplier changeCount;
  private final int maxWatchers;
  private final AtomicInteger watchers = new AtomicInteger();
  private final AtomicLong version = new AtomicLong();
  private final Set<CompletableFuture<Void>> waiters = ConcurrentHashMap.newKeySet();
  private final ScheduledFuture<?> checker;
  private volatile long seen = -1;
  private volatile boolean closed;

  ApprovalChanges(LongSupplier changeCount, ScheduledExecutorService scheduler) {
    this(changeCount, scheduler, DEFAULT_MAX_WATCHERS);
  }

  ApprovalChanges(LongSupplier changeCount, ScheduledExecutorService scheduler, int maxWatchers) {
    if (maxWatchers < 1) {
      throw new IllegalArgumentException("maxWatchers must be at least 1");
    }
    this.changeCount = changeCount;
    this.maxWatchers = maxWatchers;
    long ms = CHECK.toMillis();
    this.checker = scheduler.scheduleWithFixedDelay(this::check, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Says that this replica changed a request: every waiter wakes. */
  void changed() {
    version.incrementAndGet();
    for (CompletableFuture<Void> w : waiters) {
      w.complete(null);
    }
  }

  /**
   * A number that moves at every change this replica sees (its own, and other replicas' while
   * anyone watches). Read it before reading the state, and pass it to {@link #next(Duration,
   * long)}, so that a change between the read and the wait is not missed.
   */
  long version() {
    return version.get();
  }

  /**
   * Completes at once if anything changed since {@code since} (a {@link #version()}), else at the
   * next change or after {@code max}, whichever comes first; never fails. The caller reads what
   * changed itself (a wake may also be another request's change).
   */
  CompletableFuture<Void> next(Duration max, long since) {
    CompletableFuture<Void> wake = next(max);
    // Registered first, then compared: a change after the registration completes the wake itself.
    if (version.get() != since) {
      wake.complete(null);
    }
    return wake;
  }

  /**
   * Completes with {@code read}'s value once it differs from {@code seen}, reading it again (on
   * {@code executor}) after each change, or with the value as it stands once {@code max} has passed
   * or the authority shuts down. {@code since} is the {@link #version()} read before {@code seen}
   * was, so a change after that read wakes the first wait at once; each later read takes the
   * version before it likewise. Completes exceptionally with what {@code read} throws.
   */
  <T> CompletableFuture<T> awaitChange(
      Supplier<T> read, T seen, long since, Duration max, Executor executor) {
    return awaitChange(read, seen, since, System.nanoTime() + max.toNanos(), executor);
  }

  /** As above, until {@code untilNanos} on the monotonic clock (a wait is real time). */
  private <T> CompletableFuture<T> awaitChange(
      Supplier<T> read, T seen, long since, long untilNanos, Executor executor) {
    long left = untilNanos - System.nanoTime();
    if (left <= 0) {
      return CompletableFuture.completedFuture(seen);
    }
    return next(Duration.ofNanos(left), since)
        .thenComposeAsync(
            woke -> {
              long version = version();
              T now = read.get();
              if (!now.equals(seen) || closed) {
                return CompletableFuture.completedFuture(now);
              }
              return awaitChange(read, seen, version, untilNanos, executor);
            },
            executor);
  }

  /**
   * Completes at the next change, or after {@code max}, whichever comes first; never fails. The
   * caller reads what changed itself (a wake may also be another request's change). Private: a
   * caller waits with the version it read before the state ({@link #next(Duration, long)}).
   */
  private CompletableFuture<Void> next(Duration max) {
    CompletableFuture<Void> wake = new CompletableFuture<>();
    waiters.add(wake);
    wake.whenComplete((v, e) -> waiters.remove(wake));
    // completeOnTimeout cancels its timer when the wake comes first.
    return wake.completeOnTimeout(null, max.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Takes a watcher's slot for a stream or long-poll; run the returned action once it ends (running
   * it again does nothing).
   *
   * @throws ApiException 503 {@code too_many_watchers} when all slots are taken
   */
  Runnable watch() {
    if (watchers.incrementAndGet() > maxWatchers) {
      watchers.decrementAndGet();
      throw new ApiException(
          503,
          "too_many_watchers",
          "at most "
              + maxWatchers
              + " approval streams and long-polls may wait at once; retry later or poll without"
              + " waiting");
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        watchers.decrementAndGet();
      }
    };
  }

  /** How many slots are taken now. */
  int watching() {
    return watchers.get();
  }

  private void check() {
    // Followed while anyone watches, not only while someone waits: a stream between two waits
    // must still see another replica's change.
    if (watchers.get() == 0) {
      seen = -1;
      return;
    }
    try {
      long now = changeCount.getAsLong();
      long before = seen;
      seen = now;
      if (before >= 0 && now != before) {
        changed();
      }
    } catch (RuntimeException e) {
      // The database is unavailable: the waiters' own timeouts end their waits.
      LOG.debug("cannot read approval request changes: {}", e.toString());
    }
  }

  /** Whether the authority is shutting down (streams end). */
  boolean closed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    checker.cancel(false);
    changed();
  }
}
