package dev.mandate.token;

import java.time.Clock;
import java.time.Instant;

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
    return new InMemoryReplayGuard(maxEntries, clock, InMemoryReplayGuard.CALLER);
  }
}
