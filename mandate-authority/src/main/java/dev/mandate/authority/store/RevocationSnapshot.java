package dev.mandate.authority.store;

import java.util.Set;

/**
 * The denied revocation ids as of one feed sequence, read consistently: a follower that loads this
 * and then follows the feed from {@code sequence} sees every later change exactly once.
 *
 * @param sequence the last feed sequence included (0 for an empty feed)
 * @param denied revoked ids plus suspended-and-not-resumed ids; unmodifiable
 */
public record RevocationSnapshot(long sequence, Set<String> denied) {

  /** Copies {@code denied}. */
  public RevocationSnapshot {
    denied = Set.copyOf(denied);
  }
}
