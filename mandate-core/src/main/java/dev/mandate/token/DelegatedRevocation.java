package dev.mandate.token;

import dev.mandate.crypto.SigningKey;
import dev.mandate.internal.crypto.Ed25519;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Revoking what one delegated, without touching one's own capability (spec section 4.2): block
 * {@code i >= 1} of a chain was signed by the key block {@code i-1} names, which is the delegator's
 * holder key (or, for a bearer parent, the key whose seed the parent carries). Whoever holds that
 * key can ask for block {@code i}'s revocation id to be revoked, which denies the delegated
 * capability and everything derived from it, and leaves blocks {@code 0..i-1}, the delegator's own
 * capability, valid.
 *
 * <pre>
 * proof   = version:u8 (=1)  time:i64 (Unix ms)  signature:bytes[64]      text: "mndr1_" + base64url
 * message = "mandate/v1/revoke" || 0x00 || token-id (16) || revocation-id of block i (32) || time
 * </pre>
 */
public final class DelegatedRevocation {
  /** The text prefix of a revocation proof. */
  public static final String PREFIX = "mndr1_";

  /** How far a proof's time may be from the checker's clock. */
  public static final Duration WINDOW = Duration.ofMinutes(5);

  private static final byte[] DOMAIN = "mandate/v1/revoke\0".getBytes(StandardCharsets.US_ASCII);
  private static final int PROOF_BYTES = 1 + 8 + 64;

  private DelegatedRevocation() {}

  /**
   * Signs a request to revoke block {@code block} of {@code token}, with the key that signed that
   * block: the delegator's holder key.
   *
   * @return the proof's text form
   * @throws IllegalArgumentException if the block is not 1 to the last block, or the key is not the
   *     one that signed it
   */
  public static String sign(Capability token, int block, SigningKey delegatorKey, Instant now) {
    Objects.requireNonNull(delegatorKey, "delegatorKey");
    Chain chain = token.chain();
    requireDelegatedBlock(chain, block);
    if (!delegatorKey.matches(chain.links.get(block - 1).nextKey())) {
      throw new IllegalArgumentException(
          "the key "
              + delegatorKey.verifyingKey().keyId()
              + " did not sign block "
              + block
              + "; only the key block "
              + (block - 1)
              + " names (the delegator's) may revoke it");
    }
    long time = now.toEpochMilli();
    byte[] signature = delegatorKey.sign(message(chain, block, time));
    ByteBuffer proof = ByteBuffer.allocate(PROOF_BYTES).put((byte) 1).putLong(time).put(signature);
    return PREFIX + Base64Text.encode(proof.array());
  }

  /**
   * Returns the revocation id of block {@code block} of a capability whose chain verifies under the
   * trusted keys (signatures and root key only: an expired or revoked capability may still have
   * blocks revoked).
   *
   * @throws InvalidTokenException saying why not: the token does not verify, or there is no such
   *     delegated block (1 to the last)
   */
  public static String revocationId(String token, int block, TrustedKeys trustedKeys) {
    return delegatedBlock(token, block, trustedKeys).links.get(block).block().revocationId();
  }

  /** The verified chain, which has a delegated block {@code block}. */
  private static Chain delegatedBlock(String token, int block, TrustedKeys trustedKeys) {
    Chain chain = verified(token, trustedKeys);
    try {
      requireDelegatedBlock(chain, block);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException(Decision.Code.INVALID_REQUEST, -1, e.getMessage());
    }
    return chain;
  }

  /**
   * As {@link #revocationId}, and checks that {@code proof} was made by the key that signed the
   * block (the delegator's), over this token id and block, within {@link #WINDOW} of the clock.
   *
   * @throws InvalidTokenException saying why not
   */
  public static String checkProof(
      String token, int block, String proof, TrustedKeys trustedKeys, Clock clock) {
    Chain chain = delegatedBlock(token, block, trustedKeys);
    byte[] bytes = decodeProof(proof);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    in.get();
    long time = in.getLong();
    byte[] signature = new byte[64];
    in.get(signature);
    Instant at = Instant.ofEpochMilli(time);
    Instant now = clock.instant();
    if (at.isBefore(now.minus(WINDOW)) || at.isAfter(now.plus(WINDOW))) {
      throw refused(
          "the revocation proof was made at " + at + ", not within " + WINDOW + " of now");
    }
    byte[] delegator = chain.links.get(block - 1).nextKey();
    byte[] message = message(chain, block, time);
    if (!Ed25519.verify(delegator, message, 0, message.length, signature)) {
      throw refused(
          "the revocation proof is not signed by the key that signed block "
              + block
              + " (the delegator's)");
    }
    return chain.links.get(block).block().revocationId();
  }

  private static Chain verified(String token, TrustedKeys trustedKeys) {
    try {
      return new ChainCheck(trustedKeys, Limits.DEFAULTS, 0).verified(token).chain();
    } catch (Reasons.Denial d) {
      throw new InvalidTokenException(d.decision.code(), d.decision.block(), d.getMessage());
    } catch (Chain.BlockFormatException e) {
      throw new InvalidTokenException(e.cause.code(), e.block, e.getMessage());
    } catch (FormatException e) {
      throw new InvalidTokenException(e.code(), -1, e.getMessage());
    }
  }

  private static void requireDelegatedBlock(Chain chain, int block) {
    if (block < 1 || block >= chain.links.size()) {
      throw new IllegalArgumentException(
          "block "
              + block
              + " is not a delegated block of this token (1 to "
              + (chain.links.size() - 1)
              + "); block 0 is the authority's, revoked by the client that minted it");
    }
  }

  private static byte[] message(Chain chain, int block, long time) {
    byte[] tokenId = HexFormat.of().parseHex(chain.tokenId);
    byte[] revocationId = chain.links.get(block).digest();
    return ByteBuffer.allocate(DOMAIN.length + 16 + 32 + 8)
        .put(DOMAIN)
        .put(tokenId)
        .put(revocationId)
        .putLong(time)
        .array();
  }

  private static byte[] decodeProof(String proof) {
    if (proof == null || !proof.startsWith(PREFIX) || proof.length() > 200) {
      throw refused("a revocation proof is " + PREFIX + " followed by base64url");
    }
    String body = proof.substring(PREFIX.length());
    byte[] bytes = Base64Text.decodeOrNull(body);
    if (bytes == null) {
      throw refused("the revocation proof is not base64url");
    }
    if (bytes.length != PROOF_BYTES || bytes[0] != 1 || !Base64Text.isCanonical(bytes, body)) {
      throw refused("the revocation proof is not a version 1 proof of " + PROOF_BYTES + " bytes");
    }
    return bytes;
  }

  private static InvalidTokenException refused(String why) {
    return new InvalidTokenException(Decision.Code.PROOF_INVALID, -1, why);
  }
}
