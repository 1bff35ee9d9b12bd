package dev.mandate.crypto;

import dev.mandate.internal.crypto.Ed25519;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * An Ed25519 public key that passed full validation: canonical encoding, on the curve, in the
 * prime-order subgroup (so never a small-order point). Immutable.
 *
 * <p>Text form: {@code mndpk1_} followed by the unpadded URL-safe base64 of the 32 key bytes. The
 * key id is derived from the key bytes (see {@link #keyId()}).
 */
public final class VerifyingKey {
  /** Prefix of the text form of a public key. */
  public static final String TEXT_PREFIX = "mndpk1_";

  private final byte[] bytes;
  private final org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point;
  private final String keyId;

  private VerifyingKey(byte[] bytes, org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point) {
    this.bytes = bytes;
    this.point = point;
    this.keyId = deriveKeyId(bytes);
  }

  /** A key derived from a private seed, valid by construction. */
  static VerifyingKey derived(
      byte[] bytes, org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point) {
    return new VerifyingKey(bytes, point);
  }

  /**
   * Returns the key with these 32 bytes.
   *
   * @throws IllegalArgumentException if the bytes are not exactly 32 long, not a canonical point
   *     encoding, or a point of small order
   */
  public static VerifyingKey fromBytes(byte[] bytes) {
    if (bytes == null || bytes.length != Ed25519.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException(
          "an Ed25519 public key is exactly 32 bytes, got "
              + (bytes == null ? "none" : bytes.length));
    }
    byte[] copy = bytes.clone();
    var point = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(copy, 0);
    if (point == null) {
      throw new IllegalArgumentException(
          "not a valid Ed25519 public key: non-canonical encoding, not on the curve, or of small"
              + " order");
    }
    return new VerifyingKey(copy, point);
  }

  /**
   * Parses the text form {@code mndpk1_<base64url>}.
   *
   * @throws IllegalArgumentException if the text is not a valid public key in that form
   */
  public static VerifyingKey parse(String text) {
    if (text == null || !text.strip().startsWith(TEXT_PREFIX)) {
      throw new IllegalArgumentException(
          "a Mandate public key starts with '" + TEXT_PREFIX + "' (as written by mandate keygen)");
    }
    String body = text.strip().substring(TEXT_PREFIX.length());
    return fromBytes(Base64Url.decodeCanonical(body, "public key"));
  }

  /** Returns the 32 key bytes (a copy). */
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * Returns the key id: {@code mk_} followed by the unpadded URL-safe base64 of the first 12 bytes
   * of SHA-256("mandate/v1/key-id\0" || key bytes).
   */
  public String keyId() {
    return keyId;
  }

  /** Returns the text form, {@code mndpk1_<base64url>}. */
  public String toText() {
    return TEXT_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Verifies an Ed25519 signature strictly.
   *
   * @return true only for a valid 64-byte signature by this key over exactly {@code message}
   */
  public boolean verify(byte[] message, byte[] signature) {
    return Ed25519.verify(point, message, 0, message.length, signature);
  }

  /** As {@link #verify(byte[], byte[])} over {@code message[offset, offset+length)}. */
  public boolean verify(byte[] message, int offset, int length, byte[] signature) {
    return Ed25519.verify(point, message, offset, length, signature);
  }

  private static String deriveKeyId(byte[] key) {
    return Ed25519.keyId(key);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifyingKey other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "VerifyingKey[" + keyId + "]";
  }
}
