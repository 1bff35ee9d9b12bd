package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * No attenuation widens a budget: over random delegation trees whose blocks add budgets (lower or
 * higher than their ancestors', on the block or on a grant) and random calls by every capability in
 * the tree, what the calls through a block spend never exceeds any budget of that block or of any
 * block before it.
 */
class BudgetPropertiesTest {
  private static final int TREES = 150;
  private static final int CALLS = 60;

  @Test
  void attenuation_neverWidensABudget_andChildrenShareTheirAncestors() {
    Random random = new Random(0x42554447L);
    SigningKey root = Fixtures.key(1);
    int allowed = 0;
    int deniedByBudget = 0;
    for (int t = 0; t < TREES; t++) {
      Verifier verifier =
          Fixtures.verifier(root).budgetLedger(BudgetLedger.inMemory(Fixtures.clock())).build();
      // Each node: its capability, its parent node (-1 for the root), its own limit (or -1).
      List<Capability> caps = new ArrayList<>();
      List<Integer> parents = new ArrayList<>();
      List<Long> limits = new ArrayList<>();
      long rootLimit = 1 + random.nextInt(1000);
      Capability.Minter m =
          Capability.mint(root)
              .clock(Fixtures.clock())
              .random(Fixtures.random(random.nextLong()))
              .ttl(Duration.ofHours(1));
      if (random.nextBoolean()) {
        m.allow("bank:*:*").budget("sum(/amount)<=" + rootLimit);
      } else {
        m.allow(Grant.parse("bank:send_money:*").budget("sum(/amount)<=" + rootLimit));
      }
      caps.add(m.sign());
      parents.add(-1);
      limits.add(rootLimit);
      int nodes = 1 + random.nextInt(6);
      for (int n = 0; n < nodes; n++) {
        int parent = random.nextInt(caps.size());
        Capability.Attenuator a =
            caps.get(parent).attenuate().clock(Fixtures.clock()).random(Fixtures.random(n));
        long limit = -1;
        int shape = random.nextInt(3);
        if (shape == 0) {
          limit = 1 + random.nextInt(2000); // maybe above an ancestor's: must not widen
          a.budget("sum(/amount)<=" + limit);
        } else if (shape == 1) {
          limit = 1 + random.nextInt(2000);
          a.allow(Grant.parse("bank:*:*").budget("sum(/amount)<=" + limit));
        }
        caps.add(a.sign());
        parents.add(parent);
        limits.add(limit);
      }
      Map<Integer, Long> spentThrough = new HashMap<>();
      for (int c = 0; c < CALLS; c++) {
        int node = random.nextInt(caps.size());
        long amount = random.nextInt(400);
        ObjectNode args = JsonNodeFactory.instance.objectNode().put("amount", amount);
        Decision d =
            verifier.authorize(
                Presentation.of(caps.get(node).toText()),
                Request.of("bank", "send_money", "acct").withArgs(args));
        if (d.allowed()) {
          allowed++;
          for (int up = node; up >= 0; up = parents.get(up)) {
            spentThrough.merge(up, amount, Long::sum);
          }
        } else {
          assertThat(d.code()).as(d.toString()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
          deniedByBudget++;
        }
      }
      for (int node = 0; node < caps.size(); node++) {
        long spent = spentThrough.getOrDefault(node, 0L);
        for (int up = node; up >= 0; up = parents.get(up)) {
          if (limits.get(up) >= 0) {
            assertThat(spent)
                .as("tree %d: calls through node %d spent beyond node %d's budget", t, node, up)
                .isLessThanOrEqualTo(limits.get(up));
          }
        }
      }
    }
    // Guard against a generator that makes the property vacuous.
    assertThat(allowed).isGreaterThan(TREES * CALLS / 20);
    assertThat(deniedByBudget).isGreaterThan(TREES * CALLS / 10);
  }
}
