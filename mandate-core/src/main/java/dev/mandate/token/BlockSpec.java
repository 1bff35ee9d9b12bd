package dev.mandate.token;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.VerifyingKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The restrictions a new block can carry, written once for everything that builds a block: {@link
 * Capability.Minter} and {@link Capability.Attenuator} sign them into a block, and {@link
 * Restrictions.Builder} keeps them as a value for later ({@link #restrict(Restrictions)}), for a
 * delegation or for a mint request to an authority ({@link MintRequestBody#of}). A new kind of
 * restriction is added here, once. Each setter validates its argument and throws {@link
 * IllegalArgumentException} with the reason.
 *
 * @param <B> the concrete builder, for chaining
 */
public abstract sealed class BlockSpec<B extends BlockSpec<B>>
    permits BlockSigner, Restrictions.Builder {
  final List<Grant> grants = new ArrayList<>();
  final List<Caveat> caveats = new ArrayList<>();
  Duration ttl;
  VerifyingKey holder;
  byte[] holderJkt;
  boolean seal;

  BlockSpec() {}

  @SuppressWarnings("unchecked")
  B self() {
    return (B) this;
  }

  /** Adds a grant, {@code service:action:resource-pattern}. */
  public B allow(String grant) {
    grants.add(Grant.parse(grant));
    return self();
  }

  /** Adds a grant. */
  public B allow(Grant grant) {
    grants.add(Objects.requireNonNull(grant, "grant"));
    return self();
  }

  /** Sets the expiry to an absolute instant (whole seconds). */
  public B expiresAt(Instant notAfter) {
    caveats.add(new Caveat.Expiry(notAfter));
    return self();
  }

  /** Sets the expiry relative to the clock when the block is signed. */
  public B ttl(Duration duration) {
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("a lifetime must be positive, got " + duration);
    }
    this.ttl = duration;
    return self();
  }

  /** Makes the capability invalid before this instant (whole seconds). */
  public B notBefore(Instant notBefore) {
    caveats.add(new Caveat.NotBefore(notBefore));
    return self();
  }

  /** Restricts the audiences (gateways or services) that may accept the capability. */
  public B audience(String... audiences) {
    caveats.add(new Caveat.Audience(Arrays.asList(audiences)));
    return self();
  }

  /** Requires the argument at a JSON Pointer (e.g. {@code /path}) to satisfy a constraint. */
  public B constrain(String pointer, Constraint constraint) {
    caveats.add(new Caveat.Argument(pointer, constraint));
    return self();
  }

  /** Requires the string argument at {@code pointer} to equal {@code value}. */
  public B constrainExact(String pointer, String value) {
    return constrain(pointer, new Constraint.Exact(TextNode.valueOf(value)));
  }

  /**
   * Adds a CEL condition over {@code args} and {@code context} that must be true.
   *
   * @throws IllegalArgumentException if the expression does not compile or exceeds the limits
   * @throws IllegalStateException if CEL ({@code dev.cel:cel}, an optional dependency) is not on
   *     the class path
   */
  public B where(String celExpression) {
    Caveat.Condition condition = new Caveat.Condition(celExpression);
    Conditions.compileOrThrow(celExpression, Limits.DEFAULTS);
    caveats.add(condition);
    return self();
  }

  /** Allows at most {@code blocks} further blocks after this one. */
  public B maxDepth(int blocks) {
    caveats.add(new Caveat.MaxDepth(blocks));
    return self();
  }

  /** Records that at most {@code uses} calls may be made (enforced by the gateway). */
  public B maxUses(long uses) {
    caveats.add(new Caveat.MaxUses(uses));
    return self();
  }

  /**
   * Adds a budget or a rate that every call allowed under the capability spends from, in the text
   * form of {@link Caveat.Budget#parse}: {@code sum(/amount)<=5000} (over the capability's life),
   * {@code sum(/amount)<=9000/1h} or {@code calls<=10/1m} (per rolling window). A budget never
   * widens: the call must fit every budget of every block.
   *
   * @throws IllegalArgumentException if the text is not a budget or a rate
   */
  public B budget(String text) {
    caveats.add(Caveat.Budget.parse(text));
    return self();
  }

  /**
   * Requires a person's approval of every call, by one of these approver groups (an {@link
   * Approval} the authority issues for exactly that call).
   */
  public B requireApproval(String... groups) {
    caveats.add(new Caveat.ApprovalRequired(List.of(groups)));
    return self();
  }

  /** Adds any caveat. */
  public B caveat(Caveat caveat) {
    caveats.add(Objects.requireNonNull(caveat, "caveat"));
    return self();
  }

  /**
   * Binds the capability to a holder key: every call must then carry a proof signed by it, and any
   * further block must be signed by it.
   */
  public B bindTo(VerifyingKey holderKey) {
    this.holder = Objects.requireNonNull(holderKey, "holderKey");
    this.holderJkt = null;
    return self();
  }

  /**
   * Binds the capability to a DPoP key (RFC 9449), named by its RFC 7638 JWK SHA-256 thumbprint,
   * the {@code cnf.jkt} of an OAuth access token: every call must then carry a DPoP proof signed by
   * that key (spec section 7.2), and no block may follow this one (a DPoP key signs no Mandate
   * block). Replaces a holder key given before.
   *
   * @param jkt the thumbprint, unpadded base64url of 32 bytes (43 characters)
   * @throws IllegalArgumentException if it is not that
   */
  public B bindToDPoPKey(String jkt) {
    this.holderJkt = Jkt.decode(jkt);
    this.holder = null;
    return self();
  }

  /** Seals the capability: no block may follow this one. */
  public B seal() {
    this.seal = true;
    return self();
  }

  /**
   * Adds every restriction of {@code restrictions}, as if each had been given here in turn: its
   * grants and caveats are added, and its lifetime and holder, when it has them, replace any given
   * before.
   */
  public B restrict(Restrictions restrictions) {
    Objects.requireNonNull(restrictions, "restrictions");
    grants.addAll(restrictions.grants());
    caveats.addAll(restrictions.caveats());
    restrictions.ttl().ifPresent(t -> this.ttl = t);
    restrictions.holder().ifPresent(this::bindTo);
    restrictions.holderJkt().ifPresent(this::bindToDPoPKey);
    seal |= restrictions.sealed();
    return self();
  }

  /** The caveats to sign: those given, and the expiry the ttl sets counted from {@code now}. */
  List<Caveat> finalCaveats(Instant now) {
    List<Caveat> all = new ArrayList<>(caveats);
    if (ttl != null) {
      all.add(new Caveat.Expiry(now.plus(ttl)));
    }
    return all;
  }
}
