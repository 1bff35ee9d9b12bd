package dev.mandate.authority.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A stored root key. The store treats {@code sealedPrivateKey} as opaque bytes: it is the private
 * key already encrypted (sealed) by the caller. {@link #toString()} never prints it.
 *
 * @param keyId the key id that tokens name (non-blank)
 * @param publicKey the encoded public key (non-blank)
 * @param sealedPrivateKey the encrypted private key, as opaque bytes (non-empty); defensively
 *     copied
 * @param state the life-cycle state
 * @param createdAt when the key was created
 * @param retiredAt when the key was retired, or {@code null} while it is not {@link
 *     KeyState#RETIRED}
 */
public record RootKeyRecord(
    String keyId,
    String publicKey,
    byte[] sealedPrivateKey,
    KeyState state,
    Instant createdAt,
    Instant retiredAt) {

  /**
   * Validates and copies the fields; throws {@link IllegalArgumentException} on a missing field.
   */
  public RootKeyRecord {
    Limits.requireText("keyId", keyId, Limits.ID_MAX);
    Limits.requireText("publicKey", publicKey, Limits.KEY_MAX);
    if (sealedPrivateKey == null || sealedPrivateKey.length == 0) {
      throw new IllegalArgumentException("sealedPrivateKey must be non-empty bytes");
    }
    if (sealedPrivateKey.length > Limits.KEY_MAX) {
      throw new IllegalArgumentException(
          "sealedPrivateKey is " + sealedPrivateKey.length + " bytes; at most " + Limits.KEY_MAX);
    }
    sealedPrivateKey = sealedPrivateKey.clone();
    Limits.requireNonNull("state", state);
    Limits.requireNonNull("createdAt", createdAt);
  }

  /** Returns a copy of the sealed private key bytes. */
  @Override
  public byte[] sealedPrivateKey() {
    return sealedPrivateKey.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RootKeyRecord r
        && keyId.equals(r.keyId)
        && publicKey.equals(r.publicKey)
        && Arrays.equals(sealedPrivateKey, r.sealedPrivateKey)
        && state == r.state
        && createdAt.equals(r.createdAt)
        && Objects.equals(retiredAt, r.retiredAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        keyId, publicKey, Arrays.hashCode(sealedPrivateKey), state, createdAt, retiredAt);
  }

  @Override
  public String toString() {
    return "RootKeyRecord[keyId="
        + keyId
        + ", publicKey="
        + publicKey
        + ", sealedPrivateKey=<redacted>"
        + ", state="
        + state
        + ", createdAt="
        + createdAt
        + ", retiredAt="
        + retiredAt
        + "]";
  }
}
