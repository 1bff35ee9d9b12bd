package dev.mandate.authority.store;

import java.time.Instant;

/**
 * Something worth recording in the audit trail.
 *
 * @param type what happened, e.g. {@code mint}, {@code approve}, {@code revoke}, {@code suspend},
 *     {@code resume}, {@code key.rotate}, {@code key.retire}, {@code policy.reload}, {@code
 *     policy.reload.failed}, {@code decision} (non-blank)
 * @param actor who did it (client id, {@code system}, gateway id) (non-blank)
 * @param tokenId the token concerned, or {@code null}
 * @param clientId the client concerned, or {@code null}
 * @param at when it happened (millisecond precision is stored)
 * @param detailJson further detail as a JSON document, or {@code null}
 */
public record AuditEvent(
    String type, String actor, String tokenId, String clientId, Instant at, String detailJson) {

  /**
   * Validates the fields; throws {@link IllegalArgumentException} on a missing or oversized field.
   */
  public AuditEvent {
    Limits.requireText("type", type, Limits.ID_MAX);
    Limits.requireText("actor", actor, Limits.ID_MAX);
    Limits.requireOptionalText("tokenId", tokenId, Limits.ID_MAX);
    Limits.requireOptionalText("clientId", clientId, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    Limits.requireOptionalText("detailJson", detailJson, Limits.DETAIL_MAX);
  }
}
