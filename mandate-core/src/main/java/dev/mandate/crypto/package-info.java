/**
 * Ed25519 keys as Mandate uses them: {@link dev.mandate.crypto.SigningKey} (secret, redacted) and
 * {@link dev.mandate.crypto.VerifyingKey} (validated public key with a derived key id).
 */
package dev.mandate.crypto;
