package dev.mandate.token;

import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.VerifyingKey;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The restrictions of one block not yet signed, as a value: grants, caveats, a lifetime relative to
 * the signing time, a holder key and the seal. Build one with {@link #builder()} (the setters of
 * {@link BlockSpec}), then apply it with {@link BlockSpec#restrict(Restrictions)}, hand it to a
 * delegation, or turn it into a mint request ({@link MintRequestBody#of}). Restrictions only
 * narrow: a block allows a call only if every block before it allows it too. Immutable.
 *
 * <pre>{@code
 * Restrictions january =
 *     Restrictions.builder()
 *         .allow("fs:read_text_file:/data/invoices/2024/01/**")
 *         .ttl(Duration.ofMinutes(5))
 *         .maxUses(3)
 *         .build();
 * }</pre>
 */
public final class Restrictions {
  private final List<Grant> grants;
  private final List<Caveat> caveats;
  private final Duration ttl;
  private final VerifyingKey holder;
  private final String holderJkt;
  private final boolean seal;

  private Restrictions(Builder b) {
    this.grants = List.copyOf(b.grants);
    this.caveats = List.copyOf(b.caveats);
    this.ttl = b.ttl;
    this.holder = b.holder;
    this.holderJkt = b.holderJkt == null ? null : Jkt.text(b.holderJkt);
    this.seal = b.seal;
  }

  /** Starts building restrictions; none are set. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the grants, in the order given; empty if the block lists none. */
  public List<Grant> grants() {
    return grants;
  }

  /**
   * Returns the caveats in the order given; the lifetime from {@link #ttl()} becomes an expiry
   * caveat only when the block is signed.
   */
  public List<Caveat> caveats() {
    return caveats;
  }

  /** Returns the lifetime counted from when the block is signed, if one was given. */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** Returns the key the block binds the capability to, if any. */
  public Optional<VerifyingKey> holder() {
    return Optional.ofNullable(holder);
  }

  /**
   * Returns the JWK SHA-256 thumbprint (RFC 7638, unpadded base64url) of the DPoP key the block
   * binds the capability to, if any ({@link BlockSpec#bindToDPoPKey}).
   */
  public Optional<String> holderJkt() {
    return Optional.ofNullable(holderJkt);
  }

  /** Returns true if the block forbids any further block. */
  public boolean sealed() {
    return seal;
  }

  /** Returns true if the block has its own expiry: a ttl or an expiry caveat. */
  public boolean hasExpiry() {
    return ttl != null || caveats.stream().anyMatch(Caveat.Expiry.class::isInstance);
  }

  /** Returns true if nothing is restricted: no grant, caveat, lifetime, holder or seal. */
  public boolean isEmpty() {
    return grants.isEmpty()
        && caveats.isEmpty()
        && ttl == null
        && holder == null
        && holderJkt == null
        && !seal;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Restrictions r
        && grants.equals(r.grants)
        && caveats.equals(r.caveats)
        && Objects.equals(ttl, r.ttl)
        && Objects.equals(holder, r.holder)
        && Objects.equals(holderJkt, r.holderJkt)
        && seal == r.seal;
  }

  @Override
  public int hashCode() {
    return Objects.hash(grants, caveats, ttl, holder, holderJkt, seal);
  }

  /** Returns the grants, lifetime, caveats, holder key id and seal; nothing here is secret. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Restrictions[grants=").append(grants);
    if (ttl != null) {
      s.append(", ttl=").append(ttl);
    }
    caveats.forEach(c -> s.append(", ").append(c));
    if (holder != null) {
      s.append(", holder=").append(holder.keyId());
    }
    if (holderJkt != null) {
      s.append(", holder=jkt:").append(holderJkt);
    }
    if (seal) {
      s.append(", sealed");
    }
    return s.append(']').toString();
  }

  /** Builds {@link Restrictions} with the setters of {@link BlockSpec}. */
  public static final class Builder extends BlockSpec<Builder> {
    private Builder() {}

    /** Returns the restrictions given so far; the builder can go on. */
    public Restrictions build() {
      return new Restrictions(this);
    }
  }
}
