package dev.mandate.authority;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One token bucket per key (a client id, a client address): {@code tokens} every {@code period} on
 * average, up to {@code burst} at once (Bucket4j, on the injected clock). A key idle for ten
 * minutes is forgotten, which gives it a full bucket, as waiting would have; at most 100,000 keys
 * are remembered, so many addresses cannot grow the map without bound.
 */
final class RateLimiter {
  private final long tokens;
  private final Duration period;
  private final long burst;
  private final TimeMeter time;
  private final Cache<String, Bucket> buckets =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(10)).build();

  RateLimiter(Clock clock, long tokens, Duration period, long burst) {
    if (tokens < 1 || burst < tokens || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException(
          "a rate limit needs 1 <= tokens <= burst and a positive period, got "
              + tokens
              + ", "
              + burst
              + " and "
              + period);
    }
    this.tokens = tokens;
    this.period = period;
    this.burst = burst;
    this.time =
        new TimeMeter() {
          @Override
          public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
          }

          @Override
          public boolean isWallClockBased() {
            return true;
          }
        };
  }

  /** The most tokens one take may ask for. */
  long burst() {
    return burst;
  }

  /**
   * Takes {@code n} tokens for {@code key} if it has them.
   *
   * @return 0 if taken, else how many whole seconds (at least 1) until they would be there
   */
  long take(String key, long n) {
    ConsumptionProbe probe = bucket(key).tryConsumeAndReturnRemaining(n);
    return probe.isConsumed() ? 0 : seconds(probe.getNanosToWaitForRefill());
  }

  /** Seconds until {@code key} has a token again; 0 if it has one now. Takes nothing. */
  long waitFor(String key) {
    Bucket b = buckets.getIfPresent(key);
    if (b == null || b.getAvailableTokens() > 0) {
      return 0;
    }
    return seconds(b.estimateAbilityToConsume(1).getNanosToWaitForRefill());
  }

  private Bucket bucket(String key) {
    return buckets.get(
        key,
        k ->
            Bucket.builder()
                .addLimit(l -> l.capacity(burst).refillGreedy(tokens, period))
                .withCustomTimePrecision(time)
                .build());
  }

  private static long seconds(long nanos) {
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }
}
