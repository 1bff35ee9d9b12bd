package dev.mandate.policy;

import java.util.List;

/**
 * A policy file or policy tests file that cannot be used: unreadable, too large, not YAML, or not
 * valid under the format documented on {@link Policy}. The message lists every problem found, one
 * per line, each with its location ({@code policy.yaml:12: clients.invoice-agent.grants[1]: ...}).
 */
public final class PolicyException extends RuntimeException {
  private final List<String> problems;

  /**
   * Creates an exception listing problems.
   *
   * @param problems one located, human-readable sentence per problem; at least one
   * @throws IllegalArgumentException if the list is empty
   */
  public PolicyException(List<String> problems) {
    super(String.join("\n", requireSome(problems)));
    this.problems = List.copyOf(problems);
  }

  /** Every problem found, in file order, each with its location. */
  public List<String> problems() {
    return problems;
  }

  private static List<String> requireSome(List<String> problems) {
    if (problems == null || problems.isEmpty()) {
      throw new IllegalArgumentException("a PolicyException needs at least one problem");
    }
    return problems;
  }
}
