package dev.mandate.policy;

import static dev.mandate.policy.PolicyEvaluateTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PolicyTestRunnerTest {

  private static final Policy POLICY = Policy.load(resource("invoice-policy.yaml"));

  @Test
  void passingTests_renderOnePassLinePerTestAndASummary() {
    PolicyTestReport report = PolicyTestRunner.run(POLICY, resource("invoice-tests.yaml"));

    assertThat(report.allPassed()).as(report.render()).isTrue();
    assertThat(report.render())
        .startsWith(
            """
            PASS invoice agent may read 2024 invoices
            PASS invoice agent may read one invoice file
            PASS no 2023 path traversal
            PASS no wildcard actions
            PASS bearer tokens are refused
            PASS strangers are refused
            PASS: 6/6
            COVERAGE: """);
  }

  @Test
  void coverage_countsTheTemplateThatCoveredEachAllowedGrant_andListsTheOthers() {
    String tests =
        """
        tests:
          - name: two grants, one template
            request:
              client: invoice-agent
              grants: ["fs:read_text_file:/data/invoices/2024/a", "fs:read_text_file:/data/invoices/2025/b"]
              holder: true
              audience: gateway-1
            expect: allow
          - name: a denied request exercises nothing
            request: {client: invoice-agent, grants: ["fs:list_directory:/data/invoices/2024"]}
            expect: deny
        """;

    PolicyTestReport report = PolicyTestRunner.run(POLICY, tests, "tests.yaml");

    assertThat(report.allPassed()).as(report.render()).isTrue();
    assertThat(report.coverage())
        .extracting(
            PolicyTestReport.TemplateCoverage::clientId,
            PolicyTestReport.TemplateCoverage::template,
            PolicyTestReport.TemplateCoverage::exercisedBy)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "invoice-agent", "fs:read_text_file:/data/invoices/{year}/**", 1),
            org.assertj.core.groups.Tuple.tuple(
                "invoice-agent", "fs:list_directory:/data/invoices/{year}", 0),
            org.assertj.core.groups.Tuple.tuple("mailer", "mail:{send,draft}:tenant/{tenant}/*", 0),
            org.assertj.core.groups.Tuple.tuple("mailer", "crm:*:tenants/{tenant}/**", 0));
    assertThat(report.notExercised()).hasSize(3);
    assertThat(report.render())
        .contains("COVERAGE: 1/4 grant templates exercised by an allowed test\n")
        .contains("  not exercised: client 'mailer' template 'crm:*:tenants/{tenant}/**'\n");
  }

  @Test
  void failingTests_sayWhatWasExpectedAndWhatThePolicySaid() {
    PolicyTestReport report = PolicyTestRunner.run(POLICY, resource("failing-tests.yaml"));

    assertThat(report.allPassed()).isFalse();
    assertThat(report.passed()).isEqualTo(1);
    String[] lines = report.render().split("\n");
    assertThat(lines).hasSizeGreaterThan(4);
    assertThat(lines[0]).isEqualTo("PASS invoice agent may read 2024 invoices");
    assertThat(lines[1])
        .startsWith("FAIL wrongly expects a two-day token: expected allow, got deny (")
        .contains("at most 1h (maxTtl)");
    assertThat(lines[2])
        .startsWith(
            "FAIL wrong reason: expected deny with a reason containing 'maxTtl', got: client"
                + " 'invoice-agent' may not use audience 'gateway-2'");
    assertThat(lines[3]).isEqualTo("PASS: 1/3");
    assertThat(lines[4]).startsWith("COVERAGE: ");
    assertThat(report.results().get(1).decision().allowed()).isFalse();
  }

  @Test
  void malformedTestsFile_isAPolicyExceptionListingEveryProblem() {
    String yaml =
        """
        tests:
          - name: typo in request
            request: {cleint: invoice-agent, grants: ["fs:read:/x/**"]}
            expect: allow
          - name: bad expectation
            request: {client: invoice-agent, grants: ["fs:read:/x/**"], ttl: soon}
            expect: maybe
        """;

    assertThatThrownBy(() -> PolicyTestRunner.run(POLICY, yaml, "tests.yaml"))
        .isInstanceOf(PolicyException.class)
        .satisfies(
            e ->
                assertThat(((PolicyException) e).problems())
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .startsWith(
                                    "tests.yaml:3: tests[0].request.cleint: unknown key 'cleint' (did you mean 'client'?)"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains("tests[0].request: missing required key 'client'"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains("tests[1].request.ttl: 'soon' is not a duration"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains("tests[1].expect: expected allow or deny, got 'maybe'")));
  }

  @Test
  void emptyTestsFile_isRefused() {
    assertThatThrownBy(() -> PolicyTestRunner.run(POLICY, "tests: []\n", "tests.yaml"))
        .hasMessageContaining("there are no tests");
  }

  private static final Policy PAYER =
      Policy.parse(
          """
          version: 1
          clients:
            payer:
              grants:
                - "bank:get_balance:*"
                - grant: "bank:send_money:*"
                  arguments: ["/amount=range:0..{max}"]
              parameters:
                max: "100|500"
              maxTtl: 1h
          """,
          "payer.yaml");

  @Test
  void grantConstraints_parameters_andTheGrantsMinted_canBeTested() {
    String tests =
        """
        tests:
          - name: a constrained grant gets the template's constraint after its own
            request:
              client: payer
              grants: ["bank:get_balance:*"]
              constrainedGrants:
                - grant: "bank:send_money:acct-1"
                  arguments: ["/amount=range:0..50"]
                  conditions: ["args.memo != ''"]
              parameters: {max: "100"}
              arguments: ['/currency=exact:"EUR"']
              conditions: ["size(args) < 10"]
            expect: allow
            minted:
              - grant: "bank:get_balance:*"
              - grant: "bank:send_money:acct-1"
                arguments: ["/amount=range:0..50", "/amount=range:0..100"]
                conditions: ["args.memo != ''"]
          - name: a parameter the policy does not accept is refused
            request:
              client: payer
              constrainedGrants: [{grant: "bank:send_money:*"}]
              grants: []
              parameters: {max: "9999"}
            expect: deny
            reason: "max"
        """;

    PolicyTestReport report = PolicyTestRunner.run(PAYER, tests, "tests.yaml");

    assertThat(report.allPassed()).as(report.render()).isTrue();
    assertThat(report.coverage())
        .extracting(PolicyTestReport.TemplateCoverage::exercisedBy)
        .containsExactly(1, 1);
  }

  @Test
  void mintedGrants_thatDifferFromTheDecision_failTheCase_namingBoth() {
    String tests =
        """
        tests:
          - name: forgets the template's constraint
            request:
              client: payer
              grants: []
              constrainedGrants: [{grant: "bank:send_money:acct-1"}]
              parameters: {max: "500"}
            expect: allow
            minted:
              - grant: "bank:send_money:acct-1"
        """;

    PolicyTestReport report = PolicyTestRunner.run(PAYER, tests, "tests.yaml");

    assertThat(report.allPassed()).isFalse();
    assertThat(report.render())
        .contains("FAIL forgets the template's constraint: expected the grants minted to be")
        .contains("[bank:send_money:acct-1], got [bank:send_money:acct-1 [/amount=range:0..500]]");
  }

  @Test
  void malformedConstraints_orMintedOnADeny_areProblemsWithTheirPlace() {
    String tests =
        """
        tests:
          - name: bad
            request:
              client: payer
              grants: []
              constrainedGrants:
                - grant: "bank:send_money:*"
                  arguments: ["/amount=between:1..2"]
                  colour: blue
              arguments: ["amount=exact:1"]
              conditions: ["args.x ==="]
              parameters: {max: [1]}
            expect: deny
            minted: [{grant: "bank:get_balance:*"}]
        """;

    assertThatThrownBy(() -> PolicyTestRunner.run(PAYER, tests, "tests.yaml"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("tests[0].request.constrainedGrants[0].arguments[0]")
        .hasMessageContaining("tests[0].request.constrainedGrants[0]")
        .hasMessageContaining("colour")
        .hasMessageContaining("tests[0].request.arguments[0]")
        .hasMessageContaining("tests[0].request.conditions[0]")
        .hasMessageContaining("tests[0].request.parameters.max")
        .hasMessageContaining("tests[0].minted: only an allowed case mints");
  }
}
