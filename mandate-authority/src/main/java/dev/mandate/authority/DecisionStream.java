package dev.mandate.authority;

import dev.mandate.authority.store.AuditQuery;
import dev.mandate.authority.store.AuditRecord;
import dev.mandate.authority.store.AuthorityStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gateway decisions as they arrive, for the console: a bounded in-memory fan-out fed by a tail of
 * the audit trail, and a query of the recent ones.
 *
 * <p>One thread of its own tails the audit trail after the last sequence it delivered: at once when
 * this replica ingests a batch ({@link #appended()}, which never blocks the ingest), and every poll
 * interval for what other replicas on the same database ingested. It reads nothing while nobody
 * watches. Each subscriber has a bounded queue; a subscriber whose queue is full (it does not read
 * as fast as decisions arrive) is dropped, never waited for, and learns it was dropped. There are
 * at most {@code maxSubscribers} at a time. Delivery is in sequence order; a subscriber that starts
 * after a sequence it has seen (a reconnecting page) first gets what it missed, from the store,
 * when that is at most {@value #REPLAY_MAX} records back, else it is told to start over.
 */
final class DecisionStream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionStream.class);

  static final int DEFAULT_MAX_SUBSCRIBERS = 32;
  static final int DEFAULT_QUEUE = 512;

  /** Records read per tail step. */
  static final int PAGE = 1000;

  /** How far back (in audit sequences) a subscriber may start and still be caught up. */
  static final int REPLAY_MAX = 1000;

  /** Decision records a recent-decisions query looks through for matches, at most. */
  static final int RECENT_SCAN = 5000;

  private static final List<String> TYPES = List.of(LiveDecision.TYPE);

  private final AuthorityStore store;
  private final ScheduledExecutorService tailer;
  private final int maxSubscribers;
  private final int queueCapacity;
  private final Object lock = new Object();
  private final Set<Subscription> subscribers = new LinkedHashSet<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicLong droppedCount = new AtomicLong();
  private long position;
  private volatile boolean watched;
  private volatile boolean closed;
  private final StoreOutage outage =
      new StoreOutage(LOG, "the live decision stream", "the audit trail");

  /** The newest decisions matching a filter, and the sequence a stream continues after. */
  record Recent(List<LiveDecision> decisions, long position) {}

  DecisionStream(
      AuthorityStore store, Duration pollInterval, int maxSubscribers, int queueCapacity) {
    if (maxSubscribers < 1 || queueCapacity < 1) {
      throw new IllegalArgumentException("maxSubscribers and queueCapacity must be at least 1");
    }
    this.store = store;
    this.maxSubscribers = maxSubscribers;
    this.queueCapacity = queueCapacity;
    this.tailer =
        Executors.newSingleThreadScheduledExecutor(
            AuthorityServer.daemonThreads("mandate-decision-stream"));
    long ms = pollInterval.toMillis();
    tailer.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * Called after this replica appended audit records: the tail reads them soon. Never blocks and
   * never fails; wakes are coalesced.
   */
  void appended() {
    if (watched && !closed && scheduled.compareAndSet(false, true)) {
      try {
        tailer.execute(this::tick);
      } catch (RuntimeException e) {
        // Shutting down: the stream ends anyway.
        scheduled.set(false);
      }
    }
  }

  /** Subscribers dropped so far for falling behind. */
  long dropped() {
    return droppedCount.get();
  }

  /** Subscribers now. */
  int subscribers() {
    synchronized (lock) {
      return subscribers.size();
    }
  }

  /**
   * The newest decisions matching {@code filter}, newest first, at most {@code limit}, from the
   * last {@value #RECENT_SCAN} decision records of the client or capability asked for (or of all).
   */
  Recent recent(DecisionFilter filter, int limit) {
    long head = store.latestAuditSequence();
    List<LiveDecision> out = new ArrayList<>();
    long before = Long.MAX_VALUE;
    int scanned = 0;
    // Only the token and client are columns; service and decision are matched here.
    int page = filter.indexedOnly() ? limit : Math.min(PAGE, RECENT_SCAN);
    while (out.size() < limit && scanned < RECENT_SCAN) {
      List<AuditRecord> records =
          store.newestAudit(TYPES, filter.tokenId(), filter.clientId(), before, page);
      for (AuditRecord r : records) {
        LiveDecision d = LiveDecision.of(r);
        if (d != null && filter.matches(d) && out.size() < limit) {
          out.add(d);
        }
      }
      scanned += records.size();
      if (records.size() < page) {
        break;
      }
      before = records.get(records.size() - 1).sequence();
    }
    long newest = out.isEmpty() ? 0 : out.get(0).sequence();
    return new Recent(List.copyOf(out), Math.max(head, newest));
  }

  /**
   * Starts delivering decisions matching {@code filter} with a sequence after {@code after}
   * (negative: from now). Close the subscription when done.
   *
   * @throws ApiException 503 {@code too_many_watchers} when {@code maxSubscribers} already watch
   */
  Subscription subscribe(DecisionFilter filter, long after) {
    if (closed) {
      throw new ApiException(503, "shutting_down", "the authority is shutting down");
    }
    Subscription s = new Subscription(filter, queueCapacity);
    synchronized (lock) {
      if (subscribers.size() >= maxSubscribers) {
        throw new ApiException(
            503,
            "too_many_watchers",
            "at most "
                + maxSubscribers
                + " live decision streams may be open at once; close one and retry");
      }
      if (subscribers.isEmpty()) {
        // Nobody watched, so the tail stood still: start it at the head.
        position = store.latestAuditSequence();
      }
      long from = after < 0 ? position : after;
      s.last = from;
      if (from < position) {
        replay(s, from);
      }
      subscribers.add(s);
      watched = true;
    }
    return s;
  }

  /** Fills a new subscriber's queue with what it missed up to {@link #position}; under the lock. */
  private void replay(Subscription s, long from) {
    if (position - from > REPLAY_MAX) {
      s.reset = true;
      s.last = position;
      return;
    }
    List<AuditRecord> missed =
        store.audit(
            new AuditQuery(s.filter.tokenId(), s.filter.clientId(), null, null, from, REPLAY_MAX));
    for (AuditRecord r : missed) {
      if (r.sequence() > position) {
        break;
      }
      LiveDecision d = LiveDecision.of(r);
      if (d != null && s.filter.matches(d) && !s.queue.offer(d)) {
        s.reset = true;
        s.queue.clear();
        break;
      }
    }
    s.last = position;
  }

  /** One step of the tail: reads what is new and hands it to every matching subscriber. */
  private void tick() {
    scheduled.set(false);
    if (closed || !watched) {
      return;
    }
    try {
      for (int step = 0; step < 10; step++) {
        long from;
        synchronized (lock) {
          if (subscribers.isEmpty()) {
            watched = false;
            return;
          }
          from = position;
        }
        List<AuditRecord> page = store.audit(AuditQuery.all(from, PAGE));
        deliver(page);
        if (page.size() < PAGE) {
          break;
        }
      }
      outage.readOk();
    } catch (RuntimeException e) {
      outage.readFailed(e);
    }
  }

  private void deliver(List<AuditRecord> page) {
    List<LiveDecision> decisions = new ArrayList<>(page.size());
    for (AuditRecord r : page) {
      LiveDecision d = LiveDecision.of(r);
      if (d != null) {
        decisions.add(d);
      }
    }
    synchronized (lock) {
      for (LiveDecision d : decisions) {
        for (var it = subscribers.iterator(); it.hasNext(); ) {
          Subscription s = it.next();
          if (d.sequence() <= s.last) {
            continue;
          }
          s.last = d.sequence();
          if (s.filter.matches(d) && !s.queue.offer(d)) {
            // Too slow: dropped rather than waited for, so no watcher holds back the others.
            it.remove();
            s.dropped = true;
            droppedCount.incrementAndGet();
          }
          s.signal();
        }
      }
      if (!page.isEmpty()) {
        position = Math.max(position, page.get(page.size() - 1).sequence());
      }
      if (subscribers.isEmpty()) {
        watched = false;
      }
    }
  }

  private void remove(Subscription s) {
    synchronized (lock) {
      subscribers.remove(s);
      if (subscribers.isEmpty()) {
        watched = false;
      }
    }
  }

  /** Ends every subscription and stops the tail. */
  @Override
  public void close() {
    closed = true;
    tailer.shutdownNow();
    List<Subscription> all;
    synchronized (lock) {
      all = new ArrayList<>(subscribers);
      subscribers.clear();
      watched = false;
    }
    all.forEach(Subscription::signal);
  }

  /** One watcher's view of the stream. */
  final class Subscription implements AutoCloseable {
    private final DecisionFilter filter;
    private final ArrayBlockingQueue<LiveDecision> queue;
    private final AtomicReference<CompletableFuture<Void>> ready =
        new AtomicReference<>(new CompletableFuture<>());

    /** The last sequence looked at for this subscriber; guarded by the stream's lock. */
    private long last;

    private volatile boolean dropped;
    private volatile boolean reset;

    private Subscription(DecisionFilter filter, int capacity) {
      this.filter = filter;
      this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Takes up to {@code max} delivered decisions, oldest first. */
    List<LiveDecision> take(int max) {
      List<LiveDecision> out = new ArrayList<>(Math.min(max, queue.size()));
      queue.drainTo(out, max);
      return out;
    }

    /**
     * Completes when there is something to {@link #take}, or the subscription ended (dropped,
     * closed, the server stopping); never exceptionally.
     */
    CompletableFuture<Void> ready() {
      CompletableFuture<Void> f = new CompletableFuture<>();
      ready.set(f);
      if (!queue.isEmpty() || ended()) {
        f.complete(null);
      }
      return f;
    }

    /** Whether it was dropped for falling behind. */
    boolean dropped() {
      return dropped;
    }

    /**
     * Whether it started too far behind to be caught up (or its catch-up did not fit its queue):
     * the watcher should start over from {@link #recent}.
     */
    boolean reset() {
      return reset;
    }

    /** Whether nothing more will be delivered. */
    boolean ended() {
      return dropped || closed;
    }

    private void signal() {
      ready.get().complete(null);
    }

    /** Stops delivery. Idempotent. */
    @Override
    public void close() {
      remove(this);
      signal();
    }
  }
}
