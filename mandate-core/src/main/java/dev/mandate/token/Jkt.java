package dev.mandate.token;

import java.util.Base64;

/** The text form of a JWK SHA-256 thumbprint (RFC 7638): unpadded base64url of 32 bytes. */
final class Jkt {
  static final int BYTES = 32;

  private Jkt() {}

  /**
   * Decodes a thumbprint's text form.
   *
   * @throws IllegalArgumentException if it is not the canonical unpadded base64url of 32 bytes
   */
  static byte[] decode(String jkt) {
    if (jkt == null || jkt.length() != 43) {
      throw new IllegalArgumentException(
          "a JWK SHA-256 thumbprint (jkt) is 43 characters of unpadded base64url");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(jkt);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a jkt is unpadded base64url (A-Z a-z 0-9 - _)");
    }
    if (bytes.length != BYTES || !text(bytes).equals(jkt)) {
      throw new IllegalArgumentException("a jkt is the canonical base64url of 32 bytes");
    }
    return bytes;
  }

  static String text(byte[] thumbprint) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(thumbprint);
  }
}
