package dev.mandate.crypto;

/**
 * Strict Ed25519 as Mandate verifies it: exactly 32-byte public keys, exactly 64-byte signatures,
 * canonical encodings, canonical S, no small-order public keys (BouncyCastle's RFC 8032 code checks
 * the last two). This is the only signature verification path in Mandate.
 */
final class Ed25519 {
  static final int PUBLIC_KEY_BYTES = 32;
  static final int SEED_BYTES = 32;
  static final int SIGNATURE_BYTES = 64;

  private Ed25519() {}

  static boolean verify(
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

  static boolean verify(
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
}
