package dev.mandate.policy;

import dev.mandate.caveat.Caveat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

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
 * @param grantCaveats per requested grant, in the same order, the argument constraints and
 *     conditions asked for on that grant (spec §5.3); shorter than {@code grants} or null means
 *     none for the rest. The policy adds its templates' own; it never removes one asked for
 * @param parameters values for the parameters of template constraints that the grant pattern does
 *     not bind (such as {@code max} in {@code /amount=range:0..{max}}), by name; null for none
 * @param budgets the budgets and rates asked for on every call (the block's own; a grant's own are
 *     in {@code grantCaveats}); null for none. The policy may require one for a service and cap it
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
    List<String> requireApproval,
    List<List<Caveat>> grantCaveats,
    Map<String, String> parameters,
    List<Caveat> budgets) {

  /**
   * Copies the lists (null grants become empty; null elements are kept, and later denied; a null
   * {@code requireApproval} stays null).
   */
  public MintRequest {
    grantCaveats =
        grantCaveats == null
            ? List.of()
            : grantCaveats.stream()
                .map(l -> l == null ? List.<Caveat>of() : List.copyOf(l))
                .toList();
    parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    budgets = budgets == null ? List.of() : List.copyOf(budgets);
    grants = grants == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(grants));
    requireApproval =
        requireApproval == null
            ? null
            : Collections.unmodifiableList(new ArrayList<>(requireApproval));
  }

  /** The caveats asked for on grant {@code i}; empty for none. */
  List<Caveat> caveatsOfGrant(int i) {
    return i < grantCaveats.size() ? grantCaveats.get(i) : List.of();
  }
}
