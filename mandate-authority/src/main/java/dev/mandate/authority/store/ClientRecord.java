package dev.mandate.authority.store;

import java.time.Instant;

/**
 * A client allowed to ask the authority for capabilities. {@link #toString()} never prints the
 * hash.
 *
 * @param clientId the client id (non-blank)
 * @param secretHash the caller-produced hash of the client secret (e.g. a PBKDF2 or scrypt string)
 * @param admin whether the client may use administrative endpoints
 * @param createdAt when the client was created
 * @param disabledAt when the client was disabled (it can no longer authenticate), or null
 */
public record ClientRecord(
    String clientId, String secretHash, boolean admin, Instant createdAt, Instant disabledAt) {

  /**
   * Validates the fields; throws {@link IllegalArgumentException} on a missing or oversized field.
   */
  public ClientRecord {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    Limits.requireText("secretHash", secretHash, Limits.TEXT_MAX);
    Limits.requireNonNull("createdAt", createdAt);
  }

  /** An enabled client. */
  public ClientRecord(String clientId, String secretHash, boolean admin, Instant createdAt) {
    this(clientId, secretHash, admin, createdAt, null);
  }

  /** Whether the client was disabled and can no longer authenticate. */
  public boolean disabled() {
    return disabledAt != null;
  }

  @Override
  public String toString() {
    return "ClientRecord[clientId="
        + clientId
        + ", secretHash=<redacted>, admin="
        + admin
        + ", createdAt="
        + createdAt
        + ", disabledAt="
        + disabledAt
        + "]";
  }
}
