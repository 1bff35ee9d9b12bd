package dev.mandate.policy;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the authority handles calls that wait for a person's approval (the policy's optional {@code
 * approvals} section): how long a request waits, and how many distinct approvers of a group must
 * approve before the approval is issued (M of N; 1 unless the policy says otherwise).
 *
 * <pre>{@code
 * approvals:
 *   requestTtl: 15m          # optional, 1m to 24h: how long a request waits for an answer
 *   groups:
 *     finance: {required: 2} # two distinct finance approvers must approve
 * }</pre>
 *
 * @param requestTtl how long an approval request waits for an answer
 * @param required approver group to the number of distinct approvers who must approve (2 to 16); a
 *     group not listed needs one
 */
public record ApprovalSettings(Duration requestTtl, Map<String, Integer> required) {
  /** How long a request waits when the policy does not say. */
  public static final Duration DEFAULT_REQUEST_TTL = Duration.ofMinutes(15);

  /** Shortest {@code requestTtl} accepted. */
  public static final Duration MIN_REQUEST_TTL = Duration.ofMinutes(1);

  /** Longest {@code requestTtl} accepted. */
  public static final Duration MAX_REQUEST_TTL = Duration.ofHours(24);

  /** Most approvers a group may require. */
  public static final int MAX_REQUIRED = 16;

  /** The settings of a policy without an {@code approvals} section. */
  public static final ApprovalSettings DEFAULTS =
      new ApprovalSettings(DEFAULT_REQUEST_TTL, Map.of());

  /** Copies the map. */
  public ApprovalSettings {
    Objects.requireNonNull(requestTtl, "requestTtl");
    required = Map.copyOf(required);
  }

  /** How many distinct approvers of {@code group} must approve: 1 unless the policy says more. */
  public int required(String group) {
    return required.getOrDefault(group, 1);
  }
}
