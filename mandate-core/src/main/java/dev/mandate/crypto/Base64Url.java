package dev.mandate.crypto;

import java.util.Base64;

/** Canonical unpadded URL-safe base64: the only accepted spelling of a byte string. */
final class Base64Url {
  private Base64Url() {}

  static byte[] decodeCanonical(String text, String what) {
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not valid URL-safe base64");
    }
    if (!Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(text)) {
      throw new IllegalArgumentException(
          what + " is not canonical URL-safe base64 (no padding, no stray bits)");
    }
    return bytes;
  }
}
