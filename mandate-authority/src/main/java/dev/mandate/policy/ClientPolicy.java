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
 * @param budgets the budgets every capability the client mints must carry for a service, each with
 *     its cap; empty means the policy requires none
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
    Role role,
    List<BudgetRule> budgets) {

  /** Copies the collections. */
  public ClientPolicy {
    grants = List.copyOf(grants);
    parameters = Map.copyOf(parameters);
    require = Set.copyOf(require);
    audiences = List.copyOf(audiences);
    approves = List.copyOf(approves);
    approval = List.copyOf(approval);
    java.util.Objects.requireNonNull(role, "role");
    budgets = List.copyOf(budgets);
  }

  /**
   * A budget the policy requires for a service, and its cap: every grant minted for a service
   * pattern that matches {@code service} must spend from a budget (of the block or of the grant) no
   * wider than {@code max} (spec 6.3): the same argument (or calls), a limit at most {@code max}'s,
   * and, for a rate, a lifetime budget or a window at least as long.
   *
   * @param service the service name (literal)
   * @param max the widest budget or rate allowed, {@link dev.mandate.caveat.Caveat.Budget} or
   *     {@link dev.mandate.caveat.Caveat.Rate}
   */
  public record BudgetRule(String service, dev.mandate.caveat.Caveat max) {
    /** Checks the fields. */
    public BudgetRule {
      java.util.Objects.requireNonNull(service, "service");
      if (!(max instanceof dev.mandate.caveat.Caveat.Budget)
          && !(max instanceof dev.mandate.caveat.Caveat.Rate)) {
        throw new IllegalArgumentException("a budget rule's max is a budget or a rate");
      }
    }

    /** The text form of {@code max}. */
    public String maxText() {
      return max instanceof dev.mandate.caveat.Caveat.Budget b
          ? b.text()
          : ((dev.mandate.caveat.Caveat.Rate) max).text();
    }

    /** Whether {@code c} is a budget or rate no wider than {@code max}. */
    public boolean satisfiedBy(dev.mandate.caveat.Caveat c) {
      if (max instanceof dev.mandate.caveat.Caveat.Budget cap) {
        return c instanceof dev.mandate.caveat.Caveat.Budget b
            && b.pointer().equals(cap.pointer())
            && b.limit().compareTo(cap.limit()) <= 0;
      }
      dev.mandate.caveat.Caveat.Rate cap = (dev.mandate.caveat.Caveat.Rate) max;
      if (c instanceof dev.mandate.caveat.Caveat.Budget b) {
        return b.pointer().equals(cap.pointer()) && b.limit().compareTo(cap.limit()) <= 0;
      }
      return c instanceof dev.mandate.caveat.Caveat.Rate r
          && java.util.Objects.equals(r.pointer(), cap.pointer())
          && r.limit().compareTo(cap.limit()) <= 0
          && r.window().compareTo(cap.window()) >= 0;
    }
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
