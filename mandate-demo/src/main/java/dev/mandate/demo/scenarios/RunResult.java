package dev.mandate.demo.scenarios;

import java.util.List;

/**
 * One run: a user task alone ({@code injectionId} null) or with one injection task.
 *
 * @param userTaskId the user task
 * @param injectionId the injection task, or null for the run without attack
 * @param utility whether every call of the user task succeeded and its outcome is in the state
 * @param utilityProblem why not, or null
 * @param injected every injected call and its outcome
 */
record RunResult(
    String userTaskId,
    String injectionId,
    boolean utility,
    String utilityProblem,
    List<Outcome> injected) {
  RunResult {
    injected = List.copyOf(injected);
  }

  /** The injected calls that Mandate let through. */
  List<Outcome> breaches() {
    return injected.stream().filter(Outcome::gotThrough).toList();
  }

  boolean attackSucceeded() {
    return !breaches().isEmpty();
  }
}
