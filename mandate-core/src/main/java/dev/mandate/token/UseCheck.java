package dev.mandate.token;

import static dev.mandate.token.Reasons.deny;

import dev.mandate.caveat.Caveat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The last step (spec §6, max-uses): a call that passed every other check is counted against each
 * max-uses caveat of its capability, and allowed only if every one had room. Without a counter a
 * max-uses caveat cannot be enforced, so the call is denied (fail closed).
 */
final class UseCheck {
  /** A max-uses caveat of block {@code block}. */
  record Use(int block, String revocationId, long maxUses) {}

  private final UsageCounter counter;
  private final Duration clockSkew;

  UseCheck(UsageCounter counter, Duration clockSkew) {
    this.counter = counter;
    this.clockSkew = clockSkew;
  }

  /**
   * Counts one use against every caveat, or none.
   *
   * @throws Reasons.Denial if a caveat is used up, or the counter is missing or fails
   */
  void count(Chain chain, List<Use> uses) {
    if (uses.isEmpty()) {
      return;
    }
    if (counter == null) {
      throw deny(
          chain,
          Decision.Code.UNAVAILABLE,
          uses.get(0).block(),
          Decision.Check.MAX_USES,
          "block "
              + uses.get(0).block()
              + " has a max-uses caveat and this verifier has no use counter to enforce it"
              + " (configure one with Verifier.Builder.usageCounter)");
    }
    List<UsageCounter.Limit> limits = new ArrayList<>(uses.size());
    for (Use u : uses) {
      limits.add(new UsageCounter.Limit(u.revocationId(), u.maxUses(), forgetAfter(chain, u)));
    }
    int exhausted;
    try {
      exhausted = counter.tryUse(limits);
    } catch (RuntimeException e) {
      throw deny(
          chain,
          Decision.Code.UNAVAILABLE,
          uses.get(0).block(),
          Decision.Check.MAX_USES,
          "the uses of this capability cannot be counted right now (the use counter failed); try"
              + " again shortly");
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
  private Instant forgetAfter(Chain chain, Use use) {
    Instant expiry = null;
    for (Chain.Link link : chain.links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.Expiry e && (expiry == null || e.notAfter().isBefore(expiry))) {
          expiry = e.notAfter();
        }
      }
      if (link.block().index() == use.block()) {
        break;
      }
    }
    // The authority block always carries an expiry (spec §6), so expiry is set.
    return expiry.plus(clockSkew);
  }
}
