package dev.mandate.authority.store;

import java.time.Instant;

/**
 * One entry of the revocation feed. Sequence numbers start at 1 and have no gaps.
 *
 * @param sequence position in the feed (1, 2, 3, ...)
 * @param kind what happened
 * @param revocationId the revocation id (or indirect id) affected
 * @param tokenId the token the request named, or {@code null} when revoked by revocation id
 * @param reason why, as given by the actor (may be {@code null})
 * @param actor who asked for it (client id)
 * @param at when it was published
 */
public record FeedEntry(
    long sequence,
    Kind kind,
    String revocationId,
    String tokenId,
    String reason,
    String actor,
    Instant at) {

  /** What a feed entry does. */
  public enum Kind {
    /** Permanently denies every token containing the revocation id. */
    REVOKE,
    /** Switches an indirect capability off until a {@link #RESUME}. */
    SUSPEND,
    /** Switches a suspended indirect capability back on. */
    RESUME
  }
}
