package dev.mandate.authority.store;

import java.time.Instant;

/**
 * One consent's OAuth authorization as stored: its current refresh token's hash (never the token),
 * whether it is revoked, until when it lasts, and the authority's own JSON of what it mints and has
 * issued ({@code state}, opaque here).
 *
 * @param authorizationId its revocation id
 * @param clientId the OAuth client it was given to
 * @param refreshHash the SHA-256 (hex) of the current refresh token, or null
 * @param revoked whether it was revoked
 * @param expiresAt when it ends
 * @param state the authority's JSON of the rest
 */
public record OAuthAuthorizationRecord(
    String authorizationId,
    String clientId,
    String refreshHash,
    boolean revoked,
    Instant expiresAt,
    String state) {

  /** Validates the fields. */
  public OAuthAuthorizationRecord {
    Limits.requireText("authorizationId", authorizationId, Limits.ID_MAX);
    Limits.requireText("clientId", clientId, 2048);
    Limits.requireNonNull("expiresAt", expiresAt);
    Limits.requireText("state", state, Limits.DETAIL_MAX);
  }

  @Override
  public String toString() {
    return "OAuthAuthorizationRecord[authorizationId="
        + authorizationId
        + ", clientId="
        + clientId
        + ", revoked="
        + revoked
        + ", expiresAt="
        + expiresAt
        + "]";
  }
}
