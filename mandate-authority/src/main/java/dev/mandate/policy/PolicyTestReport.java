package dev.mandate.policy;

import java.util.List;

/**
 * The outcome of {@link PolicyTestRunner#run}: one result per test case, in file order.
 *
 * @param results the results
 */
public record PolicyTestReport(List<PolicyTestReport.Result> results) {

  /** Copies the list. */
  public PolicyTestReport {
    results = List.copyOf(results);
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
   * One line per test, {@code PASS name} or {@code FAIL name: why}, then {@code PASS: n/total};
   * each line ends with a newline.
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
    return s.append("PASS: ")
        .append(passed())
        .append('/')
        .append(results.size())
        .append('\n')
        .toString();
  }
}
