package dev.mandate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The policy's approval keys: {@code approves}, {@code approval}, and {@code requireApproval}. */
class ApprovalPolicyTest {

  private static final String POLICY =
      """
      version: 1
      clients:
        payments-agent:
          grants: ["bank:transfer:accounts/*"]
          maxTtl: 1h
          require: [holder, audience]
          approval: [finance, owners]
        mail-agent:
          grants: ["mail:send_email:*"]
          maxTtl: 1h
          require: [holder, audience]
        finance-desk:
          approves: [finance, finance]
          maxTtl: 5m
        owners-desk:
          approves: [owners]
          maxTtl: 5m
      """;

  private static final Policy PARSED = Policy.parse(POLICY, "policy.yaml");

  private static List<String> problems(String yaml) {
    try {
      Policy.parse(yaml, "policy.yaml");
    } catch (PolicyException e) {
      return e.problems();
    }
    throw new AssertionError("expected the policy to be refused");
  }

  private static MintRequest mint(String client, String grant, List<String> requireApproval) {
    return new MintRequest(
        client,
        List.of(grant),
        Duration.ofMinutes(15),
        true,
        "gateway-1",
        null,
        null,
        false,
        requireApproval,
        null,
        null,
        null);
  }

  // ---- parsing ----

  @Test
  void approvesAndApproval_areParsed_duplicatesDropped_andApproverOnlyClientsDoNotWarn() {
    assertThat(PARSED.client("finance-desk").orElseThrow().approves()).containsExactly("finance");
    assertThat(PARSED.client("payments-agent").orElseThrow().approval())
        .containsExactly("finance", "owners");
    assertThat(PARSED.client("mail-agent").orElseThrow().approves()).isEmpty();
    assertThat(PARSED.client("mail-agent").orElseThrow().approval()).isEmpty();
    assertThat(PARSED.client("finance-desk").orElseThrow().mayApprove("finance")).isTrue();
    assertThat(PARSED.client("finance-desk").orElseThrow().mayApprove("owners")).isFalse();
    assertThat(PARSED.client("finance-desk").orElseThrow().mayApprove(null)).isFalse();
    assertThat(PARSED.warnings()).noneMatch(w -> w.contains("desk"));
  }

  @Test
  void invalidGroupName_isAnErrorWithLocation() {
    assertThat(problems(POLICY.replace("approves: [owners]", "approves: [Owners]")))
        .singleElement()
        .asString()
        .startsWith("policy.yaml:16: clients.owners-desk.approves[0]: 'Owners' is not an approver")
        .contains("a-z 0-9 . _ -");
    assertThat(problems(POLICY.replace("approval: [finance, owners]", "approval: [finance, \"\"]")))
        .singleElement()
        .asString()
        .contains("clients.payments-agent.approval[1]: '' is not an approver group");
  }

  @Test
  void wrongTypesAndEmptyLists_areErrors() {
    assertThat(problems(POLICY.replace("approves: [owners]", "approves: owners")))
        .singleElement()
        .asString()
        .contains("clients.owners-desk.approves: expected a list");
    assertThat(problems(POLICY.replace("approves: [owners]", "approves: [[owners]]")))
        .singleElement()
        .asString()
        .contains("clients.owners-desk.approves[0]: expected a string");
    assertThat(problems(POLICY.replace("approval: [finance, owners]", "approval: []")))
        .singleElement()
        .asString()
        .contains("clients.payments-agent.approval: an empty approval list means nothing");
  }

  @Test
  void moreThanSixteenApprovalGroups_isAnError() {
    StringBuilder groups = new StringBuilder();
    for (int i = 0; i < 17; i++) {
      groups.append(i == 0 ? "" : ", ").append("g").append(i);
    }
    assertThat(
            problems(POLICY.replace("approval: [finance, owners]", "approval: [" + groups + "]")))
        .singleElement()
        .asString()
        .contains("clients.payments-agent.approval: more than 16 approver groups");
  }

  @Test
  void misspelledKey_isAnErrorWithASuggestion() {
    assertThat(problems(POLICY.replace("approves: [owners]", "approve: [owners]")))
        .singleElement()
        .asString()
        .contains("unknown key 'approve'", "did you mean 'approves'?");
  }

  @Test
  void approvalByAGroupNobodyApproves_isAWarning() {
    Policy policy =
        Policy.parse(
            POLICY.replace("approval: [finance, owners]", "approval: [finance, legal]"), "p.yaml");

    assertThat(policy.warnings())
        .singleElement()
        .asString()
        .startsWith("p.yaml:7: clients.payments-agent.approval: no client approves for group")
        .contains("'legal'");
  }

  // ---- evaluating mint requests ----

