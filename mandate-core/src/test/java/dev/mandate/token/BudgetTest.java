package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.SigningKey;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Budgets and rates (spec 6.3): debited by the verifier, in every block, strictly counted. */
class BudgetTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final SigningKey root = Fixtures.key(1);
  private final AtomicReference<Instant> now = new AtomicReference<>(Fixtures.NOW);
  private final Clock clock =
      new Clock() {
        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };
  private final BudgetLedger ledger = BudgetLedger.inMemory(clock);
  private final Verifier verifier =
      Fixtures.verifier(root)
          .clock(clock)
          .budgetLedger(ledger)
          .usageCounter(UsageCounter.inMemory(clock))
          .build();

  private Capability.Minter minter(long seed) {
    return Capability.mint(root)
        .clock(Fixtures.clock())
        .random(Fixtures.random(seed))
        .allow("bank:*:*")
        .ttl(Duration.ofDays(1));
  }

  private static Request send(String amountJson) {
    try {
      ObjectNode args = (ObjectNode) JSON.readTree("{\"amount\":" + amountJson + "}");
      return Request.of("bank", "send_money", "acct").withArgs(args);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Decision call(Capability cap, Request r) {
    return verifier.authorize(Presentation.of(cap.toText()), r);
  }

  @Test
  void budget_allowsUpToTheLimit_thenDeniesNamingItAndWhatIsLeft() {
    Capability cap = minter(1).budget("sum(/amount)<=5000").sign();

    assertThat(call(cap, send("3000")).allowed()).isTrue();
    assertThat(call(cap, send("1500.5")).allowed()).isTrue();
    Decision d = call(cap, send("600"));

    assertThat(d.code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
    Decision.Deny deny = (Decision.Deny) d;
    assertThat(deny.check()).isEqualTo(Decision.Check.BUDGET);
    assertThat(deny.reason())
        .isEqualTo("block 0's budget sum(/amount)<=5000 has 499.5 left; this call needs 600");
    assertThat(deny.budget())
        .contains(
            new Decision.BudgetLeft(
                0, "sum(/amount)<=5000", new BigDecimal("5000"), new BigDecimal("499.5")));
    assertThat(call(cap, send("499.5")).allowed()).isTrue();
    assertThat(call(cap, send("0.000001")).code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
  }

  @Test
  void strictNumbers_missingTextNegativeOrTooPrecise_areDenied_neverCountedAsZero() {
    Capability cap = minter(2).budget("sum(/amount)<=5000").sign();

    for (String bad : List.of("\"100\"", "-1", "1.0000001", "9000000001", "null", "true")) {
      Decision d = call(cap, send(bad));
      assertThat(d.code()).as(bad).isEqualTo(Decision.Code.ARGUMENT);
      assertThat(((Decision.Deny) d).check()).as(bad).isEqualTo(Decision.Check.BUDGET);
    }
    Decision missing = call(cap, Request.of("bank", "get_balance", "acct"));
    assertThat(missing.code()).isEqualTo(Decision.Code.ARGUMENT);
    assertThat(missing.reason()).contains("/amount is required by block 0's budget");
    // nothing was spent by the refused calls
    assertThat(call(cap, send("5000")).allowed()).isTrue();
  }

  @Test
  void aGrantsBudget_appliesOnlyToTheCallsThatGrantCovers() {
    Capability cap =
        Capability.mint(root)
            .clock(Fixtures.clock())
            .random(Fixtures.random(3))
            .allow(Grant.parse("bank:send_money:*").budget("sum(/amount)<=100"))
            .allow("bank:get_balance:*")
            .ttl(Duration.ofHours(1))
            .sign();

    assertThat(call(cap, Request.of("bank", "get_balance", "acct")).allowed()).isTrue();
    assertThat(call(cap, send("100")).allowed()).isTrue();
    assertThat(call(cap, send("1")).code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
    assertThat(call(cap, Request.of("bank", "get_balance", "acct")).allowed()).isTrue();
  }

  @Test
  void delegatedChildren_spendFromTheirParentsBudget_andTheirOwn() {
    Capability parent = minter(4).budget("sum(/amount)<=5000").sign();
    Capability childA = parent.attenuate().budget("sum(/amount)<=2000").sign();
    Capability childB = parent.attenuate().sign();

    assertThat(call(childA, send("1500")).allowed()).isTrue();
    Decision overOwn = call(childA, send("600"));
    assertThat(((Decision.Deny) overOwn).block()).isEqualTo(1);
    assertThat(overOwn.reason()).contains("block 1's budget sum(/amount)<=2000 has 500 left");
    assertThat(call(childB, send("3000")).allowed()).isTrue();
    Decision overParent = call(childB, send("600"));
    assertThat(overParent.code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
    assertThat(((Decision.Deny) overParent).block()).isZero();
    assertThat(call(childA, send("501")).code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
    // the parent itself spends from the same budget
    assertThat(call(parent, send("500")).allowed()).isTrue();
    assertThat(call(parent, send("1")).code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
  }

  @Test
  void aRateOfCalls_refillsAsTheWindowMovesOn() {
    Capability cap = minter(5).budget("calls<=2/1m").sign();
    Request balance = Request.of("bank", "get_balance", "acct");

    assertThat(call(cap, balance).allowed()).isTrue();
    assertThat(call(cap, balance).allowed()).isTrue();
    Decision third = call(cap, balance);
    assertThat(third.code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
    assertThat(third.reason())
        .isEqualTo("block 0's rate calls<=2/1m has 0 left in the current window");
    now.set(now.get().plusSeconds(30));
    assertThat(call(cap, balance).allowed()).isFalse();
    now.set(now.get().plusSeconds(32));
    assertThat(call(cap, balance).allowed()).isTrue();
  }

  @Test
  void aRateOfAnAmount_neverLetsAWindowHoldMoreThanTheLimit() {
    Capability cap = minter(6).budget("sum(/amount)<=9000/1h").sign();

    assertThat(call(cap, send("9000")).allowed()).isTrue();
    now.set(now.get().plus(Duration.ofMinutes(59)));
    assertThat(call(cap, send("1")).allowed()).isFalse();
    now.set(now.get().plus(Duration.ofMinutes(2)));
    assertThat(call(cap, send("9000")).allowed()).isTrue();
  }

  @Test
  void aCallRefusedByMaxUses_getsItsDebitBack() {
    Capability cap = minter(7).budget("sum(/amount)<=100").maxUses(1).sign();

    assertThat(call(cap, send("10")).allowed()).isTrue();
    assertThat(call(cap, send("10")).code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
    long[] spent =
        ledger.spent(
            List.of(
                new BudgetLedger.Debit(
                    cap.revocationIds().get(0) + "/0", 0, 1, 0, Instant.MAX.minusSeconds(1))));
    assertThat(spent[0]).isEqualTo(10_000_000L);
  }

  @Test
  void withoutALedger_orWithAFailingOne_deniedUnavailable() {
    Capability cap = minter(8).budget("sum(/amount)<=100").sign();
    Verifier none = Fixtures.verifier(root).clock(clock).build();
    Verifier failing =
        Fixtures.verifier(root)
            .clock(clock)
            .budgetLedger(
                new BudgetLedger() {
                  @Override
                  public Outcome tryDebit(List<Debit> debits) {
                    throw new IllegalStateException("redis://secret@host is down");
                  }

                  @Override
                  public void refund(List<Debit> debits, long atMillis) {}

                  @Override
                  public long[] spent(List<Debit> debits) {
                    throw new IllegalStateException("down");
                  }
                })
            .build();

    Decision d1 = none.authorize(Presentation.of(cap.toText()), send("1"));
    Decision d2 = failing.authorize(Presentation.of(cap.toText()), send("1"));

    assertThat(d1.code()).isEqualTo(Decision.Code.UNAVAILABLE);
    assertThat(d1.reason()).contains("no budget ledger");
    assertThat(d2.code()).isEqualTo(Decision.Code.UNAVAILABLE);
    assertThat(d2.reason()).doesNotContain("secret");
  }

  @Test
  void budgetsLeft_listsEveryBudgetOfEveryBlockAndGrant_withWhatIsLeft() {
    Capability parent =
        Capability.mint(root)
            .clock(Fixtures.clock())
            .random(Fixtures.random(10))
            .allow(Grant.parse("bank:send_money:*").budget("calls<=5/1h"))
            .allow("bank:get_balance:*")
            .budget("sum(/amount)<=5000")
            .ttl(Duration.ofDays(1))
            .sign();
    Capability child = parent.attenuate().budget("sum(/amount)<=1000").sign();
    assertThat(call(child, send("250.25")).allowed()).isTrue();

    assertThat(verifier.budgetsLeft(child.toText()))
        .containsExactly(
            new Decision.BudgetLeft(
                0, "sum(/amount)<=5000", new BigDecimal("5000"), new BigDecimal("4749.75")),
            new Decision.BudgetLeft(0, "calls<=5/1h", new BigDecimal("5"), new BigDecimal("4")),
            new Decision.BudgetLeft(
                1, "sum(/amount)<=1000", new BigDecimal("1000"), new BigDecimal("749.75")));
    assertThatThrownBy(() -> verifier.budgetsLeft(child.toText() + "x"))
        .isInstanceOf(InvalidTokenException.class);
    assertThatThrownBy(() -> Fixtures.verifier(root).build().budgetsLeft(child.toText()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void textForm_roundTrips_andRefusesNonsense() {
    for (String text :
        List.of("sum(/amount)<=5000", "sum(/a=b)<=0.5/1h", "calls<=10/1m", "sum(/x~1y)<=1/366d")) {
      Caveat c = Caveat.Budget.parse(text);
      String back = c instanceof Caveat.Budget b ? b.text() : ((Caveat.Rate) c).text();
      assertThat(back).isEqualTo(text);
    }
    assertThat(((Caveat.Budget) Caveat.Budget.parse(" sum(/amount)<=5000.00 ")).text())
        .isEqualTo("sum(/amount)<=5000");
    for (String bad :
        List.of(
            "",
            "calls<=10",
            "calls<=1.5/1m",
            "sum(amount)<=5",
            "sum(/amount)<=0",
            "sum(/amount)<=-5",
            "sum(/amount)<=1e400",
            "sum(/amount)<=0.0000001",
            "sum(/amount)<=5/0s",
            "sum(/amount)<=5/367d",
            "sum(/amount)<=five")) {
      assertThatThrownBy(() -> Caveat.Budget.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void binaryForm_roundTripsBudgetsOfBlocksAndGrants() {
    Capability cap =
        Capability.mint(root)
            .clock(Fixtures.clock())
            .random(Fixtures.random(9))
            .allow(Grant.parse("bank:send_money:*").budget("sum(/amount)<=100/1d"))
            .budget("calls<=10/1m")
            .budget("sum(/amount)<=5000")
            .ttl(Duration.ofHours(1))
            .sign();

    Capability back = Capability.decode(cap.toText());

    assertThat(back.blocks().get(0).caveats())
        .contains(Caveat.Budget.parse("calls<=10/1m"), Caveat.Budget.parse("sum(/amount)<=5000"));
    assertThat(back.blocks().get(0).grants().get(0).caveats())
        .containsExactly(Caveat.Budget.parse("sum(/amount)<=100/1d"));
    assertThat(back.toText()).isEqualTo(cap.toText());
  }
}
