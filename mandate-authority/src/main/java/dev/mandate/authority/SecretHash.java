package dev.mandate.authority;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted, slow hashes of client secrets: PBKDF2-HMAC-SHA256 from the JDK. The stored string names
 * the algorithm and its parameters, {@code $pbkdf2-sha256$i=<iterations>$<salt>$<hash>} (base64url
 * without padding), so the cost can be raised later without breaking existing hashes.
 */
final class SecretHash {
  static final int ITERATIONS = 210_000;
  private static final String ALGORITHM = "pbkdf2-sha256";
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final int MIN_ITERATIONS = 100_000;
  private static final int MAX_ITERATIONS = 10_000_000;

  private SecretHash() {}

  /** Hashes {@code secret} with a fresh salt. */
  static String hash(String secret, SecureRandom random) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] hash = pbkdf2(secret, salt, ITERATIONS);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return "$"
        + ALGORITHM
        + "$i="
        + ITERATIONS
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(hash);
  }

  /**
   * Returns true if {@code secret} matches {@code stored}; compares in constant time. A stored
   * string in an unknown format never matches.
   */
  static boolean matches(String secret, String stored) {
    String[] parts = stored.split("\\$", -1);
    if (parts.length != 5
        || !parts[0].isEmpty()
        || !parts[1].equals(ALGORITHM)
        || !parts[2].startsWith("i=")) {
      return false;
    }
    int iterations;
    byte[] salt;
    byte[] expected;
    try {
      iterations = Integer.parseInt(parts[2].substring(2));
      salt = Base64.getUrlDecoder().decode(parts[3]);
      expected = Base64.getUrlDecoder().decode(parts[4]);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (iterations < MIN_ITERATIONS
        || iterations > MAX_ITERATIONS
        || expected.length == 0
        || expected.length > 64) {
      return false;
    }
    byte[] actual = pbkdf2(secret, salt, iterations, expected.length);
    return MessageDigest.isEqual(actual, expected);
  }

  private static byte[] pbkdf2(String secret, byte[] salt, int iterations) {
    return pbkdf2(secret, salt, iterations, HASH_BYTES);
  }

  private static byte[] pbkdf2(String secret, byte[] salt, int iterations, int length) {
    PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), salt, iterations, length * 8);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is required by the Java platform", e);
    } finally {
      spec.clearPassword();
    }
  }

  /** A fresh random client secret, {@code mndcs1_} and 32 random bytes in base64url. */
  static String newSecret(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return "mndcs1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
