package dev.mandate.internal.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Strict Ed25519 as Mandate verifies it: exactly 32-byte public keys, exactly 64-byte signatures,
 * canonical encodings, canonical S, no small-order public keys (BouncyCastle's RFC 8032 code checks
 * the last two). This is the only signature verification path in Mandate: {@code
 * dev.mandate.crypto.VerifyingKey} verifies through it, and so does the token package for the keys
 * a token names (chain keys, holder keys), which are not validated in advance. Not API.
 */
public final class Ed25519 {
  /** Bytes of a public key. */
  public static final int PUBLIC_KEY_BYTES = 32;

  /** Bytes of a private seed. */
  public static final int SEED_BYTES = 32;

  /** Bytes of a signature. */
  public static final int SIGNATURE_BYTES = 64;

  private static final byte[] KEY_ID_DOMAIN =
      "mandate/v1/key-id\0".getBytes(StandardCharsets.US_ASCII);

  private Ed25519() {}

  /**
   * Verifies a signature by a raw public key. The key must still be canonical and not of small
   * order, or this returns false. Never throws.
   */
  public static boolean verify(
      byte[] publicKey, byte[] message, int offset, int length, byte[] signature) {
    if (publicKey == null
        || signature == null
        || message == null
        || publicKey.length != PUBLIC_KEY_BYTES
        || signature.length != SIGNATURE_BYTES) {
      return false;
    }
    return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
        signature, 0, publicKey, 0, message, offset, length);
  }

  /** Verifies a signature by a validated public point. Never throws. */
  public static boolean verify(
      org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point,
      byte[] message,
      int offset,
      int length,
      byte[] signature) {
    if (signature == null || message == null || signature.length != SIGNATURE_BYTES) {
      return false;
    }
    return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
        signature, 0, point, message, offset, length);
  }

  /**
   * The key id of 32 public key bytes (not validated): {@code mk_} and the unpadded URL-safe base64
   * of the first 12 bytes of SHA-256("mandate/v1/key-id\0" || key bytes).
   *
   * @throws IllegalArgumentException if the bytes are not exactly 32 long
   */
  public static String keyId(byte[] publicKey) {
    if (publicKey == null || publicKey.length != PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("an Ed25519 public key is exactly 32 bytes");
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(KEY_ID_DOMAIN);
      byte[] digest = sha.digest(publicKey);
      return "mk_"
          + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 12));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }
}
