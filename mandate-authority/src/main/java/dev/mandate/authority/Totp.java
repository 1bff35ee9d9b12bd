package dev.mandate.authority;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import com.google.common.io.BaseEncoding;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA1, 6 digits, a
 * 30-second step, a 160-bit secret shown once as an {@code otpauth://} URI. A code is accepted for
 * its own step and the steps just before and after it (clock drift); the caller records the step
 * used so the same code cannot be used twice.
 */
final class Totp {
  static final Duration STEP = Duration.ofSeconds(30);
  static final int DIGITS = 6;
  static final int SECRET_BYTES = 20;
  private static final String ALGORITHM =
      TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA1;

  private final TimeBasedOneTimePasswordGenerator generator;

  Totp() {
    this(DIGITS, ALGORITHM);
  }

  /** For the RFC's test vectors, which use 8 digits and SHA-256 and SHA-512 too. */
  Totp(int digits, String algorithm) {
    this.generator = new TimeBasedOneTimePasswordGenerator(STEP, digits, algorithm);
  }

  static byte[] newSecret(SecureRandom random) {
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(secret);
    return secret;
  }

  /**
   * The URI an authenticator app reads (as a QR code or typed in): {@code
   * otpauth://totp/Mandate:NAME?secret=BASE32&issuer=Mandate&...}.
   */
  static String uri(String issuer, String account, byte[] secret) {
    String label = encode(issuer) + ":" + encode(account);
    return "otpauth://totp/"
        + label
        + "?secret="
        + BaseEncoding.base32().omitPadding().encode(secret)
        + "&issuer="
        + encode(issuer)
        + "&algorithm=SHA1&digits="
        + DIGITS
        + "&period="
        + STEP.toSeconds();
  }

  /** The code for {@code at}, zero-padded. */
  String code(byte[] secret, Instant at) {
    try {
      return generator.generateOneTimePasswordString(key(secret), at, java.util.Locale.ROOT);
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("an HMAC key of any length is valid", e);
    }
  }

  /**
   * The time step {@code code} belongs to, if it is the code of the step of {@code now} or of the
   * step before or after it; empty otherwise (compared in constant time, every candidate checked).
   */
  OptionalLong verify(byte[] secret, String code, Instant now) {
    if (code == null) {
      return OptionalLong.empty();
    }
    String given = code.replace(" ", "");
    if (given.length() != generator.getPasswordLength()
        || !given.chars().allMatch(Character::isDigit)) {
      return OptionalLong.empty();
    }
    long step = now.getEpochSecond() / STEP.toSeconds();
    long matched = -1;
    for (long s = step - 1; s <= step + 1; s++) {
      String expected = code(secret, Instant.ofEpochSecond(s * STEP.toSeconds()));
      if (MessageDigest.isEqual(
          expected.getBytes(StandardCharsets.US_ASCII),
          given.getBytes(StandardCharsets.US_ASCII))) {
        matched = s;
      }
    }
    return matched < 0 ? OptionalLong.empty() : OptionalLong.of(matched);
  }

  private SecretKeySpec key(byte[] secret) {
    return new SecretKeySpec(secret, generator.getAlgorithm());
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
