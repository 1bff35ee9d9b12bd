package dev.mandate.gateway.mcp;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

/**
 * Whether a new session may open on an upstream whose sessions (for stdio, child processes) are
 * bounded, and which idle sessions must make room for it. Three bounds apply: the upstream's total,
 * the sessions of one owner (a capability's token id or holder key, so one narrow token cannot take
 * every slot), and the sessions opened from one client address (so many tokens from one place
 * cannot either). At each bound that is reached, the least recently used idle session within that
 * bound is evicted; a session with a call in flight or an open stream is never evicted for another.
 * When nothing within a bound is idle, the new session is refused: 429 when the owner's or the
 * address's own share is full, 503 when the upstream is.
 */
final class SessionAdmission {
  /**
   * The bounds.
   *
   * @param total the most sessions on the upstream
   * @param perOwner the most sessions of one owner
   * @param perClient the most sessions opened from one client address
   */
  record Limits(int total, int perOwner, int perClient) {
    Limits {
      if (total < 1 || perOwner < 1 || perClient < 1) {
        throw new IllegalArgumentException("session limits must be at least 1");
      }
    }
  }

  /** What admission needs to know of an open session. */
  interface Held {
    McpSession.Owner owner();

    /** The address the session was opened from. */
    String client();

    /** Whether nothing is in flight or streaming, so it may be evicted. */
    boolean idle();

    /** When the session was last used, in {@link System#nanoTime()} terms. */
    long lastUsedNanos();
  }

  /** The outcome: admit (after evicting {@code evict}), or refuse. */
  sealed interface Verdict<S> permits Admit, Refuse {}

  /**
   * Open the session once these sessions are closed.
   *
   * @param evict idle sessions to close first, possibly none
   */
  record Admit<S>(List<S> evict) implements Verdict<S> {}

  /**
   * Do not open the session.
   *
   * @param status 429 when the owner's or the client's share is full, 503 when the upstream is
   * @param reason a sentence for the agent
   */
  record Refuse<S>(int status, String reason) implements Verdict<S> {}

  private SessionAdmission() {}

  /**
   * Decides admission of a session for {@code owner} from {@code client} among {@code open}.
   *
   * @param limits the bounds
   * @param owner the new session's owner
   * @param client the address it is opened from
   * @param open the sessions open now
   * @param service named in reasons
   */
  static <S extends Held> Verdict<S> admit(
      Limits limits, McpSession.Owner owner, String client, Collection<S> open, String service) {
    List<S> evict = new ArrayList<>();
    Predicate<S> sameOwner = s -> s.owner().sameAs(owner);
    Predicate<S> sameClient = s -> s.client().equals(client);
    if (count(open, sameOwner, evict) >= limits.perOwner() && !evictOne(open, sameOwner, evict)) {
      return tooMany("this capability", limits.perOwner(), service);
    }
    if (count(open, sameClient, evict) >= limits.perClient()
        && !evictOne(open, sameClient, evict)) {
      return tooMany("this client address", limits.perClient(), service);
    }
    if (count(open, s -> true, evict) >= limits.total() && !evictOne(open, s -> true, evict)) {
      return new Refuse<>(503, "every session on " + service + " is in use; try again later");
    }
    return new Admit<>(List.copyOf(evict));
  }

  /** A 429 for {@code who}, which holds its share of {@code limit} sessions already. */
  private static <S extends Held> Refuse<S> tooMany(String who, int limit, String service) {
    return new Refuse<>(
        429,
        who
            + " already holds "
            + limit
            + " active session"
            + (limit == 1 ? "" : "s")
            + " on "
            + service
            + "; end one (DELETE) or let one go idle");
  }

  /** Sessions {@code within} the bound that are not already chosen for eviction. */
  private static <S> int count(Collection<S> open, Predicate<S> within, List<S> evicted) {
    int n = 0;
    for (S s : open) {
      if (within.test(s) && !evicted.contains(s)) {
        n++;
      }
    }
    return n;
  }

  /** Chooses the least recently used idle session within the bound; false if there is none. */
  private static <S extends Held> boolean evictOne(
      Collection<S> open, Predicate<S> within, List<S> evicted) {
    S oldest = null;
    for (S s : open) {
      if (within.test(s)
          && !evicted.contains(s)
          && s.idle()
          && (oldest == null || s.lastUsedNanos() - oldest.lastUsedNanos() < 0)) {
        oldest = s;
      }
    }
    if (oldest == null) {
      return false;
    }
    evicted.add(oldest);
    return true;
  }
}
