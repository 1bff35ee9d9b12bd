package dev.mandate.token;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mandate.caveat.Caveat;
import dev.mandate.config.Durations;
import java.time.Duration;
import java.util.List;

/**
 * The JSON body of a mint request, {@code POST /v1/capabilities}: what an authenticated client asks
 * an authority to mint. This record is the one definition of that shape: clients write it from
 * {@link Restrictions} with {@link #of}, and the authority reads it. The constructor accepts any
 * values, because the authority reads the record from the network and its policy refuses a bad
 * value with a reason; {@link #of} makes only valid ones.
 *
 * @param grants the grants asked for, {@code service:action:resource-pattern} each
 * @param ttl the lifetime asked for, a whole number and one unit ({@code 900s}, {@code 15m}, {@code
 *     1h}, {@code 7d}), or null for the policy's maximum
 * @param audience the one audience (gateway or service) to restrict the capability to, or null
 * @param holderKey the text form of the public key to bind the capability to, or null for a bearer
 *     capability
 * @param maxUses the most calls the capability may authorize, or null for the policy's cap
 * @param maxDepth the most further blocks, or null for the policy's
 * @param indirect true for a capability the authority can switch off and on again; null or false
 *     for a direct one
 * @param requireApproval the approver groups of an approval caveat, or null for none (the policy
 *     may still require one)
 * @param literalGrants grants of exactly the service, action and resource given, with no glob
 *     meaning ({@link Grant#literal}): the form for values read from untrusted data, such as a
 *     channel name, which then need no escaping; or null. They are asked for beside {@code grants}
 *     and judged by the policy the same way. {@link #of} writes every grant into {@code grants} (a
 *     literal one escaped), so this field is for clients that write the JSON themselves.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MintRequestBody(
    List<String> grants,
    String ttl,
    String audience,
    String holderKey,
    Integer maxUses,
    Integer maxDepth,
    Boolean indirect,
    List<String> requireApproval,
    List<LiteralGrant> literalGrants) {

  /**
   * One grant of {@link #literalGrants}: exactly this service, action and resource.
   *
   * @param service the service, taken as it is
   * @param action the action, taken as it is
   * @param resource the resource, taken as it is (a path must be normalised)
   */
  public record LiteralGrant(String service, String action, String resource) {
    /**
     * Returns the grant.
     *
     * @throws IllegalArgumentException as {@link Grant#literal} does
     */
    public Grant toGrant() {
      return Grant.literal(service, action, resource);
    }
  }

  /**
   * Returns the mint request for these restrictions. An authority adds exactly the caveats its
   * policy decides, so a mint request carries only grants, a ttl in whole seconds, one audience, a
   * holder key, max uses (at most 2147483647), max depth and an approval caveat; anything else is
   * added afterwards by attenuating the minted capability.
   *
   * @param indirect whether to ask for an indirect capability (one the authority can switch off)
   * @throws IllegalArgumentException naming the first restriction a mint request cannot carry
   */
  public static MintRequestBody of(Restrictions restrictions, boolean indirect) {
    String ttl = restrictions.ttl().map(MintRequestBody::ttlText).orElse(null);
    String audience = null;
    Integer maxUses = null;
    Integer maxDepth = null;
    List<String> approvers = null;
    for (Caveat c : restrictions.caveats()) {
      if (c instanceof Caveat.Audience a) {
        if (audience != null || a.audiences().size() > 1) {
          throw new IllegalArgumentException("a mint request names at most one audience");
        }
        audience = a.audiences().get(0);
      } else if (c instanceof Caveat.MaxUses m) {
        if (maxUses != null || m.uses() > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(
              "a mint request asks for one maxUses of at most " + Integer.MAX_VALUE);
        }
        maxUses = (int) m.uses();
      } else if (c instanceof Caveat.MaxDepth d) {
        if (maxDepth != null) {
          throw new IllegalArgumentException("a mint request asks for one maxDepth");
        }
        maxDepth = d.blocks();
      } else if (c instanceof Caveat.ApprovalRequired r) {
        if (approvers != null) {
          throw new IllegalArgumentException("a mint request asks for one approval caveat");
        }
        approvers = r.groups();
      } else {
        throw cannotCarry(describe(c));
      }
    }
    if (restrictions.sealed()) {
      throw cannotCarry("the seal (seal)");
    }
    return new MintRequestBody(
        restrictions.grants().stream().map(Grant::toString).toList(),
        ttl,
        audience,
        restrictions.holder().map(k -> k.toText()).orElse(null),
        maxUses,
        maxDepth,
        indirect ? Boolean.TRUE : null,
        approvers,
        null);
  }

  private static String describe(Caveat c) {
    if (c instanceof Caveat.Expiry) {
      return "an expiry time (expiresAt; ask for a ttl instead)";
    }
    if (c instanceof Caveat.NotBefore) {
      return "a not-before time (notBefore)";
    }
    if (c instanceof Caveat.Argument) {
      return "an argument constraint (constrain)";
    }
    if (c instanceof Caveat.Condition) {
      return "a condition (where)";
    }
    return "a " + c.kind() + " caveat";
  }

  private static IllegalArgumentException cannotCarry(String what) {
    return new IllegalArgumentException(
        "a mint request cannot carry "
            + what
            + ": the authority adds exactly the caveats its policy requires; attenuate the minted"
            + " capability to add it");
  }

  /** The one duration grammar ({@link Durations#format}), in whole seconds. */
  private static String ttlText(Duration ttl) {
    if (ttl.getNano() != 0) {
      throw new IllegalArgumentException(
          "a mint request's ttl is whole seconds, got " + ttl.toMillis() + " ms");
    }
    return Durations.format(ttl);
  }
}
