package dev.mandate.token;

import static dev.mandate.token.Reasons.deny;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.caveat.Caveat;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Budgets and rates (spec section 6.3): what a call would spend from each that applies to it, read
 * strictly from its arguments (missing, non-numeric, non-finite, negative or out-of-range amounts
 * are denied, never counted as zero), and the reason and remainder for a refusal.
 */
final class BudgetCheck {
  private static final long MICROS = 1_000_000L;

  /**
   * A budget or rate of block {@code block} that applies to the call, at position {@code ordinal}
   * among the block's budgets (the block's own first, in order, then its grants', in grant order).
   */
  record Applied(int block, String revocationId, int ordinal, Caveat caveat) {
    String key() {
      return revocationId + "/" + ordinal;
    }

    String text() {
      return caveat instanceof Caveat.Budget b ? b.text() : ((Caveat.Rate) caveat).text();
    }

    BigDecimal limit() {
      return caveat instanceof Caveat.Budget b ? b.limit() : ((Caveat.Rate) caveat).limit();
    }
  }

  /** What the call spends from one budget. */
  record Spend(Applied applied, BudgetLedger.Debit debit) {}

  private BudgetCheck() {}

  static boolean isBudget(Caveat c) {
    return c instanceof Caveat.Budget || c instanceof Caveat.Rate;
  }

  /** The budgets of the block itself (not of its grants), with their ordinals. */
  static void blockBudgets(Chain.Link link, List<Applied> into) {
    int ordinal = 0;
    for (Caveat c : link.caveats()) {
      if (isBudget(c)) {
        into.add(new Applied(link.block().index(), link.block().revocationId(), ordinal++, c));
      }
    }
  }

  /** The budgets of grant {@code grantIndex} of the block, with their ordinals. */
  static void grantBudgets(Chain.Link link, int grantIndex, List<Applied> into) {
    int ordinal = 0;
    for (Caveat c : link.caveats()) {
      ordinal += isBudget(c) ? 1 : 0;
    }
    List<Grant> grants = link.block().grants();
    for (int g = 0; g < grantIndex; g++) {
      for (Caveat c : grants.get(g).caveats()) {
        ordinal += isBudget(c) ? 1 : 0;
      }
    }
    for (Caveat c : grants.get(grantIndex).caveats()) {
      if (isBudget(c)) {
        into.add(new Applied(link.block().index(), link.block().revocationId(), ordinal++, c));
      }
    }
  }

  /**
   * What the call spends from each budget (each counted once).
   *
   * @throws Reasons.Denial if an amount is missing or is not a number a budget can count
   */
  static List<Spend> spends(Chain chain, List<Applied> applied, JsonNode args, Duration skew) {
    if (applied.isEmpty()) {
      return List.of();
    }
    applied.sort(
        java.util.Comparator.comparingInt(Applied::block).thenComparingInt(Applied::ordinal));
    List<Spend> out = new ArrayList<>(applied.size());
    Set<String> seen = new HashSet<>();
    for (Applied a : applied) {
      if (!seen.add(a.key())) {
        continue;
      }
      String pointer;
      long window;
      if (a.caveat() instanceof Caveat.Budget b) {
        pointer = b.pointer();
        window = 0;
      } else {
        Caveat.Rate r = (Caveat.Rate) a.caveat();
        pointer = r.pointer();
        window = r.window().toMillis();
      }
      long amount = pointer == null ? MICROS : amount(chain, a, pointer, args);
      long limit = a.limit().movePointRight(6).longValueExact();
      Instant forget = UseCheck.forgetAfter(chain, a.block(), skew);
      out.add(new Spend(a, new BudgetLedger.Debit(a.key(), amount, limit, window, forget)));
    }
    return out;
  }

