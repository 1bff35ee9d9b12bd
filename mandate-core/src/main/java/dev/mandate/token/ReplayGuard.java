package dev.mandate.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Remembers which proofs were already used, so that each proof is accepted at most once within its
 * validity window. Implementations must be thread-safe; a gateway cluster shares one (for example
 * in Redis).
 */
@FunctionalInterface
public interface ReplayGuard {
  /**
   * Records a proof id.
   *
   * @param proofId a unique id of the proof
   * @param expiresAt after this instant the proof is stale anyway and may be forgotten
   * @return true the first time an id is seen, false on a replay
   */
  boolean firstUse(String proofId, Instant expiresAt);

  /**
   * An in-memory guard for one process, bounded to {@code maxEntries} remembered proofs, expiring
   * entries by the given clock. Past the bound the oldest entries are evicted, so size it above the
   * number of proofs expected within one proof window.
   */
  static ReplayGuard inMemory(long maxEntries, Clock clock) {
    Cache<String, Instant> seen =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .expireAfter(
                new com.github.benmanes.caffeine.cache.Expiry<String, Instant>() {
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
    return (proofId, expiresAt) -> seen.asMap().putIfAbsent(proofId, expiresAt) == null;
  }
}
