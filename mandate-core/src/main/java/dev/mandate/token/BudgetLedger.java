package dev.mandate.token;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Keeps what calls spent from the budgets and rates of capabilities, for the {@link Verifier}: a
 * call is allowed only once it was debited from every budget that applies to it, all at once or not
 * at all, so concurrent calls in one process or, with a shared store, across processes never spend
 * more than a limit. Implementations must be thread-safe.
 *
 * <p>Amounts are whole millionths (spec section 6.3). A rate's rolling window is kept in slots of
 * {@link #slotMillis} milliseconds: a slot counts while any part of it lies within the window, so
 * an implementation may refuse a little early, never late.
 *
 * <p>A ledger that cannot answer (its store is unreachable) throws any runtime exception; the
 * verifier turns that into a denial coded {@link Decision.Code#UNAVAILABLE}.
 */
public interface BudgetLedger {

  /**
   * One budget a call spends from.
   *
   * @param key the budget's key: its block's revocation id, {@code /}, and its position among the
   *     block's budgets (shared by every token that contains the block)
   * @param amount what the call spends, in millionths (0 or more)
   * @param limit the budget's limit, in millionths (at least 1)
   * @param windowMillis the rate's rolling window in milliseconds, or 0 for a budget over the
   *     capability's life
   * @param forgetAfter when the budget may be dropped: no token containing its block is valid after
   *     it
   */
  record Debit(String key, long amount, long limit, long windowMillis, Instant forgetAfter) {
    /**
     * @throws NullPointerException if key or forgetAfter is null
     * @throws IllegalArgumentException if amount is negative, limit below 1 or the window negative
     */
    public Debit {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(forgetAfter, "forgetAfter");
      if (amount < 0 || limit < 1 || windowMillis < 0) {
        throw new IllegalArgumentException(
            "a debit needs amount >= 0, limit >= 1, window >= 0; got "
                + amount
                + ", "
                + limit
                + ", "
                + windowMillis);
      }
    }
  }

  /**
   * What a debit did.
   *
   * @param refused the index of the first debit that did not fit (nothing was debited), or -1 if
   *     every one was debited
   * @param remaining for a refused debit, what was left of its limit (millionths); else 0
   * @param atMillis when the debit was recorded (the ledger's clock), for {@link #refund}
   */
  record Outcome(int refused, long remaining, long atMillis) {}

  /**
   * Debits every budget, or none if one would go over its limit.
   *
   * @param debits the call's budgets (non-empty)
   * @throws RuntimeException if the store cannot answer (the call is then denied)
   */
  Outcome tryDebit(List<Debit> debits);

  /**
   * Gives back a debit that {@link #tryDebit} made at {@code atMillis}, for a call that was refused
   * after it (a max-uses caveat with no use left).
   *
   * @throws RuntimeException if the store cannot answer (what was debited then stays spent)
   */
  void refund(List<Debit> debits, long atMillis);

  /**
   * Returns what is spent now of each budget (millionths; the amounts of {@code debits} are
   * ignored): over the capability's life, or within the rate's current window.
   *
   * @throws RuntimeException if the store cannot answer
   */
  long[] spent(List<Debit> debits);

  /**
   * The width of the slots a rolling window of {@code windowMillis} is kept in: a sixtieth of it,
   * at least 1 ms.
   */
  static long slotMillis(long windowMillis) {
    return Math.max(1, windowMillis / 60);
  }

  /** The first slot that still counts at {@code nowMillis} for a window of {@code windowMillis}. */
  static long firstSlot(long nowMillis, long windowMillis) {
    return Math.floorDiv(nowMillis - windowMillis, slotMillis(windowMillis));
  }

  /**
   * Budgets in this process, kept until their tokens have expired (never evicted by size:
   * forgetting a budget early would grant it again). A cluster of enforcement points needs a shared
   * ledger instead.
   */
  static BudgetLedger inMemory(Clock clock) {
    return new InMemoryBudgetLedger(Objects.requireNonNull(clock, "clock"));
  }
}
