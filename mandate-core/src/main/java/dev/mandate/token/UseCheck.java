package dev.mandate.token;

import static dev.mandate.token.Reasons.deny;
import static dev.mandate.token.Reasons.unavailable;
import static dev.mandate.token.Reasons.unconfigured;

import dev.mandate.caveat.Caveat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The last step (spec §6, max-uses and budgets): a call that passed every other check is debited
 * from every budget and rate that applies to it, then counted against each max-uses caveat of its
 * capability, and allowed only if every one had room; a call refused by a max-uses caveat gets its
 * debit back. Without a counter or a ledger such caveats cannot be enforced, so the call is denied
 * (fail closed).
 */
record UseCheck(UsageCounter counter, BudgetLedger ledger, Duration clockSkew) {
  /** A max-uses caveat of block {@code block}. */
  record Use(int block, String revocationId, long maxUses) {}

  /**
   * Debits every budget and counts one use against every max-uses caveat, or does neither.
   *
   * @throws Reasons.Denial if a budget or a max-uses caveat has no room, or a store is missing or
   *     fails
   */
  void debit(Chain chain, List<Use> uses, List<BudgetCheck.Spend> spends) {
    if (spends.isEmpty()) {
      count(chain, uses);
      return;
    }
    BudgetCheck.Spend first = spends.get(0);
    if (ledger == null) {
      throw unconfigured(
          chain,
          first.applied().block(),
          Decision.Check.BUDGET,
          "a budget",
          "budget ledger to keep it",
          "budgetLedger");
    }
    List<BudgetLedger.Debit> debits = new ArrayList<>(spends.size());
    for (BudgetCheck.Spend s : spends) {
      debits.add(s.debit());
    }
    BudgetLedger.Outcome outcome;
    try {
      outcome = ledger.tryDebit(debits);
    } catch (RuntimeException e) {
      throw unavailable(
          chain,
          first.applied().block(),
          Decision.Check.BUDGET,
          "the budgets of this capability cannot be checked",
          "budget ledger");
    }
    if (outcome.refused() >= 0) {
      throw BudgetCheck.exhausted(chain, spends.get(outcome.refused()), outcome.remaining());
    }
    try {
      count(chain, uses);
    } catch (Reasons.Denial d) {
      try {
        ledger.refund(debits, outcome.atMillis());
      } catch (RuntimeException e) {
        // What was debited stays spent: the ledger errs towards refusing, never towards allowing.
      }
      throw d;
    }
  }

  /**
   * Counts one use against every caveat, or none.
   *
   * @throws Reasons.Denial if a caveat is used up, or the counter is missing or fails
   */
  private void count(Chain chain, List<Use> uses) {
    if (uses.isEmpty()) {
      return;
    }
    if (counter == null) {
      throw unconfigured(
          chain,
          uses.get(0).block(),
          Decision.Check.MAX_USES,
          "a max-uses caveat",
          "use counter to enforce it",
          "usageCounter");
    }
    List<UsageCounter.Limit> limits = new ArrayList<>(uses.size());
    for (Use u : uses) {
      limits.add(
          new UsageCounter.Limit(
              u.revocationId(), u.maxUses(), forgetAfter(chain, u.block(), clockSkew)));
    }
    int exhausted;
    try {
      exhausted = counter.tryUse(limits);
    } catch (RuntimeException e) {
      throw unavailable(
          chain,
          uses.get(0).block(),
          Decision.Check.MAX_USES,
          "the uses of this capability cannot be counted",
          "use counter");
    }
    if (exhausted >= 0) {
      Use u = uses.get(exhausted);
      throw deny(
          chain,
          Decision.Code.LIMIT_EXCEEDED,
          u.block(),
          Decision.Check.MAX_USES,
          "block "
              + u.block()
              + " allows at most "
              + u.maxUses()
              + " use"
              + (u.maxUses() == 1 ? "" : "s")
              + ", and all were used");
    }
  }

  /**
   * A counter for a block may be forgotten once no token containing that block can be valid: after
   * the earliest expiry among the block and those before it (every such token carries them all).
   */
  static Instant forgetAfter(Chain chain, int block, Duration clockSkew) {
    Instant expiry = null;
    for (Chain.Link link : chain.links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.Expiry e && (expiry == null || e.notAfter().isBefore(expiry))) {
          expiry = e.notAfter();
        }
      }
      if (link.block().index() == block) {
        break;
      }
    }
    // The authority block always carries an expiry (spec §6), so expiry is set.
    return expiry.plus(clockSkew);
  }
}