  /**
   * What is left of every budget and rate of the chain (the block's and its grants', in block
   * order).
   *
   * @throws RuntimeException if the ledger cannot answer
   */
  static List<Decision.BudgetLeft> left(Chain chain, BudgetLedger ledger, Duration skew) {
    List<Applied> all = new ArrayList<>();
    for (Chain.Link link : chain.links) {
      blockBudgets(link, all);
      for (int g = 0; g < link.block().grants().size(); g++) {
        grantBudgets(link, g, all);
      }
    }
    if (all.isEmpty()) {
      return List.of();
    }
    List<BudgetLedger.Debit> debits = new ArrayList<>(all.size());
    for (Applied a : all) {
      long window = a.caveat() instanceof Caveat.Rate r ? r.window().toMillis() : 0;
      debits.add(
          new BudgetLedger.Debit(
              a.key(),
              0,
              a.limit().movePointRight(6).longValueExact(),
              window,
              UseCheck.forgetAfter(chain, a.block(), skew)));
    }
    long[] spent = ledger.spent(debits);
    List<Decision.BudgetLeft> out = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      long left = Math.max(0, debits.get(i).limit() - spent[i]);
      out.add(
          new Decision.BudgetLeft(
              all.get(i).block(), all.get(i).text(), all.get(i).limit(), units(left)));
    }
    return out;
  }

  /** Millionths as a decimal in canonical form. */
  static BigDecimal units(long micros) {
    BigDecimal d = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
    return d.scale() < 0 ? d.setScale(0) : d;
  }

  private static long amount(Chain chain, Applied a, String pointer, JsonNode args) {
    JsonNode value = args.at(JsonPointer.compile(pointer));
    String owner = "block " + a.block() + "'s budget " + a.text();
    if (value.isMissingNode() || value.isNull()) {
      throw notCountable(
          chain, a, "argument " + pointer + " is required by " + owner + " but missing");
    }
    if (!value.isNumber()) {
      throw notCountable(
          chain,
          a,
          "argument " + pointer + " must be a JSON number for " + owner + ", got " + type(value));
    }
    BigDecimal exact;
    if (value.isDouble() || value.isFloat()) {
      double d = value.doubleValue();
      if (!Double.isFinite(d)) {
        throw notCountable(chain, a, "argument " + pointer + " is not a finite number");
      }
      exact = new BigDecimal(Double.toString(d));
    } else {
      exact = value.decimalValue();
    }
    long micros = Caveat.Budget.micros(exact);
    if (micros < 0) {
      throw notCountable(
          chain,
          a,
          "argument "
              + pointer
              + " is out of range for "
              + owner
              + ": an amount is 0 to 9000000000 with at most 6 digits after the point");
    }
    return micros;
  }

  private static String type(JsonNode value) {
    return value.isTextual() ? "a string" : value.getNodeType().name().toLowerCase();
  }

  private static Reasons.Denial notCountable(Chain chain, Applied a, String why) {
    return deny(chain, Decision.Code.ARGUMENT, a.block(), Decision.Check.BUDGET, why);
  }

  /** The denial of a call that does not fit a budget: which budget, and what is left of it. */
  static Reasons.Denial exhausted(Chain chain, Spend s, long remainingMicros) {
    BigDecimal left = units(remainingMicros);
    BigDecimal needs = units(s.debit().amount());
    Applied a = s.applied();
    boolean calls = a.caveat() instanceof Caveat.Rate r && r.pointer() == null;
    String reason =
        "block "
            + a.block()
            + "'s "
            + a.caveat().kind()
            + " "
            + a.text()
            + " has "
            + left.toPlainString()
            + " left"
            + (a.caveat() instanceof Caveat.Rate ? " in the current window" : "")
            + (calls ? "" : "; this call needs " + needs.toPlainString());
    return new Reasons.Denial(
        new Decision.Deny(
            Decision.Code.LIMIT_EXCEEDED,
            a.block(),
            Decision.Check.BUDGET,
            reason,
            chain.tokenId,
            chain.revocationIds,
            List.of(),
            new Decision.BudgetLeft(a.block(), a.text(), a.limit(), left)));
  }
}
