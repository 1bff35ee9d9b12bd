package dev.mandate.policy;

import dev.mandate.token.Grant;
import java.time.Duration;
import java.util.List;

/**
 * The policy's answer to a {@link MintRequest}. When allowed, the remaining fields are the exact
 * values to mint with (the authority must not substitute its own); when denied they are empty or
 * null and {@link #reason()} says which client, grant and rule refused it, in a sentence a person
 * can act on.
 *
 * @param allowed whether the client may mint this capability
 * @param reason why, naming the client, the grant and the rule
 * @param clientId the client the request named (as given; may be null on a malformed request)
 * @param grants the parsed grants to mint; empty when denied
 * @param ttl the lifetime to mint with, never above the client's {@code maxTtl}; null when denied
 * @param audience the audience caveat to add, or null for none
 * @param maxUses the max-uses caveat to add, or null for none
 * @param maxDepth the max-depth caveat to add (further attenuation blocks); null when denied
 * @param holderBound whether the token is to be bound to the requester's holder key
 * @param indirect whether the capability is indirect (switchable at the authority)
 * @param approvalGroups the approver groups of the approval caveat to add, or empty for none
 */
public record PolicyDecision(
    boolean allowed,
    String reason,
    String clientId,
    List<Grant> grants,
    Duration ttl,
    String audience,
    Integer maxUses,
    Integer maxDepth,
    boolean holderBound,
    boolean indirect,
    List<String> approvalGroups) {

  /** Copies the lists. */
  public PolicyDecision {
    grants = grants == null ? List.of() : List.copyOf(grants);
    approvalGroups = approvalGroups == null ? List.of() : List.copyOf(approvalGroups);
  }

  static PolicyDecision deny(String clientId, String reason) {
    return new PolicyDecision(
        false, reason, clientId, List.of(), null, null, null, null, false, false, List.of());
  }
}
