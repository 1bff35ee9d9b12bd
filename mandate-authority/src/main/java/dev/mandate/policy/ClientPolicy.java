package dev.mandate.policy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One client's entry in a policy, as written in the file (see {@link Policy} for the meaning of
 * each key and its default).
 *
 * @param id the client id
 * @param description what the client is, for people; may be empty
 * @param grants the grant templates, in file order
 * @param parameters parameter name to the RE2 regex its values must fully match
 * @param maxTtl the longest lifetime the client may ask for
 * @param require the caveats every mint request must include
 * @param audiences the audiences the client may name; empty means any (if any is required)
 * @param maxDepth the largest attenuation depth a minted token may allow
 * @param maxUses the cap on a minted token's uses, or null for no cap
 * @param indirect whether the client may mint indirect (switchable) capabilities
 * @param admin whether the client may use the authority's administrative endpoints
 * @param approves the approver groups for which the client may approve calls; empty means none
 * @param approval the approver groups of the approval caveat every capability the client mints
 *     carries; empty means the policy forces none
 * @param role what the client is to the authority; only a {@link Role#GATEWAY} may add decision
 *     records to the audit trail
 */
public record ClientPolicy(
    String id,
    String description,
    List<String> grants,
    Map<String, String> parameters,
    Duration maxTtl,
    Set<Requirement> require,
    List<String> audiences,
    int maxDepth,
    Integer maxUses,
    boolean indirect,
    boolean admin,
    List<String> approves,
    List<String> approval,
    Role role) {

  /** Copies the collections. */
  public ClientPolicy {
    grants = List.copyOf(grants);
    parameters = Map.copyOf(parameters);
    require = Set.copyOf(require);
    audiences = List.copyOf(audiences);
    approves = List.copyOf(approves);
    approval = List.copyOf(approval);
    java.util.Objects.requireNonNull(role, "role");
  }

  /** Whether the client may add decision records to the audit trail ({@code role: gateway}). */
  public boolean ingestsAudit() {
    return role == Role.GATEWAY;
  }

  /** What a client is to the authority, named as in the policy file's {@code role} key. */
  public enum Role {
    /** An agent, a person's tool or an administrator: mints, approves or administers (default). */
    CLIENT("client"),
    /**
     * A gateway: uploads the decisions it made to the audit trail. Its credential sits on the
     * gateway's host, so it should hold nothing else.
     */
    GATEWAY("gateway");

    private final String key;

    Role(String key) {
      this.key = key;
    }

    /** The name used in the policy file. */
    public String key() {
      return key;
    }

    static Role fromKey(String key) {
      for (Role r : values()) {
        if (r.key.equals(key)) {
          return r;
        }
      }
      return null;
    }
  }

  /** Whether the client may approve calls for this approver group. */
  public boolean mayApprove(String group) {
    return group != null && approves.contains(group);
  }

  /** A caveat a mint request must include, named as in the policy file's {@code require} list. */
  public enum Requirement {
    /** The token must be bound to a holder key. */
    HOLDER("holder"),
    /** The token must carry an audience. */
    AUDIENCE("audience"),
    /** The token must carry a maximum number of uses. */
    MAX_USES("maxUses");

    private final String key;

    Requirement(String key) {
      this.key = key;
    }

    /** The name used in the policy file. */
    public String key() {
      return key;
    }

    static Requirement fromKey(String key) {
      for (Requirement r : values()) {
        if (r.key.equals(key)) {
          return r;
        }
      }
      return null;
    }
  }
}
