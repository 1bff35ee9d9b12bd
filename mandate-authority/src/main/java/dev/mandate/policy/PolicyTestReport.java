package dev.mandate.policy;

import java.util.List;

/**
 * The outcome of {@link PolicyTestRunner#run}: one result per test case, in file order, and which
 * grant templates the tests exercised.
 *
 * @param results the results
 * @param coverage every grant template of the policy, client by client in file order, with how many
 *     allowed test requests it covered; empty when not measured
 */
public record PolicyTestReport(
    List<PolicyTestReport.Result> results, List<PolicyTestReport.TemplateCoverage> coverage) {

  /** Copies the lists. */
  public PolicyTestReport {
    results = List.copyOf(results);
    coverage = List.copyOf(coverage);
  }

  /** A report without coverage. */
  public PolicyTestReport(List<PolicyTestReport.Result> results) {
    this(results, List.of());
  }

  /**
   * How often one grant template was exercised: a test request was allowed and this template is the
   * one that covered one of its grants.
   *
   * @param clientId the client whose template it is
   * @param template the template as written in the policy
   * @param exercisedBy how many test cases it covered a grant of
   */
  public record TemplateCoverage(String clientId, String template, int exercisedBy) {}

  /** The templates no test exercised, in policy order. */
  public List<TemplateCoverage> notExercised() {
    return coverage.stream().filter(c -> c.exercisedBy() == 0).toList();
  }

  /**
   * One test case's outcome.
   *
   * @param name the test's name
   * @param passed whether the decision was as expected
   * @param message empty when passed; otherwise what was expected and what the policy said
   * @param decision the policy's decision
   */
  public record Result(String name, boolean passed, String message, PolicyDecision decision) {}

  /** How many tests passed. */
  public long passed() {
    return results.stream().filter(Result::passed).count();
  }

  /** Whether every test passed (true for no tests). */
  public boolean allPassed() {
    return passed() == results.size();
  }

  /**
   * One line per test, {@code PASS name} or {@code FAIL name: why}, then {@code PASS: n/total},
   * then {@code COVERAGE: n/total} and each template no test exercised; each line ends with a
   * newline.
   */
  public String render() {
    StringBuilder s = new StringBuilder();
    for (Result r : results) {
      s.append(r.passed() ? "PASS " : "FAIL ").append(r.name());
      if (!r.passed()) {
        s.append(": ").append(r.message());
      }
      s.append('\n');
    }
    s.append("PASS: ").append(passed()).append('/').append(results.size()).append('\n');
    if (!coverage.isEmpty()) {
      List<TemplateCoverage> missed = notExercised();
      s.append("COVERAGE: ")
          .append(coverage.size() - missed.size())
          .append('/')
          .append(coverage.size())
          .append(" grant templates exercised by an allowed test\n");
      for (TemplateCoverage c : missed) {
        s.append("  not exercised: client '")
            .append(c.clientId())
            .append("' template '")
            .append(c.template())
            .append("'\n");
      }
    }
    return s.toString();
  }
}
