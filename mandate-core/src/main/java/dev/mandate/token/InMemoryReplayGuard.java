package dev.mandate.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Used proofs remembered in this process ({@link ReplayGuard#inMemory}), bounded in number, each
 * forgotten once its proof is stale anyway. Every proof is one write, so the cache's upkeep (its
 * expiry and size bookkeeping) runs on the writing thread ({@link #CALLER}) rather than being
 * handed to the common fork-join pool after writes, which cost a thread hand-off per request
 * (measured by {@code bin/bench-mcp} at the gateway: a worker of that pool busy for every
 * holder-bound call).
 */
final class InMemoryReplayGuard implements ReplayGuard {
  /** Runs the cache's upkeep on the thread whose write called for it. */
  static final Executor CALLER = Runnable::run;

  private final Cache<String, Instant> seen;

  /**
   * @param maxEntries the most proofs remembered; past it the oldest are evicted
   * @param clock the time by which proofs expire
   * @param upkeep where the cache's upkeep runs ({@link #CALLER} but in tests)
   */
  InMemoryReplayGuard(long maxEntries, Clock clock, Executor upkeep) {
    this.seen =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .executor(upkeep)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .expireAfter(
                new Expiry<String, Instant>() {
                  @Override
                  public long expireAfterCreate(String key, Instant value, long currentTime) {
                    long ms = Duration.between(clock.instant(), value).toMillis();
                    return TimeUnit.MILLISECONDS.toNanos(Math.max(ms, 0) + 1);
                  }

                  @Override
                  public long expireAfterUpdate(
                      String key, Instant value, long currentTime, long currentDuration) {
                    return currentDuration;
                  }

                  @Override
                  public long expireAfterRead(
                      String key, Instant value, long currentTime, long currentDuration) {
                    return currentDuration;
                  }
                })
            .build();
  }

  @Override
  public boolean firstUse(String proofId, Instant expiresAt) {
    return seen.asMap().putIfAbsent(proofId, expiresAt) == null;
  }

  /** How many proofs the cache counts now, without running its upkeep first (for tests). */
  long remembered() {
    return seen.estimatedSize();
  }
}
