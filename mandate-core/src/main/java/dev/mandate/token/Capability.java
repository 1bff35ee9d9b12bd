package dev.mandate.token;

import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A capability token: a signed chain of blocks (see docs/spec.md). Instances are immutable. A
 * decoded capability is only known to be well-formed; whether it is genuine and what it allows is
 * decided by a {@link Verifier}.
 *
 * <p>Create one with {@link #mint(SigningKey)} (an authority), narrow it with {@link #attenuate()}
 * (any holder, offline), and pass it around in its text form {@link #toText()}.
 */
public final class Capability {
  private final Chain chain;

  private Capability(Chain chain) {
    this.chain = chain;
  }

  /**
   * Decodes the text form {@code mnd1_...} with the default {@link Limits}. Checks structure only,
   * not signatures.
   *
   * @throws InvalidTokenException if the text is not a well-formed token
   */
  public static Capability decode(String text) {
    return decode(text, Limits.DEFAULTS);
  }

  /**
   * Decodes the text form {@code mnd1_...} under these limits. Checks structure only.
   *
   * @throws InvalidTokenException if the text is not a well-formed token
   */
  public static Capability decode(String text, Limits limits) {
    try {
      return new Capability(Chain.decodeText(text == null ? null : text.strip(), limits));
    } catch (FormatException e) {
      throw new InvalidTokenException(e.code(), -1, e.getMessage());
    } catch (Chain.BlockFormatException e) {
      throw new InvalidTokenException(
          e.cause.code(), e.block, "block " + e.block + ": " + e.getMessage());
    }
  }

  static Capability of(Chain chain) {
    return new Capability(chain);
  }

  Chain chain() {
    return chain;
  }

  /** Starts minting a capability signed by an authority root key. */
  public static Minter mint(SigningKey rootKey) {
    return new Minter(Objects.requireNonNull(rootKey, "rootKey"));
  }

  /** Starts a new attenuation block on this capability. */
  public Attenuator attenuate() {
    return new Attenuator(this);
  }

  /** Returns the text form: {@code mnd1_} and the unpadded URL-safe base64 of the binary form. */
  public String toText() {
    return chain.toText();
  }

  /** Returns the binary form (a copy). */
  public byte[] toBytes() {
    return chain.binary.clone();
  }

  /** Returns the blocks in order; block 0 is the authority block. */
  public List<Block> blocks() {
    return chain.links.stream().map(Chain.Link::block).toList();
  }

  /** Returns the revocation id of each block, in order. */
  public List<String> revocationIds() {
    return chain.revocationIds;
  }

  /** Returns the token id (hex), shared by every attenuation of the same minted token. */
  public String tokenId() {
    return chain.tokenId;
  }

  /** Returns the id of the root key that signed the authority block. */
  public String rootKeyId() {
    return chain.rootKeyId;
  }

  /** Returns the key id of the current holder, if the capability is holder-bound. */
  public Optional<String> holderKeyId() {
    return Optional.ofNullable(chain.last().block().holderKeyId());
  }

  /** Returns true if no further block can be added. */
  public boolean sealed() {
    return chain.last().sealed();
  }

  /** Returns the earliest expiry of all blocks. */
  public Instant expiresAt() {
    return chain.links.stream()
        .flatMap(l -> l.caveats().stream())
        .filter(c -> c instanceof Caveat.Expiry)
        .map(c -> ((Caveat.Expiry) c).notAfter())
        .min(Instant::compareTo)
        .orElseThrow();
  }

  @Override
  public String toString() {
    return "Capability[token " + chain.tokenId + ", " + chain.links.size() + " blocks]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Capability other
        && java.util.Arrays.equals(chain.binary, other.chain.binary);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(chain.binary);
  }

  /** Builds the authority block of a new capability. */
  public static final class Minter extends BlockSigner<Minter> {
    private final SigningKey rootKey;

    private Minter(SigningKey rootKey) {
      this.rootKey = rootKey;
    }

    /**
     * Signs and returns the new capability.
     *
     * @throws IllegalStateException if there is no grant or no expiry, or the expiry is not after
     *     the issue time
     * @throws IllegalArgumentException if the block holds more than the token format carries (a
     *     limit of {@link Limits#DEFAULTS}) or text that UTF-8 cannot encode
     */
    public Capability sign() {
      if (grants.isEmpty()) {
        throw new IllegalStateException("a capability needs at least one grant (allow ...)");
      }
      List<Caveat> all = finalCaveats(clock.instant());
      Instant issuedAt = Instant.ofEpochSecond(clock.instant().getEpochSecond());
      Instant expiry =
          all.stream()
              .filter(c -> c instanceof Caveat.Expiry)
              .map(c -> ((Caveat.Expiry) c).notAfter())
              .min(Instant::compareTo)
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "a capability needs an expiry (ttl or expiresAt); it is mandatory"));
      if (!expiry.isAfter(issuedAt)) {
        throw new IllegalStateException(
            "the expiry " + expiry + " is not after the issue time " + issuedAt);
      }
      SecureRandom rng = randomness();
      byte[] tokenId = new byte[Chain.TOKEN_ID_BYTES];
      rng.nextBytes(tokenId);
      NextKey next = NextKey.choose(holder, holderJkt, seal, rng);
      byte[] payload =
          Chain.payload(
              0,
              tokenId,
              rootKey.verifyingKey().keyId(),
              issuedAt,
              grants,
              all,
              next.publicKey,
              next.commitment,
              next.flags);
      byte[] signature = rootKey.sign(Chain.message(new byte[32], payload));
      byte[] binary = Chain.assemble(List.of(payload), List.of(signature), next.secret);
      return signed(binary);
    }
  }

  /** Builds an attenuation block on an existing capability. */
  public static final class Attenuator extends BlockSigner<Attenuator> {
    private final Capability parent;

    private Attenuator(Capability parent) {
      this.parent = parent;
    }

    /**
     * Signs the new block with the chain secret carried by a bearer capability.
     *
     * @throws IllegalStateException if the capability is sealed, holder-bound (use {@link
     *     #sign(SigningKey)}), or may not be attenuated further
     */
    public Capability sign() {
      return sign(null);
    }

    /**
     * Signs the new block with the current holder's key (required for a holder-bound capability;
     * must be null or unused for a bearer one).
     *
     * @throws IllegalStateException if the capability is sealed or may not be attenuated further,
     *     or a holder-bound capability is signed without the holder's key
     * @throws IllegalArgumentException if {@code holderKey} is not the current holder's key, or is
     *     given for a bearer capability, or the block holds more than the token format carries (a
     *     limit of {@link Limits#DEFAULTS}) or text that UTF-8 cannot encode
     */
    public Capability sign(SigningKey holderKey) {
      Chain chain = parent.chain;
      if (chain.last().sealed()) {
        throw new IllegalStateException("this capability is sealed; it cannot be attenuated");
      }
      if (chain.last().jktBound()) {
        throw new IllegalStateException(
            "this capability is bound to a DPoP key, which cannot sign a block; it cannot be"
                + " attenuated (ask its authority for a narrower one)");
      }
      int newIndex = chain.links.size();
      if (newIndex + 1 > Limits.DEFAULTS.maxBlocks()) {
        throw new IllegalStateException(
            "this capability already has the maximum of "
                + Limits.DEFAULTS.maxBlocks()
                + " blocks");
      }
      for (Chain.Link link : chain.links) {
        for (Caveat c : link.caveats()) {
          if (c instanceof Caveat.MaxDepth d && newIndex - link.block().index() > d.blocks()) {
            throw new IllegalStateException(
                "block "
                    + link.block().index()
                    + " allows at most "
                    + d.blocks()
                    + " further blocks; this capability cannot be attenuated further");
          }
        }
      }
      SigningKey signer;
      byte[] currentHolder = chain.holderKey();
      if (currentHolder != null) {
        if (holderKey == null) {
          throw new IllegalStateException(
              "this capability is bound to holder "
                  + chain.last().block().holderKeyId()
                  + "; sign the new block with that holder's key");
        }
        if (!holderKey.matches(currentHolder)) {
          throw new IllegalArgumentException(
              "the key "
                  + holderKey.verifyingKey().keyId()
                  + " is not the capability's holder "
                  + chain.last().block().holderKeyId());
        }
        signer = holderKey;
      } else {
        if (holderKey != null) {
          throw new IllegalArgumentException(
              "this capability is not holder-bound; sign the new block without a holder key");
        }
        signer = SigningKey.fromSeed(chain.secret, InsecureSecretKeyAccess.get());
      }
      SecureRandom rng = randomness();
      NextKey next;
      if (holder == null && holderJkt == null && currentHolder != null) {
        next =
            new NextKey(
                currentHolder,
                Chain.NO_COMMITMENT,
                Chain.FLAG_HOLDER | (seal ? Chain.FLAG_SEALED : 0),
                null);
      } else {
        next = NextKey.choose(holder, holderJkt, seal, rng);
      }
      byte[] payload =
          Chain.payload(
              newIndex,
              null,
              null,
              null,
              grants,
              finalCaveats(clock.instant()),
              next.publicKey,
              next.commitment,
              next.flags);
      byte[] signature = signer.sign(Chain.message(chain.last().digest(), payload));
      List<byte[]> payloads = new ArrayList<>();
      List<byte[]> signatures = new ArrayList<>();
      for (int i = 0; i < chain.links.size(); i++) {
        payloads.add(chain.payloadOf(i));
        signatures.add(chain.links.get(i).signature());
      }
      payloads.add(payload);
      signatures.add(signature);
      byte[] binary = Chain.assemble(payloads, signatures, next.secret);
      return signed(binary);
    }
  }

  /**
   * The capability just signed, decoded as every verifier will decode it; what a decoder would
   * refuse (a limit of {@link Limits#DEFAULTS} exceeded) is refused here, never handed out.
   */
  private static Capability signed(byte[] binary) {
    try {
      return new Capability(Chain.decode(binary, Limits.DEFAULTS));
    } catch (FormatException e) {
      throw new IllegalArgumentException("the token cannot be encoded: " + e.getMessage());
    } catch (Chain.BlockFormatException e) {
      throw new IllegalArgumentException(
          "block " + e.block + " cannot be encoded: " + e.getMessage());
    }
  }

  /** The key a new block names for the next signer, and the secret the token carries, if any. */
  private record NextKey(byte[] publicKey, byte[] commitment, int flags, byte[] secret) {
    static NextKey choose(
        dev.mandate.crypto.VerifyingKey holder, byte[] jkt, boolean seal, SecureRandom rng) {
      int sealFlag = seal ? Chain.FLAG_SEALED : 0;
      if (jkt != null) {
        return new NextKey(
            jkt.clone(), Chain.NO_COMMITMENT, Chain.FLAG_HOLDER | Chain.FLAG_JKT | sealFlag, null);
      }
      if (holder != null) {
        return new NextKey(holder.bytes(), Chain.NO_COMMITMENT, Chain.FLAG_HOLDER | sealFlag, null);
      }
      SigningKey ephemeral = SigningKey.generate(rng);
      if (seal) {
        return new NextKey(ephemeral.verifyingKey().bytes(), Chain.NO_COMMITMENT, sealFlag, null);
      }
      byte[] secret = ephemeral.seed(InsecureSecretKeyAccess.get());
      return new NextKey(
          ephemeral.verifyingKey().bytes(), Chain.commitment(secret), sealFlag, secret);
    }
  }
}
