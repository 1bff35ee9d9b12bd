package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** The {@code console_sessions} table: signed-in people, by the hash of their session id. */
final class SessionTable {
  private final Database db;

  SessionTable(Database db) {
    this.db = db;
  }

  void create(SessionRecord s) {
    Limits.requireNonNull("session", s);
    db.writeSecretBearing(
        "create a session of " + s.person(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO console_sessions (id_hash, person, created_at, last_seen_at)"
                      + " VALUES (?, ?, ?, ?)")) {
            ps.setString(1, s.idHash());
            ps.setString(2, s.person());
            ps.setLong(3, s.createdAt().toEpochMilli());
            ps.setLong(4, s.lastSeenAt().toEpochMilli());
            ps.executeUpdate();
          }
          return null;
        });
  }

  Optional<SessionRecord> find(String idHash) {
    Limits.requireText("idHash", idHash, 64);
    return db.read(
        "read a session",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT id_hash, person, created_at, last_seen_at FROM console_sessions"
                      + " WHERE id_hash = ?")) {
            ps.setString(1, idHash);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new SessionRecord(
                      rs.getString(1),
                      rs.getString(2),
                      Instant.ofEpochMilli(rs.getLong(3)),
                      Instant.ofEpochMilli(rs.getLong(4))));
            }
          }
        });
  }

  void touch(String idHash, Instant at) {
    Limits.requireText("idHash", idHash, 64);
    db.write(
        "touch a session",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ?"
                      + " AND last_seen_at < ?")) {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, idHash);
            ps.setLong(3, at.toEpochMilli());
            ps.executeUpdate();
          }
          return null;
        });
  }

  boolean delete(String idHash) {
    Limits.requireText("idHash", idHash, 64);
    return db.write(
        "end a session",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM console_sessions WHERE id_hash = ?")) {
            ps.setString(1, idHash);
            return ps.executeUpdate() == 1;
          }
        });
  }

  int deleteFor(String person) {
    Limits.requireText("person", person, 64);
    return db.write("end the sessions of " + person, c -> deleteFor(c, person));
  }

  static int deleteFor(Connection c, String person) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM console_sessions WHERE person = ?")) {
      ps.setString(1, person);
      return ps.executeUpdate();
    }
  }

  /** Deletes the sessions idle since {@code idleBefore} or created before {@code createdBefore}. */
  int deleteExpired(Instant idleBefore, Instant createdBefore) {
    return db.write(
        "delete expired sessions",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "DELETE FROM console_sessions WHERE last_seen_at < ? OR created_at < ?")) {
            ps.setLong(1, idleBefore.toEpochMilli());
            ps.setLong(2, createdBefore.toEpochMilli());
            return ps.executeUpdate();
          }
        });
  }
}
