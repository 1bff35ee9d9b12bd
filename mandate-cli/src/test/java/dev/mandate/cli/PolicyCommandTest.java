package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCommandTest {
  private static final String GOOD =
      """
      version: 1
      clients:
        invoice-agent:
          grants:
            - "fs:read_text_file:/data/invoices/{year}/**"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 1h
          require: [holder, audience]
          audiences: [gateway-1]
      """;

  private static final String PASSING_TESTS =
      """
      tests:
        - name: may read 2024 invoices
          request: {client: invoice-agent, grants: ["fs:read_text_file:/data/invoices/2024/**"], ttl: 15m, holder: true, audience: gateway-1}
          expect: allow
        - name: strangers are refused
          request: {client: stranger, grants: ["fs:read_text_file:/data/invoices/2024/**"]}
          expect: deny
      """;

  private static final String FAILING_TESTS =
      """
      tests:
        - name: may read everything
          request: {client: invoice-agent, grants: ["fs:read_text_file:/data/**"], ttl: 15m, holder: true, audience: gateway-1}
          expect: allow
      """;

  private final CliRun cli = new CliRun();
  @TempDir Path tmp;
  private Path good;

  @BeforeEach
  void write() throws Exception {
    good = Files.writeString(tmp.resolve("policy.yaml"), GOOD);
  }

  @Test
  void check_validPolicy_exitsZero() {
    CliRun.Result r = cli.run("policy", "check", good.toString());

    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).contains("OK: the policy is valid");
  }

  @Test
  void check_invalidPolicy_listsTheErrors_andExitsOne() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.yaml"), GOOD.replace("maxTtl", "maxTTL"));

    CliRun.Result r = cli.run("policy", "check", bad.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("error: ").contains("maxTTL").contains("INVALID");
  }

  @Test
  void check_missingFile_exitsOne_withTheReason() {
    CliRun.Result r = cli.run("policy", "check", tmp.resolve("none.yaml").toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("error: ").contains("none.yaml");
  }

  @Test
  void test_passingCases_exitZero() throws Exception {
    Path tests = Files.writeString(tmp.resolve("tests.yaml"), PASSING_TESTS);

    CliRun.Result r = cli.run("policy", "test", good.toString(), tests.toString());

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("PASS may read 2024 invoices")
        .contains("PASS strangers are refused")
        .contains("PASS: 2/2");
  }

  @Test
  void test_aFailingCase_isReported_andExitsOne() throws Exception {
    Path tests = Files.writeString(tmp.resolve("tests.yaml"), FAILING_TESTS);

    CliRun.Result r = cli.run("policy", "test", good.toString(), tests.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("FAIL may read everything: ").contains("PASS: 0/1");
  }

  @Test
  void test_withAnInvalidPolicy_runsNothing_andSaysToCheckIt() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.yaml"), "version: 2\n");
    Path tests = Files.writeString(tmp.resolve("tests.yaml"), PASSING_TESTS);

    CliRun.Result r = cli.run("policy", "test", bad.toString(), tests.toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines())
        .singleElement()
        .asString()
        .contains("is invalid, so no test ran")
        .contains("mandate policy check");
  }

  private static final String TWO_TEMPLATES =
      """
      version: 1
      clients:
        invoice-agent:
          grants:
            - "fs:read_text_file:/data/invoices/{year}/**"
            - "fs:list_directory:/data/invoices/**"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 1h
          require: [holder, audience]
          audiences: [gateway-1]
        mailer:
          grants:
            - "mail:send:*@example.com"
          maxTtl: 5m
          require: [holder, audience]
          audiences: [gateway-1]
      """;

  @Test
  void test_reportsTheGrantTemplatesNoAllowedTestExercised() throws Exception {
    Path policy = Files.writeString(tmp.resolve("two.yaml"), TWO_TEMPLATES);
    Path tests = Files.writeString(tmp.resolve("tests.yaml"), PASSING_TESTS);

    CliRun.Result r = cli.run("policy", "test", policy.toString(), tests.toString());

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("COVERAGE: 1/3 grant templates exercised by an allowed test")
        .contains(
            "not exercised: client 'invoice-agent' template 'fs:list_directory:/data/invoices/**'")
        .contains("not exercised: client 'mailer' template 'mail:send:*@example.com'")
        .doesNotContain("not exercised: client 'invoice-agent' template 'fs:read_text_file");
  }

  @Test
  void test_json_hasCountsResultsAndCoverage() throws Exception {
    Path policy = Files.writeString(tmp.resolve("two.yaml"), TWO_TEMPLATES);
    Path tests =
        Files.writeString(
            tmp.resolve("tests.yaml"), PASSING_TESTS + FAILING_TESTS.replace("tests:\n", ""));

    CliRun.Result r = cli.run("policy", "test", "--json", policy.toString(), tests.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEmpty();
    var report = CliAuthority.JSON.readTree(r.out());
    assertThat(r.out().strip().lines()).hasSize(1);
    assertThat(report.get("total").asInt()).isEqualTo(3);
    assertThat(report.get("passed").asInt()).isEqualTo(2);
    assertThat(report.get("failed").asInt()).isEqualTo(1);
    assertThat(report.get("results").get(2).get("passed").asBoolean()).isFalse();
    assertThat(report.get("results").get(2).get("message").asText()).contains("expected allow");
    assertThat(report.get("results").get(0).get("decision").get("allowed").asBoolean()).isTrue();
    var coverage = report.get("coverage");
    assertThat(coverage.get("templates").asInt()).isEqualTo(3);
    assertThat(coverage.get("exercised").asInt()).isEqualTo(1);
    assertThat(coverage.get("byTemplate").get(0).get("exercisedBy").asInt()).isEqualTo(1);
    assertThat(coverage.get("notExercised").findValuesAsText("template"))
        .containsExactly("fs:list_directory:/data/invoices/**", "mail:send:*@example.com");
  }

  @Test
  void check_json_isOneObjectWithErrorsAndWarnings() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.yaml"), GOOD.replace("maxTtl", "maxTTL"));

    CliRun.Result ok = cli.run("policy", "check", "--json", good.toString());
    CliRun.Result invalid = cli.run("policy", "check", "--json", bad.toString());

    assertThat(ok.exit()).isZero();
    var okJson = CliAuthority.JSON.readTree(ok.out());
    assertThat(okJson.get("ok").asBoolean()).isTrue();
    assertThat(okJson.get("errors")).isEmpty();
    assertThat(invalid.exit()).isEqualTo(1);
    var invalidJson = CliAuthority.JSON.readTree(invalid.out());
    assertThat(invalidJson.get("ok").asBoolean()).isFalse();
    assertThat(invalidJson.get("errors").get(0).asText()).contains("maxTTL");
    assertThat(invalidJson.get("file").asText()).isEqualTo(bad.toString());
  }
}
