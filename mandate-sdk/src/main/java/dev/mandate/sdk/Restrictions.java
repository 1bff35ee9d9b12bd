package dev.mandate.sdk;

import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a delegated capability may still do: the grants, the lifetime, the number of uses and the
 * argument constraints of the block {@link Wallet#delegate} appends. Restrictions only narrow: the
 * delegated capability allows a call only if the parent also allows it. Immutable; build one with
 * {@link #builder()}.
 *
 * <p>A delegation must name its grants and its lifetime, so a sub-agent never silently receives
 * everything its parent holds for as long as the parent holds it.
 */
public final class Restrictions {
  private record Argument(String pointer, Constraint constraint) {}

  private final List<Grant> grants;
  private final Duration ttl;
  private final Instant expiresAt;
  private final Long maxUses;
  private final Integer maxDepth;
  private final List<Argument> arguments;
  private final List<String> conditions;
  private final List<String> audiences;
  private final List<String> approvers;

  private Restrictions(Builder b) {
    this.grants = List.copyOf(b.grants);
    this.ttl = b.ttl;
    this.expiresAt = b.expiresAt;
    this.maxUses = b.maxUses;
    this.maxDepth = b.maxDepth;
    this.arguments = List.copyOf(b.arguments);
    this.conditions = List.copyOf(b.conditions);
    this.audiences = List.copyOf(b.audiences);
    this.approvers = b.approvers;
  }

  /** Starts building restrictions. */
  public static Builder builder() {
    return new Builder();
  }

  /** Adds these restrictions to an attenuation block. */
  void applyTo(Capability.Attenuator block) {
    grants.forEach(block::allow);
    if (ttl != null) {
      block.ttl(ttl);
    }
    if (expiresAt != null) {
      block.expiresAt(expiresAt);
    }
    if (maxUses != null) {
      block.maxUses(maxUses);
    }
    if (maxDepth != null) {
      block.maxDepth(maxDepth);
    }
    arguments.forEach(a -> block.constrain(a.pointer(), a.constraint()));
    conditions.forEach(block::where);
    if (!audiences.isEmpty()) {
      block.audience(audiences.toArray(String[]::new));
    }
    if (approvers != null) {
      block.requireApproval(approvers.toArray(String[]::new));
    }
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Restrictions[grants=").append(grants);
    if (ttl != null) {
      s.append(", ttl=").append(ttl);
    }
    if (expiresAt != null) {
      s.append(", expiresAt=").append(expiresAt);
    }
    if (maxUses != null) {
      s.append(", maxUses=").append(maxUses);
    }
    if (maxDepth != null) {
      s.append(", maxDepth=").append(maxDepth);
    }
    arguments.forEach(a -> s.append(", ").append(a.pointer()).append(' ').append(a.constraint()));
    conditions.forEach(c -> s.append(", where ").append(c));
    if (!audiences.isEmpty()) {
      s.append(", audiences=").append(audiences);
    }
    if (approvers != null) {
      s.append(", approval by ").append(approvers);
    }
    return s.append(']').toString();
  }

  /** Builds {@link Restrictions}; each setter validates its argument. */
  public static final class Builder {
    private final List<Grant> grants = new ArrayList<>();
    private Duration ttl;
    private Instant expiresAt;
    private Long maxUses;
    private Integer maxDepth;
    private final List<Argument> arguments = new ArrayList<>();
    private final List<String> conditions = new ArrayList<>();
    private final List<String> audiences = new ArrayList<>();
    private List<String> approvers;

    private Builder() {}

    /**
     * Allows {@code service:action:resource-pattern} (only where the parent allows it too).
     *
     * @throws IllegalArgumentException if the grant is not valid
     */
    public Builder allow(String grant) {
      grants.add(Grant.parse(grant));
      return this;
    }

    /**
     * Sets the lifetime from the moment of delegation (the parent's expiry still applies).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder ttl(Duration ttl) {
      if (ttl == null || ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("a delegation's lifetime must be positive, got " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * Sets an absolute expiry (whole seconds; the parent's expiry still applies).
     *
     * @throws NullPointerException if null
     */
    public Builder expiresAt(Instant expiresAt) {
      this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
      return this;
    }

    /**
     * Allows at most {@code uses} calls (counted by the gateway), at least 1.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxUses(long uses) {
      if (uses < 1) {
        throw new IllegalArgumentException("maxUses must be at least 1, got " + uses);
      }
      this.maxUses = uses;
      return this;
    }

    /**
     * Allows at most {@code blocks} further delegations below this one (0 forbids any).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxDepth(int blocks) {
      if (blocks < 0) {
        throw new IllegalArgumentException("maxDepth must be 0 or more, got " + blocks);
      }
      this.maxDepth = blocks;
      return this;
    }

    /**
     * Requires the argument at a JSON Pointer (such as {@code /path}) to satisfy a constraint.
     *
     * @throws NullPointerException if an argument is null
     */
    public Builder constrain(String pointer, Constraint constraint) {
      arguments.add(
          new Argument(
              Objects.requireNonNull(pointer, "pointer"),
              Objects.requireNonNull(constraint, "constraint")));
      return this;
    }

    /**
     * Requires a CEL condition over {@code args} and {@code context} to hold (checked when the
     * delegation is signed).
     *
     * @throws NullPointerException if null
     */
    public Builder where(String celExpression) {
      conditions.add(Objects.requireNonNull(celExpression, "celExpression"));
      return this;
    }

    /**
     * Restricts the gateways that may accept the delegated capability.
     *
     * @throws IllegalArgumentException if no audience or an empty one is given
     */
    public Builder audience(String... names) {
      if (names == null
          || names.length == 0
          || Arrays.stream(names).anyMatch(n -> n == null || n.isEmpty())) {
        throw new IllegalArgumentException("name at least one non-empty audience");
      }
      audiences.addAll(Arrays.asList(names));
      return this;
    }

    /**
     * Requires a person's approval of each of the sub-agent's calls, by one of these approver
     * groups (an approval caveat: the authority issues the approval for exactly one call). Replaces
     * groups given before.
     *
     * @throws IllegalArgumentException if no group is given, more than 16, or a name is not 1 to 64
     *     of a-z 0-9 . _ - starting with a letter or digit
     */
    public Builder requireApproval(String... groups) {
      if (groups == null) {
        throw new IllegalArgumentException("name at least one approver group");
      }
      approvers = new Caveat.ApprovalRequired(Arrays.asList(groups)).groups();
      return this;
    }

    /**
     * Returns the restrictions.
     *
     * @throws IllegalStateException if no grant or no lifetime (ttl or expiresAt) was given
     */
    public Restrictions build() {
      if (grants.isEmpty()) {
        throw new IllegalStateException(
            "a delegation must list the grants the sub-agent needs (allow ...), narrower than the"
                + " parent's");
      }
      if (ttl == null && expiresAt == null) {
        throw new IllegalStateException(
            "a delegation needs its own lifetime (ttl or expiresAt), shorter than the parent's");
      }
      return new Restrictions(this);
    }
  }
}
