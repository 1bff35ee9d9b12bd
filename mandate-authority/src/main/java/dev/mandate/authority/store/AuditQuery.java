package dev.mandate.authority.store;

import java.time.Instant;

/**
 * A filter over the audit trail. Every non-null filter must match.
 *
 * @param tokenId only records about this token, or {@code null}
 * @param clientId only records about this client, or {@code null}
 * @param from only records at or after this time, or {@code null}
 * @param to only records before this time (exclusive), or {@code null}
 * @param afterSequence only records with a larger sequence (0 = from the start); for paging
 * @param limit at most this many records, 1..{@value #MAX_LIMIT}
 * @param type only records of this type or of a type under it ({@code decision} matches {@code
 *     decision} and {@code decision.allow}), or {@code null}
 * @param text only records whose type, actor, token, client or detail contains this text (case
 *     insensitive), or {@code null}
 * @param beforeSequence only records with a smaller sequence (0 = no bound); for paging back
 * @param newestFirst whether the results come in descending sequence order (else ascending)
 */
public record AuditQuery(
    String tokenId,
    String clientId,
    Instant from,
    Instant to,
    long afterSequence,
    int limit,
    String type,
    String text,
    long beforeSequence,
    boolean newestFirst) {

  /** The largest page a query may ask for. */
  public static final int MAX_LIMIT = 10_000;

  /** The longest free text searched for. */
  public static final int MAX_TEXT = 200;

  /** Validates the filter; throws {@link IllegalArgumentException} on bad input. */
  public AuditQuery {
    Limits.requireOptionalText("tokenId", tokenId, Limits.ID_MAX);
    Limits.requireOptionalText("clientId", clientId, Limits.ID_MAX);
    Limits.requireOptionalText("type", type, Limits.ID_MAX);
    Limits.requireOptionalText("text", text, MAX_TEXT);
    if (afterSequence < 0) {
      throw new IllegalArgumentException("afterSequence must be >= 0, got " + afterSequence);
    }
    if (beforeSequence < 0) {
      throw new IllegalArgumentException("beforeSequence must be >= 0, got " + beforeSequence);
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got " + limit);
    }
    if (from != null && to != null && to.isBefore(from)) {
      throw new IllegalArgumentException("to " + to + " is before from " + from);
    }
  }

  /** The filter of the audit API: oldest first, without type, text or upper bound. */
  public AuditQuery(
      String tokenId, String clientId, Instant from, Instant to, long afterSequence, int limit) {
    this(tokenId, clientId, from, to, afterSequence, limit, null, null, 0, false);
  }

  /** A query for every record after {@code afterSequence}, at most {@code limit} of them. */
  public static AuditQuery all(long afterSequence, int limit) {
    return new AuditQuery(null, null, null, null, afterSequence, limit);
  }
}
