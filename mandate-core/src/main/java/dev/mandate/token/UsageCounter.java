package dev.mandate.token;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Counts uses of capabilities with {@code max-uses} caveats, for the {@link Verifier}: a call is
 * allowed only once a use was counted against every max-uses caveat of its capability. A use is
 * counted only when every limit of the call has room, atomically, so concurrent calls in one
 * process or, with a shared store, across processes never exceed a limit. Implementations must be
 * thread-safe.
 *
 * <p>A counter that cannot answer (its store is unreachable) throws any runtime exception; the
 * verifier turns that into a denial coded {@link Decision.Code#UNAVAILABLE}.
 */
@FunctionalInterface
public interface UsageCounter {

  /**
   * One max-uses caveat to count against.
   *
   * @param revocationId the block's revocation id, shared by every token that contains the block
   * @param maxUses the most calls allowed (at least 1)
   * @param forgetAfter when the counter may be dropped: no token containing the block is valid
   *     after it (the earliest expiry of the block and the blocks before it, plus the clock skew)
   */
  record Limit(String revocationId, long maxUses, Instant forgetAfter) {
    /**
     * @throws NullPointerException if revocationId or forgetAfter is null
     * @throws IllegalArgumentException if maxUses is below 1
     */
    public Limit {
      Objects.requireNonNull(revocationId, "revocationId");
      Objects.requireNonNull(forgetAfter, "forgetAfter");
      if (maxUses < 1) {
        throw new IllegalArgumentException("maxUses must be at least 1, got " + maxUses);
      }
    }
  }

  /**
   * Counts one use against every limit, or none if any limit is reached.
   *
   * @param limits the call's limits (non-empty)
   * @return the index in {@code limits} of the first exhausted limit, or -1 if the use was counted
   * @throws RuntimeException if the counter store cannot answer (the call is then denied)
   */
  int tryUse(List<Limit> limits);

  /**
   * Counters in this process, kept until their tokens have expired (never evicted by size:
   * forgetting a counter early would grant its uses again) and swept on a later call. A cluster of
   * enforcement points needs a shared counter instead.
   */
  static UsageCounter inMemory(Clock clock) {
    return new InMemoryUsageCounter(Objects.requireNonNull(clock, "clock"));
  }
}
