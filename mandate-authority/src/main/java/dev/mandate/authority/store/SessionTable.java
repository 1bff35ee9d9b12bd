package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** The {@code console_sessions} table: signed-in people, by the hash of their session id. */
record SessionTable(Database db) {

  void create(SessionRecord s) {
    Limits.requireNonNull("session", s);
    db.writeSecretBearing(
        "create a session of " + s.person(),
        c ->
            Sql.update(
                c,
                "INSERT INTO console_sessions (id_hash, person, created_at, last_seen_at)"
                    + " VALUES (?, ?, ?, ?)",
                s.idHash(),
                s.person(),
                s.createdAt(),
                s.lastSeenAt()));
  }

  Optional<SessionRecord> find(String idHash) {
    Limits.requireText("idHash", idHash, 64);
    return db.read(
        "read a session",
        c ->
            Sql.first(
                c,
                "SELECT id_hash, person, created_at, last_seen_at FROM console_sessions"
                    + " WHERE id_hash = ?",
                SessionTable::record,
                idHash));
  }

  void touch(String idHash, Instant at) {
    Limits.requireText("idHash", idHash, 64);
    Limits.requireNonNull("at", at);
    db.write(
        "touch a session",
        c ->
            Sql.update(
                c,
                "UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ?"
                    + " AND last_seen_at < ?",
                at,
                idHash,
                at));
  }

  boolean delete(String idHash) {
    Limits.requireText("idHash", idHash, 64);
    return db.write(
        "end a session",
        c -> Sql.update(c, "DELETE FROM console_sessions WHERE id_hash = ?", idHash) == 1);
  }

  int deleteFor(String person) {
    Limits.requireText("person", person, 64);
    return db.write("end the sessions of " + person, c -> deleteFor(c, person));
  }

  static int deleteFor(Connection c, String person) throws SQLException {
    return Sql.update(c, "DELETE FROM console_sessions WHERE person = ?", person);
  }

  /** Deletes the sessions idle since {@code idleBefore} or created before {@code createdBefore}. */
  int deleteExpired(Instant idleBefore, Instant createdBefore) {
    Limits.requireNonNull("idleBefore", idleBefore);
    Limits.requireNonNull("createdBefore", createdBefore);
    return db.write(
        "delete expired sessions",
        c ->
            Sql.update(
                c,
                "DELETE FROM console_sessions WHERE last_seen_at < ? OR created_at < ?",
                idleBefore,
                createdBefore));
  }

  private static SessionRecord record(ResultSet rs) throws SQLException {
    return new SessionRecord(
        rs.getString(1),
        rs.getString(2),
        Instant.ofEpochMilli(rs.getLong(3)),
        Instant.ofEpochMilli(rs.getLong(4)));
  }
}
