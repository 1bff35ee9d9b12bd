package dev.mandate.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What an authenticated client asks the authority to mint, as {@link Policy#evaluate} judges it.
 * Nothing is validated here: the request comes from the network and the policy denies bad values
 * with a reason instead of throwing.
 *
 * @param clientId the authenticated client's id
 * @param grants the requested grants, {@code service:action:resource-pattern} each
 * @param ttl the requested lifetime; null asks for the client's {@code maxTtl}
 * @param holderBound whether the token will be bound to a holder key
 * @param audience the requested audience, or null for none
 * @param maxUses the requested maximum number of uses, or null for the policy's cap (if any)
 * @param maxDepth the requested maximum attenuation depth, or null for the policy's
 * @param indirect whether an indirect (switchable) capability is requested
 * @param requireApproval the approver groups of an approval caveat the capability is to carry, or
 *     null for none (the policy may still force one)
 */
public record MintRequest(
    String clientId,
    List<String> grants,
    Duration ttl,
    boolean holderBound,
    String audience,
    Integer maxUses,
    Integer maxDepth,
    boolean indirect,
    List<String> requireApproval) {

  /**
   * Copies the lists (null grants become empty; null elements are kept, and later denied; a null
   * {@code requireApproval} stays null).
   */
  public MintRequest {
    grants = grants == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(grants));
    requireApproval =
        requireApproval == null
            ? null
            : Collections.unmodifiableList(new ArrayList<>(requireApproval));
  }
}
