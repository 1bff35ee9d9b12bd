package dev.mandate.authority;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Salted, slow hashes. Client secrets (random, 256 bits) get PBKDF2-HMAC-SHA256 from the JDK;
 * people's passwords (chosen by people, so guessable) get Argon2id, memory-hard, from BouncyCastle.
 * The stored string names the algorithm and its parameters, {@code
 * $pbkdf2-sha256$i=<iterations>$<salt>$<hash>} (base64url without padding) or the PHC string {@code
 * $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>} (base64 without padding), so the cost
 * can be raised later without breaking existing hashes; {@link #matches} verifies both.
 */
final class SecretHash {
  /** Argon2id cost for passwords: 19 MiB, 2 passes, 1 lane (the OWASP minimum). */
  static final int ARGON2_MEMORY_KIB = 19 * 1024;

  static final int ARGON2_PASSES = 2;
  private static final String ARGON2 = "argon2id";
  private static final int ARGON2_MAX_MEMORY_KIB = 1024 * 1024;
  private static final int ARGON2_MAX_PASSES = 16;
  private static final int ARGON2_MAX_LANES = 8;

  static final int ITERATIONS = 210_000;
  private static final String ALGORITHM = "pbkdf2-sha256";
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final int MIN_ITERATIONS = 100_000;
  private static final int MAX_ITERATIONS = 10_000_000;

  private SecretHash() {}

  /** Hashes {@code secret} with a fresh salt. */
  static String hash(String secret, SecureRandom random) {
    byte[] salt = salt(random);
    byte[] hash = pbkdf2(secret, salt, ITERATIONS);
    return stored(
        ALGORITHM + "$i=" + ITERATIONS, Base64.getUrlEncoder().withoutPadding(), salt, hash);
  }

  /** Hashes a person's password with Argon2id and a fresh salt. */
  static String hashPassword(String password, SecureRandom random) {
    byte[] salt = salt(random);
    byte[] hash = argon2(password, salt, ARGON2_MEMORY_KIB, ARGON2_PASSES, 1, HASH_BYTES);
    return stored(
        ARGON2 + "$v=19$m=" + ARGON2_MEMORY_KIB + ",t=" + ARGON2_PASSES + ",p=1",
        Base64.getEncoder().withoutPadding(),
        salt,
        hash);
  }

  private static byte[] salt(SecureRandom random) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return salt;
  }

  /** The stored form, {@code $PARAMETERS$SALT$HASH}, salt and hash in {@code b64}. */
  private static String stored(String parameters, Base64.Encoder b64, byte[] salt, byte[] hash) {
    return "$" + parameters + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
  }

  /** Whether {@code stored} is a hash this class can verify. */
  static boolean isKnownFormat(String stored) {
    return stored != null
        && (stored.startsWith("$" + ALGORITHM + "$") || stored.startsWith("$" + ARGON2 + "$"));
  }

  /**
   * Returns true if {@code secret} matches {@code stored} (either format); compares in constant
   * time. A stored string in an unknown format, or with parameters out of bounds, never matches.
   */
  static boolean matches(String secret, String stored) {
    if (stored.startsWith("$" + ARGON2 + "$")) {
      return matchesArgon2(secret, stored);
    }
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

  private static boolean matchesArgon2(String secret, String stored) {
    String[] parts = stored.split("\\$", -1);
    if (parts.length != 6 || !parts[0].isEmpty() || !parts[2].equals("v=19")) {
      return false;
    }
    int memory;
    int passes;
    int lanes;
    byte[] salt;
    byte[] expected;
    try {
      String[] params = parts[3].split(",", -1);
      if (params.length != 3
          || !params[0].startsWith("m=")
          || !params[1].startsWith("t=")
          || !params[2].startsWith("p=")) {
        return false;
      }
      memory = Integer.parseInt(params[0].substring(2));
      passes = Integer.parseInt(params[1].substring(2));
      lanes = Integer.parseInt(params[2].substring(2));
      salt = Base64.getDecoder().decode(parts[4]);
      expected = Base64.getDecoder().decode(parts[5]);
    } catch (IllegalArgumentException e) {
      return false;
    }
    // Bounds, so a stored hash cannot make a check cost unbounded memory or time.
    if (lanes < 1
        || lanes > ARGON2_MAX_LANES
        || memory < 8 * lanes
        || memory > ARGON2_MAX_MEMORY_KIB
        || passes < 1
        || passes > ARGON2_MAX_PASSES
        || salt.length < 8
        || expected.length < 16
        || expected.length > 64) {
      return false;
    }
    byte[] actual = argon2(secret, salt, memory, passes, lanes, expected.length);
    return MessageDigest.isEqual(actual, expected);
  }

  private static byte[] argon2(
      String secret, byte[] salt, int memoryKib, int passes, int lanes, int length) {
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withMemoryAsKB(memoryKib)
            .withIterations(passes)
            .withParallelism(lanes)
            .withSalt(salt)
            .build());
    byte[] out = new byte[length];
    byte[] password = secret.getBytes(StandardCharsets.UTF_8);
    try {
      generator.generateBytes(password, out);
    } finally {
      Arrays.fill(password, (byte) 0);
    }
    return out;
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
