package dev.mandate.authority.store;

import java.time.Instant;
import java.util.List;

/**
 * An OAuth client that registered itself (RFC 7591). Every such client is public: it has no secret.
 *
 * @param clientId the id the authority generated
 * @param name the name it gave (untrusted text)
 * @param redirectUris its exact redirect URIs
 * @param createdAt when it registered
 */
public record OAuthClientRecord(
    String clientId, String name, List<String> redirectUris, Instant createdAt) {

  /** Validates the fields and copies the list. */
  public OAuthClientRecord {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    Limits.requireText("name", name, Limits.TEXT_MAX);
    Limits.requireNonNull("redirectUris", redirectUris);
    Limits.requireNonNull("createdAt", createdAt);
    redirectUris = List.copyOf(redirectUris);
  }
}
