package dev.mandate.token;

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
    byte[] bytes = Base64Text.decodeOrNull(jkt);
    if (bytes == null) {
      throw new IllegalArgumentException("a jkt is unpadded base64url (A-Z a-z 0-9 - _)");
    }
    if (bytes.length != BYTES || !Base64Text.isCanonical(bytes, jkt)) {
      throw new IllegalArgumentException("a jkt is the canonical base64url of 32 bytes");
    }
    return bytes;
  }

  static String text(byte[] thumbprint) {
    return Base64Text.encode(thumbprint);
  }
}