  @Test
  void policyApproval_isForcedOnEveryMint() {
    PolicyDecision d = PARSED.evaluate(mint("payments-agent", "bank:transfer:accounts/42", null));

    assertThat(d.allowed()).as(d.reason()).isTrue();
    assertThat(d.approvalGroups()).containsExactly("finance", "owners");
    assertThat(d.reason()).endsWith("; each call needs approval by finance or owners");
  }

  @Test
  void requestedGroups_mayNarrowThePolicysApproval() {
    PolicyDecision d =
        PARSED.evaluate(mint("payments-agent", "bank:transfer:accounts/42", List.of("owners")));

    assertThat(d.allowed()).as(d.reason()).isTrue();
    assertThat(d.approvalGroups()).containsExactly("owners");
  }

  @Test
  void requestedGroups_outsideThePolicysApproval_areDenied() {
    PolicyDecision d =
        PARSED.evaluate(
            mint("payments-agent", "bank:transfer:accounts/42", List.of("finance", "interns")));

    assertThat(d.allowed()).isFalse();
    assertThat(d.approvalGroups()).isEmpty();
    assertThat(d.reason())
        .isEqualTo(
            "client 'payments-agent' asked for approval by 'interns', but its policy requires"
                + " approval by finance or owners (approval); ask for some of these groups, or for"
                + " none to get them all");
  }

  @Test
  void anEmptyRequestedList_isDenied_notTakenAsNoApproval() {
    PolicyDecision forced =
        PARSED.evaluate(mint("payments-agent", "bank:transfer:accounts/42", List.of()));
    PolicyDecision free = PARSED.evaluate(mint("mail-agent", "mail:send_email:bob", List.of()));

    assertThat(forced.allowed()).isFalse();
    assertThat(free.allowed()).isFalse();
    assertThat(free.reason()).contains("without approver groups");
  }

  @Test
  void aClientWithoutApproval_mayAskForAny_validGroups() {
    PolicyDecision none = PARSED.evaluate(mint("mail-agent", "mail:send_email:bob", null));
    PolicyDecision asked =
        PARSED.evaluate(mint("mail-agent", "mail:send_email:bob", List.of("owners", "owners")));

    assertThat(none.allowed()).as(none.reason()).isTrue();
    assertThat(none.approvalGroups()).isEmpty();
    assertThat(none.reason()).doesNotContain("approval");
    assertThat(asked.allowed()).as(asked.reason()).isTrue();
    assertThat(asked.approvalGroups()).containsExactly("owners");
  }

  @Test
  void invalidOrTooManyRequestedGroups_areDenied() {
    List<String> seventeen = new java.util.ArrayList<>();
    for (int i = 0; i < 17; i++) {
      seventeen.add("g" + i);
    }
    java.util.List<String> withNull = new java.util.ArrayList<>();
    withNull.add(null);

    for (List<String> groups :
        List.of(List.of("Finance"), List.of("a b"), List.of("-x"), seventeen, withNull)) {
      PolicyDecision d = PARSED.evaluate(mint("mail-agent", "mail:send_email:bob", groups));
      assertThat(d.allowed()).as(String.valueOf(groups)).isFalse();
      assertThat(d.reason()).startsWith("client 'mail-agent' asked for");
    }
  }

  @Test
  void approvalIsCheckedOnlyAfterTheOtherRules_soAGrantRefusalStillSaysWhy() {
    PolicyDecision d =
        PARSED.evaluate(mint("payments-agent", "bank:transfer:*", List.of("owners")));

    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).contains("may not mint 'bank:transfer:*'");
  }

  // ---- policy tests ----

  @Test
  void policyTests_mayAskForApproval_andCheckItInTheReason() {
    String tests =
        """
        tests:
          - name: payments always need finance or owners
            request: {client: payments-agent, grants: ["bank:transfer:accounts/1"], holder: true,
                      audience: gw}
            expect: allow
            reason: "each call needs approval by finance or owners"
          - name: payments may narrow to owners
            request: {client: payments-agent, grants: ["bank:transfer:accounts/1"], holder: true,
                      audience: gw, requireApproval: [owners]}
            expect: allow
            reason: "approval by owners"
          - name: payments may not pick another group
            request: {client: payments-agent, grants: ["bank:transfer:accounts/1"], holder: true,
                      audience: gw, requireApproval: [interns]}
            expect: deny
            reason: "(approval)"
        """;

    PolicyTestReport report = PolicyTestRunner.run(PARSED, tests, "tests.yaml");

    assertThat(report.allPassed()).as(report.render()).isTrue();
    assertThat(report.results()).hasSize(3);
  }

  @Test
  void policyTests_refuseAMistypedRequireApproval() {
    String tests =
        """
        tests:
          - name: wrong type
            request: {client: mail-agent, grants: ["mail:send_email:x"], requireApproval: owners}
            expect: allow
        """;

    assertThatThrownBy(() -> PolicyTestRunner.run(PARSED, tests, "tests.yaml"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("tests[0].request.requireApproval: expected a list");
  }
}
