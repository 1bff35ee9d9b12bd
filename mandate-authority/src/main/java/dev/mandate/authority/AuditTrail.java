package dev.mandate.authority;

import dev.mandate.authority.store.AuditEvent;
import dev.mandate.authority.store.AuditRecord;
import dev.mandate.authority.store.AuthorityStore;
import java.time.Clock;
import java.util.Map;

/** Writes the authority's own events to the hash-chained audit trail. Never given token text. */
final class AuditTrail {
  static final String SYSTEM = "system";

  private final AuthorityStore store;
  private final Clock clock;

  AuditTrail(AuthorityStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  AuditRecord record(
      String type, String actor, String tokenId, String clientId, Map<String, ?> detail) {
    return store.append(event(type, actor, tokenId, clientId, detail));
  }

  /** Builds an event stamped with the current time, for writes that audit in one transaction. */
  AuditEvent event(
      String type, String actor, String tokenId, String clientId, Map<String, ?> detail) {
    return new AuditEvent(
        type,
        actor,
        tokenId,
        clientId,
        clock.instant(),
        detail == null ? null : Json.write(detail));
  }
}
