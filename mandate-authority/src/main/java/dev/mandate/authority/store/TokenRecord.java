package dev.mandate.authority.store;

import java.time.Instant;
import java.util.List;

/**
 * A capability the authority minted (its metadata, not the token bytes).
 *
 * @param tokenId the token id (non-blank)
 * @param clientId the client that minted it (non-blank)
 * @param revocationIds the revocation ids of the token's blocks at mint time (at least one); copied
 * @param issuedAt issue time
 * @param expiresAt expiry; not before {@code issuedAt}
 * @param indirectId the server-side record an indirect capability names, or {@code null}
 */
public record TokenRecord(
    String tokenId,
    String clientId,
    List<String> revocationIds,
    Instant issuedAt,
    Instant expiresAt,
    String indirectId) {

  /** Validates and copies the fields; throws {@link IllegalArgumentException} on bad input. */
  public TokenRecord {
    Limits.requireText("tokenId", tokenId, Limits.ID_MAX);
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    Limits.requireNonNull("revocationIds", revocationIds);
    if (revocationIds.isEmpty() || revocationIds.size() > Limits.REVOCATION_IDS_MAX) {
      throw new IllegalArgumentException(
          "revocationIds must hold 1.."
              + Limits.REVOCATION_IDS_MAX
              + " ids, got "
              + revocationIds.size());
    }
    for (String id : revocationIds) {
      Limits.requireText("revocationIds[]", id, Limits.ID_MAX);
    }
    revocationIds = List.copyOf(revocationIds);
    Limits.requireNonNull("issuedAt", issuedAt);
    Limits.requireNonNull("expiresAt", expiresAt);
    if (expiresAt.isBefore(issuedAt)) {
      throw new IllegalArgumentException(
          "expiresAt " + expiresAt + " is before issuedAt " + issuedAt);
    }
    if (indirectId != null) {
      Limits.requireText("indirectId", indirectId, Limits.ID_MAX);
    }
  }
}
