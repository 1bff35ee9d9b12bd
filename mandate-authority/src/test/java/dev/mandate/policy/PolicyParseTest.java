package dev.mandate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.policy.ClientPolicy.Requirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyParseTest {

  private static final String VALID =
      """
      version: 1
      clients:
        invoice-agent:
          description: Summarises invoices
          grants:
            - "fs:read_text_file:/data/invoices/{year}/**"
            - "fs:list_directory:/data/invoices/{year}"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 1h
          require: [holder, audience]
          audiences: [gateway-1]
          maxDepth: 2
          maxUses: 1000
          indirect: false
          admin: false
      """;

  /** The valid policy with the invoice-agent's grants replaced. */
  private static String withGrants(String... grants) {
    StringBuilder s = new StringBuilder();
    for (String g : grants) {
      s.append("      - \"").append(g).append("\"\n");
    }
    return VALID.replace(
        "      - \"fs:read_text_file:/data/invoices/{year}/**\"\n"
            + "      - \"fs:list_directory:/data/invoices/{year}\"\n",
        s.toString());
  }

  private static List<String> problems(String yaml) {
    try {
      Policy.parse(yaml, "policy.yaml");
    } catch (PolicyException e) {
      assertThat(e.getMessage()).isEqualTo(String.join("\n", e.problems()));
      return e.problems();
    }
    throw new AssertionError("expected the policy to be refused");
  }

  @Test
  void validPolicy_parsesEveryKey() {
    Policy policy = Policy.parse(VALID, "policy.yaml");

    ClientPolicy c = policy.client("invoice-agent").orElseThrow();
    assertThat(c.description()).isEqualTo("Summarises invoices");
    assertThat(c.grants()).hasSize(2);
    assertThat(c.parameters()).containsEntry("year", "20[0-9]{2}");
    assertThat(c.maxTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(c.require()).containsExactlyInAnyOrder(Requirement.HOLDER, Requirement.AUDIENCE);
    assertThat(c.audiences()).containsExactly("gateway-1");
    assertThat(c.maxDepth()).isEqualTo(2);
    assertThat(c.maxUses()).isEqualTo(1000);
    assertThat(c.indirect()).isFalse();
    assertThat(c.admin()).isFalse();
    assertThat(policy.clientIds()).containsExactly("invoice-agent");
    assertThat(policy.warnings()).isEmpty();
    assertThat(policy.digest()).startsWith("sha256:").hasSize(7 + 64);
  }

  @Test
  void omittedOptionalKeys_takeTheirSafeDefaults() {
    Policy policy =
        Policy.parse(
            "version: 1\nclients:\n  a:\n    grants: [\"fs:read:/x/**\"]\n    maxTtl: 5m\n", "p");

    ClientPolicy c = policy.client("a").orElseThrow();
    assertThat(c.maxDepth()).isEqualTo(Policy.DEFAULT_MAX_DEPTH).isEqualTo(2);
    assertThat(c.maxUses()).isNull();
    assertThat(c.indirect()).isFalse();
    assertThat(c.admin()).isFalse();
    assertThat(c.require()).isEmpty();
    assertThat(c.audiences()).isEmpty();
  }

  @Test
  void unknownKey_isAnErrorWithLocationAndSuggestion() {
    List<String> problems = problems(VALID.replace("maxUses: 1000", "maxUse: 1000"));

    assertThat(problems)
        .singleElement()
        .asString()
        .startsWith("policy.yaml:14: clients.invoice-agent.maxUse: unknown key 'maxUse'")
        .contains("did you mean 'maxUses'?");
  }

  @Test
  void unknownTopLevelKey_isAnError() {
    assertThat(problems(VALID + "client:\n  x: {}\n"))
        .singleElement()
        .asString()
        .contains("policy.yaml:17: client: unknown key 'client'", "did you mean 'clients'?");
  }

  @Test
  void badDuration_isAnErrorWithLocation() {
    assertThat(problems(VALID.replace("maxTtl: 1h", "maxTtl: 1 hour")))
        .singleElement()
        .asString()
        .startsWith("policy.yaml:10: clients.invoice-agent.maxTtl: '1 hour' is not a duration")
        .contains("1h30m or 7d");
    assertThat(problems(VALID.replace("maxTtl: 1h", "maxTtl: 3600")))
        .singleElement()
        .asString()
        .contains("maxTtl: '3600' is not a duration");
  }

  @Test
  void durations_takeCombinedUnits_fromOneSecondTo366Days() {
    assertThat(
            Policy.parse(VALID.replace("maxTtl: 1h", "maxTtl: 1h30m"), "policy.yaml")
                .client("invoice-agent")
                .orElseThrow()
                .maxTtl())
        .isEqualTo(Duration.ofMinutes(90));
    assertThat(problems(VALID.replace("maxTtl: 1h", "maxTtl: 0s")))
        .singleElement()
        .asString()
        .contains("maxTtl: '0s' is out of range: a duration here is 1s to 366d");
    assertThat(problems(VALID.replace("maxTtl: 1h", "maxTtl: 366d1s")))
        .singleElement()
        .asString()
        .contains("is out of range");
  }

  @Test
  void missingMaxTtl_isAnError() {
    assertThat(problems(VALID.replace("    maxTtl: 1h\n", "")))
        .singleElement()
        .asString()
        .contains("clients.invoice-agent: missing required key 'maxTtl'");
  }

  @Test
  void badRegex_isAnErrorWithLocation() {
    assertThat(problems(VALID.replace("\"20[0-9]{2}\"", "\"20[0-9\"")))
        .singleElement()
        .asString()
        .startsWith("policy.yaml:9: clients.invoice-agent.parameters.year: '20[0-9' is not a valid")
        .contains("RE2");
  }

  @Test
  void backtrackingOnlyRegex_isRefusedBecauseRe2HasNoBackreferences() {
    assertThat(problems(VALID.replace("\"20[0-9]{2}\"", "\"(a)\\\\1\"")))
        .singleElement()
        .asString()
        .contains("parameters.year", "not a valid RE2");
  }

  @Test
  void badGrantTemplate_isAnErrorNamingTheGrantAndIndex() {
    List<String> problems = problems(withGrants("fs:read_text_file:/data/**", "fs:read:{year"));

    assertThat(problems)
        .singleElement()
        .asString()
        .isEqualTo(
            "policy.yaml:7: clients.invoice-agent.grants[1]: 'fs:read:{year' is not a valid grant:"
                + " unbalanced brace: a '{' in the resource is never closed");
  }

  @Test
  void grantTemplateWithoutThreeParts_isAnError() {
    assertThat(problems(withGrants("fs:/data/invoices/{year}")))
        .singleElement()
        .asString()
        .contains("grants[0]: 'fs:/data/invoices/{year}' is not a valid grant: a grant is");
  }

  @Test
  void grantTemplateWithInvalidGlob_isAnError() {
    assertThat(problems(withGrants("fs:{read,}:/data/{year}")))
        .singleElement()
        .asString()
        .contains("grants[0]: 'fs:{read,}:/data/{year}' is not a valid grant:", "empty");
  }

  @Test
  void unknownParameterInTemplate_isAnError() {
    assertThat(problems(withGrants("fs:read_text_file:/data/{yaer}/**", "fs:x:/{year}")))
        .singleElement()
        .asString()
        .contains("grants[0]:", "unknown parameter 'yaer'", "declare it under parameters");
  }

  @Test
  void parameterInsideAlternatives_isAnError() {
    assertThat(problems(withGrants("fs:read:/data/{{year},all}/**")))
        .singleElement()
        .asString()
        .contains("parameter {year} cannot be used inside {a,b} alternatives");
  }

  @Test
  void declaredButUnusedParameter_isAWarningNotAnError() {
    Policy policy =
        Policy.parse(
            VALID.replace(
                "year: \"20[0-9]{2}\"", "year: \"20[0-9]{2}\"\n      month: \"[0-9]{2}\""),
            "policy.yaml");

    assertThat(policy.warnings())
        .singleElement()
        .asString()
        .isEqualTo(
            "policy.yaml:10: clients.invoice-agent.parameters.month: parameter 'month' is declared"
                + " but no grant template uses it");
  }

  @Test
  void wrongTypes_areErrors() {
    String yaml =
        VALID
            .replace("maxDepth: 2", "maxDepth: two")
            .replace("admin: false", "admin: \"no\"")
            .replace("audiences: [gateway-1]", "audiences: gateway-1")
            .replace("version: 1", "version: \"1\"");

    assertThat(problems(yaml))
        .hasSize(4)
        .anySatisfy(p -> assertThat(p).contains("version: expected a whole number"))
        .anySatisfy(
            p -> assertThat(p).contains("maxDepth: expected a whole number, got the string 'two'"))
        .anySatisfy(p -> assertThat(p).contains("admin: expected true or false"))
        .anySatisfy(p -> assertThat(p).contains("audiences: expected a list"));
  }

  @Test
  void yamlBooleanWhereAStringBelongs_isAnErrorThatSaysToQuote() {
    assertThat(problems(VALID.replace("audiences: [gateway-1]", "audiences: [no]")))
        .singleElement()
        .asString()
        .contains("audiences[0]: expected a string, got the boolean false (quote it");
  }

  @Test
  void outOfRangeNumbers_andUnknownRequirements_areErrors() {
    String yaml =
        VALID
            .replace("maxDepth: 2", "maxDepth: 99")
            .replace("maxUses: 1000", "maxUses: 0")
            .replace("require: [holder, audience]", "require: [holder, audiance]");

    assertThat(problems(yaml))
        .hasSize(3)
        .anySatisfy(p -> assertThat(p).contains("maxDepth: must be a whole number from 0 to 31"))
        .anySatisfy(p -> assertThat(p).contains("maxUses: must be a whole number from 1"))
        .anySatisfy(p -> assertThat(p).contains("require[1]: unknown requirement 'audiance'"));
  }

  @Test
  void everyProblemIsReported_notJustTheFirst() {
    String yaml =
        VALID
            .replace("maxTtl: 1h", "maxTtl: forever")
            .replace("maxUses: 1000", "maxUsess: 1000")
            .replace("\"fs:list_directory:/data/invoices/{year}\"", "\"fs:list:{year\"");

    assertThat(problems(yaml)).hasSize(3);
  }

  @Test
  void unsupportedVersion_isAnError() {
    assertThat(problems(VALID.replace("version: 1", "version: 2")))
        .singleElement()
        .asString()
        .contains("version 2 is not supported");
  }

  @Test
  void invalidClientId_isAnError() {
    assertThat(problems(VALID.replace("invoice-agent:", "\"invoice agent\":")))
        .singleElement()
        .asString()
        .contains("'invoice agent' is not a valid client id");
  }

  @Test
  void yamlAliasesAndAnchors_areRefused() {
    String yaml =
        """
        version: 1
        clients:
          a: &base
            grants: ["fs:read:/x/**"]
            maxTtl: 5m
          b: *base
        """;

    assertThat(problems(yaml)).singleElement().asString().contains("anchors");
    assertThat(problems(yaml.replace("&base", "")))
        .singleElement()
        .asString()
        .contains("clients.b: YAML aliases");
  }

  @Test
  void yamlTags_duplicateKeys_andSeveralDocuments_areRefused() {
    assertThat(problems(VALID.replace("maxTtl: 1h", "maxTtl: !!str 1h")))
        .singleElement()
        .asString()
        .contains("tags");
    assertThat(problems(VALID.replace("maxTtl: 1h", "maxTtl: 1h\n    maxTtl: 7d")))
        .singleElement()
        .asString()
        .contains("clients.invoice-agent.maxTtl: duplicate key (first at line 10)");
    assertThat(problems(VALID + "---\nversion: 1\n"))
        .singleElement()
        .asString()
        .contains("more than one YAML document");
  }

  @Test
  void deepNesting_isRefused() {
    String deep = "version: 1\nclients: " + "[".repeat(100) + "]".repeat(100) + "\n";

    assertThat(problems(deep)).singleElement().asString().containsAnyOf("nest", "depth");
  }

  @Test
  void notYamlAtAll_isAnErrorWithALine() {
    assertThat(problems("version: 1\nclients: [\n  - x: : :\n"))
        .singleElement()
        .asString()
        .startsWith("policy.yaml:")
        .contains("not valid YAML");
  }

  @Test
  void emptyText_andNonMappingRoot_areErrors() {
    assertThat(problems("")).singleElement().asString().contains("empty");
    assertThat(problems("- a\n- b\n")).singleElement().asString().contains("expected a mapping");
  }

  @Test
  void oversizedText_isRefusedBeforeParsing() {
    String huge = VALID + "#" + "x".repeat(Policy.MAX_FILE_BYTES) + "\n";

    assertThat(problems(huge)).singleElement().asString().contains("the limit is 1048576 bytes");
  }

  @Test
  void load_refusesAFileOverOneMebibyte(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, VALID + "#" + "x".repeat(Policy.MAX_FILE_BYTES) + "\n");

    assertThatThrownBy(() -> Policy.load(file))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining(file + ": the file is larger than 1048576 bytes");
  }

  @Test
  void load_reportsAMissingFileAsAPolicyException(@TempDir Path dir) {
    assertThatThrownBy(() -> Policy.load(dir.resolve("nope.yaml")))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("the file does not exist")
        .message()
        .doesNotContain("Exception");
  }

  @Test
  void load_refusesInvalidUtf8(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.write(file, new byte[] {'v', ':', ' ', (byte) 0xC3, (byte) 0x28});

    assertThatThrownBy(() -> Policy.load(file)).hasMessageContaining("not valid UTF-8");
  }

  @Test
  void role_gatewayNeedsNoGrantsOrMaxTtl_andAnUnknownRoleIsAnError() {
    Policy p =
        Policy.parse(
            "version: 1\nclients:\n  gw:\n    role: gateway\n  agent:\n    role: client\n"
                + "    grants: [\"fs:read:/a\"]\n    maxTtl: 1m\n    require: [holder, audience]\n",
            "p.yaml");
    assertThat(p.warnings()).isEmpty();
    assertThat(p.client("gw").orElseThrow().role()).isEqualTo(ClientPolicy.Role.GATEWAY);
    assertThat(p.client("agent").orElseThrow().ingestsAudit()).isFalse();

    assertThatThrownBy(
            () -> Policy.parse("version: 1\nclients:\n  gw:\n    role: gateway-ish\n", "p.yaml"))
        .hasMessageContaining("unknown role 'gateway-ish'; allowed: client, gateway");
    // Without the role, maxTtl stays required.
    assertThatThrownBy(() -> Policy.parse("version: 1\nclients:\n  gw: {}\n", "p.yaml"))
        .hasMessageContaining("maxTtl");
    Policy mixed =
        Policy.parse("version: 1\nclients:\n  gw:\n    role: gateway\n    admin: true\n", "p.yaml");
    assertThat(mixed.warnings()).anySatisfy(w -> assertThat(w).contains("is a gateway and may"));
  }

  @Test
  void starterPolicy_isValidWithoutWarnings() {
    Policy starter = Policy.parse(Policy.starterPolicyText(), "starter-policy.yaml");

    assertThat(starter.warnings()).isEmpty();
    assertThat(starter.clientIds()).containsExactly("example-agent", "gateway-1");
    assertThat(starter.client("gateway-1").orElseThrow().ingestsAudit()).isTrue();
    assertThat(starter.client("example-agent").orElseThrow().ingestsAudit()).isFalse();
    assertThat(
            starter
                .evaluate(
                    MintRequests.basic(
                        "example-agent",
                        List.of("fs:read_text_file:/data/projects/apollo/reports/2024/**"),
                        Duration.ofMinutes(10),
                        true,
                        "gateway-1"))
                .allowed())
        .isTrue();
  }

  @Test
  void lint_reportsWarningsForRiskyButValidPolicies(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(
        file,
        """
        version: 1
        clients:
          everything:
            grants: ["*:*:**"]
            parameters:
              id: ".*"
            maxTtl: 30d
        """);

    LintReport report = Policy.lint(file);

    assertThat(report.ok()).isTrue();
    assertThat(report.errors()).isEmpty();
    assertThat(report.warnings())
        .anySatisfy(w -> assertThat(w).contains("grants[0]", "mint access to everything"))
        .anySatisfy(w -> assertThat(w).contains("maxTtl 30d is over 24h"))
        .anySatisfy(w -> assertThat(w).contains("bearer tokens", "holder"))
        .anySatisfy(w -> assertThat(w).contains("without an audience"))
        .anySatisfy(w -> assertThat(w).contains("parameter 'id' is declared but no grant"))
        .anySatisfy(w -> assertThat(w).contains("accepts values with '/'"));
    assertThat(report.render()).contains("warning: ").contains("OK: the policy is valid");
  }

  @Test
  void lint_reportsErrorsAndWarningsOfAnInvalidPolicy(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(
        file, VALID.replace("maxTtl: 1h", "maxTtl: 48h").replace("admin: false", "admn: false"));

    LintReport report = Policy.lint(file);

    assertThat(report.ok()).isFalse();
    assertThat(report.errors()).singleElement().asString().contains("unknown key 'admn'");
    assertThat(report.warnings()).singleElement().asString().contains("over 24h");
    assertThat(report.lines()).first().asString().startsWith("error: " + file);
    assertThat(report.render()).contains("INVALID: 1 errors, 1 warnings");
  }

  @Test
  void lint_ofTheStarterPolicyIsClean(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, Policy.starterPolicyText());

    assertThat(Policy.lint(file).lines()).isEmpty();
  }
}
