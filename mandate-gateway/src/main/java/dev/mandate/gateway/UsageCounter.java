package dev.mandate.gateway;

import java.time.Instant;
import java.util.List;

/**
 * Counts uses of capabilities with {@code max uses} caveats. A use is counted only when every limit
 * of the call has room, atomically, so concurrent calls on one gateway or, with Redis, across
 * gateways never exceed a limit. Implementations are thread-safe.
 */
interface UsageCounter extends AutoCloseable {

  /**
   * One max-uses caveat to count against.
   *
   * @param revocationId the block's revocation id, shared by every token that contains the block
   * @param maxUses the most calls allowed
   * @param forgetAfter when the counter may be dropped: no token containing the block is valid
   *     after it (the earliest expiry of the block and the blocks before it, plus the clock skew)
   */
  record Limit(String revocationId, long maxUses, Instant forgetAfter) {}

  /**
   * Counts one use against every limit, or none if any limit is reached.
   *
   * @param limits the call's limits (non-empty)
   * @return the index in {@code limits} of the first exhausted limit, or -1 if the use was counted
   * @throws UnavailableException if the shared counter store cannot be reached
   */
  int tryUse(List<Limit> limits);

  @Override
  default void close() {}

  /** The counter store cannot answer; the call must be refused. */
  final class UnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
