package dev.mandate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.caveat.Caveat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A policy can require a budget for a service and cap it; a mint without one is refused. */
class PolicyBudgetsTest {
  private static final Policy POLICY =
      Policy.parse(
          """
          version: 1
          clients:
            payer:
              grants: ["bank:*:*", "mail:*:*"]
              maxTtl: 1h
              budgets:
                - service: bank
                  max: "sum(/amount)<=5000"
                - service: bank
                  max: "calls<=100/1h"
          """,
          "payer.yaml");

  private static PolicyDecision mint(
      String grant, List<Caveat> grantBudgets, String... blockBudgets) {
    List<Caveat> asked = new ArrayList<>();
    for (String b : blockBudgets) {
      asked.add(Caveat.Budget.parse(b));
    }
    return POLICY.evaluate(
        new MintRequest(
            "payer",
            List.of(grant),
            Duration.ofMinutes(5),
            false,
            null,
            null,
            null,
            false,
            null,
            List.of(grantBudgets),
            null,
            asked));
  }

  @Test
  void aBankGrantWithoutTheRequiredBudget_isRefusedSayingWhatToAskFor() {
    PolicyDecision d = mint("bank:send_money:*", List.of(), "calls<=100/1h");

    assertThat(d.allowed()).isFalse();
    assertThat(d.reason())
        .isEqualTo(
            "client 'payer' may not mint 'bank:send_money:*' without a budget for service 'bank'"
                + " of at most sum(/amount)<=5000 (budgets); ask for one with budgets, e.g."
                + " \"sum(/amount)<=5000\"");
  }

  @Test
  void budgetsAtOrBelowTheCap_areAllowed_aboveOrWiderAreNot() {
    assertThat(
            mint("bank:send_money:*", List.of(), "sum(/amount)<=5000", "calls<=100/1h").allowed())
        .isTrue();
    assertThat(mint("bank:send_money:*", List.of(), "sum(/amount)<=10", "calls<=5/1d").allowed())
        .as("a longer window with a lower limit is narrower")
        .isTrue();
    assertThat(
            mint("bank:send_money:*", List.of(), "sum(/amount)<=5000.01", "calls<=100/1h")
                .allowed())
        .isFalse();
    assertThat(
            mint("bank:send_money:*", List.of(), "sum(/amount)<=5000", "calls<=100/1m").allowed())
        .as("a shorter window allows more per hour")
        .isFalse();
    assertThat(mint("bank:send_money:*", List.of(), "sum(/other)<=1", "calls<=100/1h").allowed())
        .as("a budget on another argument")
        .isFalse();
  }

  @Test
  void aGrantsOwnBudget_satisfiesTheRule_andTheMintedGrantCarriesIt() {
    List<Caveat> own =
        List.of(Caveat.Budget.parse("sum(/amount)<=100"), Caveat.Budget.parse("calls<=1/1d"));

    PolicyDecision d = mint("bank:send_money:*", own);

    assertThat(d.allowed()).as(d.reason()).isTrue();
    assertThat(d.grants().get(0).caveats()).containsAll(own);
  }

  @Test
  void otherServices_needNoBudget_butAWildcardServiceDoes() {
    assertThat(mint("mail:send:*", List.of()).allowed()).isTrue();
    PolicyDecision both = mint("{bank,mail}:send:*", List.of());
    assertThat(both.allowed()).isFalse();
    assertThat(both.reason()).contains("without a budget for service 'bank'");
  }

  @Test
  void aMalformedRule_isAPolicyError() {
    assertThat(
            PolicyParser.parse(
                    """
                    version: 1
                    clients:
                      payer:
                        grants: ["bank:*:*"]
                        maxTtl: 1h
                        budgets:
                          - service: "bank*"
                            max: "sum(/amount)<=5000"
                          - service: bank
                            max: "sum(/amount)<=lots"
                    """,
                    "bad.yaml")
                .problems()
                .errors())
        .hasSize(2);
  }
}
