package dev.mandate.crypto;

import dev.mandate.internal.crypto.Ed25519;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * An Ed25519 private key. Its bytes are reachable only through {@link InsecureSecretKeyAccess};
 * {@link #toString()} never prints them.
 */
public final class SigningKey {
  /** Prefix of the text form of a private key. */
  public static final String TEXT_PREFIX = "mndsk1_";

  private final byte[] seed;
  private final byte[] publicKeyBytes;
  private final VerifyingKey verifyingKey;

  private SigningKey(byte[] seed) {
    this.seed = seed;
    this.publicKeyBytes = new byte[Ed25519.PUBLIC_KEY_BYTES];
    // A key derived from a seed is a valid prime-order point by construction: no validation needed.
    var point = org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0);
    org.bouncycastle.math.ec.rfc8032.Ed25519.encodePublicPoint(point, publicKeyBytes, 0);
    this.verifyingKey = VerifyingKey.derived(publicKeyBytes.clone(), point);
  }

  /** Generates a new key from {@code random}. */
  public static SigningKey generate(SecureRandom random) {
    Objects.requireNonNull(random, "random");
    byte[] seed = new byte[Ed25519.SEED_BYTES];
    random.nextBytes(seed);
    return new SigningKey(seed);
  }

  /**
   * Returns the key with this 32-byte RFC 8032 seed.
   *
   * @throws IllegalArgumentException if the seed is not exactly 32 bytes
   */
  public static SigningKey fromSeed(byte[] seed, InsecureSecretKeyAccess access) {
    Objects.requireNonNull(access, "access");
    if (seed == null || seed.length != Ed25519.SEED_BYTES) {
      throw new IllegalArgumentException(
          "an Ed25519 private key seed is exactly 32 bytes, got "
              + (seed == null ? "none" : seed.length));
    }
    return new SigningKey(seed.clone());
  }

  /**
   * Parses the text form {@code mndsk1_<base64url seed>}.
   *
   * @throws IllegalArgumentException if the text is not a private key in that form
   */
  public static SigningKey parse(String text, InsecureSecretKeyAccess access) {
    if (text == null || !text.strip().startsWith(TEXT_PREFIX)) {
      throw new IllegalArgumentException(
          "a Mandate private key starts with '" + TEXT_PREFIX + "' (as written by mandate keygen)");
    }
    return fromSeed(
        Base64Url.decodeCanonical(text.strip().substring(TEXT_PREFIX.length()), "private key"),
        access);
  }

  /** Returns the 32-byte seed (a copy). */
  public byte[] seed(InsecureSecretKeyAccess access) {
    Objects.requireNonNull(access, "access");
    return seed.clone();
  }

  /** Returns the text form {@code mndsk1_<base64url seed>}. */
  public String toText(InsecureSecretKeyAccess access) {
    Objects.requireNonNull(access, "access");
    return TEXT_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(seed);
  }

  /** Returns the matching public key. */
  public VerifyingKey verifyingKey() {
    return verifyingKey;
  }

  /** Returns the 64-byte Ed25519 signature over {@code message}. */
  public byte[] sign(byte[] message) {
    byte[] signature = new byte[Ed25519.SIGNATURE_BYTES];
    org.bouncycastle.math.ec.rfc8032.Ed25519.sign(
        seed, 0, publicKeyBytes, 0, message, 0, message.length, signature, 0);
    return signature;
  }

  /** Returns true if {@code publicKey} is this key's public half (constant time). */
  public boolean matches(byte[] publicKey) {
    return java.security.MessageDigest.isEqual(publicKeyBytes, publicKey);
  }

  @Override
  public String toString() {
    return "SigningKey[" + verifyingKey.keyId() + ", secret redacted]";
  }
}
