package dev.mandate.token;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Budgets in this process ({@link BudgetLedger#inMemory}). One lock makes a call's debits atomic;
 * each is a few map operations, so the lock is held for microseconds. A rate's window is a map of
 * slots, pruned as it is read, so it holds at most about 62 entries.
 */
final class InMemoryBudgetLedger implements BudgetLedger {
  private static final long SWEEP_EVERY = 4096;

  private static final class Account {
    final long forgetAfterMillis;
    long spent;
    final TreeMap<Long, Long> slots = new TreeMap<>();

    Account(long forgetAfterMillis) {
      this.forgetAfterMillis = forgetAfterMillis;
    }

    long spent(long windowMillis, long now) {
      if (windowMillis == 0) {
        return spent;
      }
      slots.headMap(BudgetLedger.firstSlot(now, windowMillis)).clear();
      long sum = 0;
      for (long v : slots.values()) {
        sum += v;
      }
      return sum;
    }

    void add(long amount, long windowMillis, long now) {
      if (windowMillis == 0) {
        spent += amount;
      } else {
        long slot = Math.floorDiv(now, BudgetLedger.slotMillis(windowMillis));
        slots.merge(slot, amount, Long::sum);
      }
    }
  }

  private final Map<String, Account> accounts = new HashMap<>();
  private final Clock clock;
  private long calls;

  InMemoryBudgetLedger(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Outcome tryDebit(List<Debit> debits) {
    long now = clock.millis();
    if (++calls % SWEEP_EVERY == 0) {
      accounts.values().removeIf(a -> a.forgetAfterMillis < now);
    }
    for (int i = 0; i < debits.size(); i++) {
      Debit d = debits.get(i);
      Account a = accounts.get(d.key());
      long spent = a == null ? 0 : a.spent(d.windowMillis(), now);
      if (spent + d.amount() > d.limit()) {
        return new Outcome(i, Math.max(0, d.limit() - spent), now);
      }
    }
    for (Debit d : debits) {
      accounts
          .computeIfAbsent(d.key(), k -> new Account(d.forgetAfter().toEpochMilli()))
          .add(d.amount(), d.windowMillis(), now);
    }
    return new Outcome(-1, 0, now);
  }

  @Override
  public synchronized void refund(List<Debit> debits, long atMillis) {
    for (Debit d : debits) {
      Account a = accounts.get(d.key());
      if (a != null) {
        a.add(-d.amount(), d.windowMillis(), atMillis);
      }
    }
  }

  @Override
  public synchronized long[] spent(List<Debit> debits) {
    long now = clock.millis();
    long[] out = new long[debits.size()];
    for (int i = 0; i < out.length; i++) {
      Account a = accounts.get(debits.get(i).key());
      out[i] = a == null ? 0 : a.spent(debits.get(i).windowMillis(), now);
    }
    return out;
  }
}
