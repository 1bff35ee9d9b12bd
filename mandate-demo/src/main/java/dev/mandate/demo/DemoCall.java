package dev.mandate.demo;

import java.util.Objects;

/**
 * One tool call in the demo's trace and how it ended.
 *
 * @param number the position in the trace, from 1
 * @param agent who made the call: {@code assistant}, its sub-agent {@code reader}, or the {@code
 *     attacker} replaying a stolen capability
 * @param tool the MCP tool called
 * @param target what it was called on, as the trace shows it (a workspace path, a mail address)
 * @param injected true if the call came from the injected instructions (it must be denied); false
 *     for a call the task needs (it must be allowed)
 * @param decision what the gateway did
 * @param reason the gateway's reason for a denial, the error for a call that failed, or a short
 *     note for an allowed call (may be empty)
 */
public record DemoCall(
    int number,
    String agent,
    String tool,
    String target,
    boolean injected,
    Decision decision,
    String reason) {

  /** What became of a call. */
  public enum Decision {
    /** The gateway allowed the call and the tool answered. */
    ALLOW,
    /** The gateway refused the call. */
    DENY,
    /** The call failed for a reason other than a decision (it proves nothing either way). */
    ERROR
  }

  /**
   * @throws NullPointerException if a field is null
   */
  public DemoCall {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(reason, "reason");
  }

  /** Whether the call ended as the demo requires: task calls allowed, injected calls denied. */
  public boolean asExpected() {
    return decision == (injected ? Decision.DENY : Decision.ALLOW);
  }
}
