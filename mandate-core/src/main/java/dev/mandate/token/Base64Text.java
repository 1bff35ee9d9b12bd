package dev.mandate.token;

import java.util.Base64;

/**
 * Unpadded URL-safe base64, the text form of tokens, proofs, approvals, revocation proofs and
 * thumbprints. Each has one spelling: a reader decodes, then checks the text is the canonical
 * spelling of what it decoded (no padding, no stray bits), each with its own message.
 */
final class Base64Text {
  private Base64Text() {}

  /** The canonical spelling of {@code bytes}. */
  static String encode(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The bytes {@code text} spells, or null when it is not URL-safe base64. */
  static byte[] decodeOrNull(String text) {
    try {
      return Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Whether {@code text} is the canonical spelling of {@code bytes}. */
  static boolean isCanonical(byte[] bytes, String text) {
    return encode(bytes).equals(text);
  }
}
