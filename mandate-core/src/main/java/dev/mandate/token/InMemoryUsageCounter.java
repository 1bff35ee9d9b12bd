package dev.mandate.token;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Usage counters in this process ({@link UsageCounter#inMemory}). Entries are kept until their
 * token has expired (never evicted by size: forgetting a counter early would grant its uses again)
 * and swept on a later call.
 */
final class InMemoryUsageCounter implements UsageCounter {
  private static final long SWEEP_EVERY = 4096;

  private record Entry(AtomicLong used, long forgetAfterMillis) {}

  private final ConcurrentHashMap<String, Entry> counters = new ConcurrentHashMap<>();
  private final AtomicLong calls = new AtomicLong();
  private final Clock clock;

  InMemoryUsageCounter(Clock clock) {
    this.clock = clock;
  }

  @Override
  public int tryUse(List<Limit> limits) {
    if (calls.incrementAndGet() % SWEEP_EVERY == 0) {
      sweep();
    }
    for (int i = 0; i < limits.size(); i++) {
      Limit limit = limits.get(i);
      Entry e =
          counters.computeIfAbsent(
              limit.revocationId(),
              k -> new Entry(new AtomicLong(), limit.forgetAfter().toEpochMilli()));
      long now;
      boolean counted;
      do {
        now = e.used().get();
        counted = now < limit.maxUses();
      } while (counted && !e.used().compareAndSet(now, now + 1));
      if (!counted) {
        // Give back what this call took from the earlier limits: it is refused, not used.
        for (int j = 0; j < i; j++) {
          counters.get(limits.get(j).revocationId()).used().decrementAndGet();
        }
        return i;
      }
    }
    return -1;
  }

  private void sweep() {
    long now = clock.millis();
    counters.entrySet().removeIf(en -> en.getValue().forgetAfterMillis() < now);
  }

  /** Number of counters held (for tests). */
  int size() {
    return counters.size();
  }
}
