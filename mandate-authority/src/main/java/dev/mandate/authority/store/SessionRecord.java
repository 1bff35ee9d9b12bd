package dev.mandate.authority.store;

import java.time.Instant;

/**
 * A console session. Only the hash of the session id is stored: the id itself lives in the person's
 * cookie, so a copy of the database opens no session.
 *
 * @param idHash hex SHA-256 of the session id
 * @param person the signed-in person's name
 * @param createdAt when the person signed in
 * @param lastSeenAt when the session was last used (updated at most once a minute)
 */
public record SessionRecord(String idHash, String person, Instant createdAt, Instant lastSeenAt) {

  /** Validates the fields; throws {@link IllegalArgumentException} on a missing one. */
  public SessionRecord {
    Limits.requireText("idHash", idHash, 64);
    Limits.requireText("person", person, 64);
    Limits.requireNonNull("createdAt", createdAt);
    Limits.requireNonNull("lastSeenAt", lastSeenAt);
  }

  @Override
  public String toString() {
    return "SessionRecord[person=" + person + ", createdAt=" + createdAt + "]";
  }
}
