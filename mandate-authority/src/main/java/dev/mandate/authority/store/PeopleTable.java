package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The {@code people} table: who may sign in to the console, their role and groups, and the counters
 * that lock an account after repeated failures.
 */
final class PeopleTable {
  private static final String COLUMNS =
      "SELECT name, password_hash, role, approver_groups, client_id, totp_secret, created_at,"
          + " disabled_at, locked_until FROM people";

  private final Database db;

  PeopleTable(Database db) {
    this.db = db;
  }

  void upsert(PersonRecord p) {
    Limits.requireNonNull("person", p);
    db.writeSecretBearing(
        "save person " + p.name(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO people (name, password_hash, role, approver_groups, client_id,"
                      + " totp_secret, failures, created_at, disabled_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)"
                      + " ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,"
                      + " role = excluded.role, approver_groups = excluded.approver_groups,"
                      + " client_id = excluded.client_id, totp_secret = excluded.totp_secret,"
                      + " totp_last_step = CASE WHEN people.totp_secret = excluded.totp_secret"
                      + " THEN people.totp_last_step ELSE NULL END,"
                      + " disabled_at = excluded.disabled_at")) {
            ps.setString(1, p.name());
            ps.setString(2, p.passwordHash());
            ps.setString(3, p.role().name());
            ps.setString(4, String.join(",", p.groups()));
            ps.setString(5, p.clientId());
            ps.setString(6, p.sealedTotpSecret());
            ps.setLong(7, p.createdAt().toEpochMilli());
            Database.setInstant(ps, 8, p.disabledAt());
            ps.executeUpdate();
          }
          return null;
        });
  }

  Optional<PersonRecord> find(String name) {
    Limits.requireText("name", name, Limits.ID_MAX);
    return db.read("read person " + name, c -> find(c, name));
  }

  private static Optional<PersonRecord> find(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(COLUMNS + " WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(record(rs)) : Optional.empty();
      }
    }
  }

  List<PersonRecord> all() {
    return db.read(
        "list people",
        c -> {
          List<PersonRecord> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(COLUMNS + " ORDER BY name");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(record(rs));
            }
          }
          return out;
        });
  }

  /**
   * Sets {@code disabled_at} unless already set and ends the person's sessions, in one transaction;
   * returns the person as stored, or empty.
   */
  Optional<PersonRecord> disable(String name, Instant at) {
    Limits.requireText("name", name, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    return db.write(
        "disable person " + name,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE people SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL")) {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, name);
            ps.executeUpdate();
          }
          SessionTable.deleteFor(c, name);
          return find(c, name);
        });
  }

  /**
   * Counts a failed sign-in: failures older than {@code window} are forgotten, and the {@code
   * max}-th failure within it locks sign-in for {@code lockFor}. Read and written in one
   * transaction, so concurrent failures on several replicas are all counted.
   */
  Optional<SignInFailure> fail(
      String name, Instant at, Duration window, int max, Duration lockFor) {
    Limits.requireText("name", name, Limits.ID_MAX);
    return db.write(
        "count a sign-in failure of " + name,
        c -> {
          int failures;
          Instant start;
          Instant locked;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT failures, failure_window_start, locked_until FROM people WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.<SignInFailure>empty();
              }
              failures = rs.getInt(1);
              start = Database.getInstant(rs, 2);
              locked = Database.getInstant(rs, 3);
            }
          }
          if (start == null || !at.isBefore(start.plus(window))) {
            failures = 0;
            start = at;
          }
          failures++;
          boolean lockedNow = false;
          if (failures >= max && (locked == null || !locked.isAfter(at))) {
            locked = at.plus(lockFor);
            lockedNow = true;
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE people SET failures = ?, failure_window_start = ?, locked_until = ?"
                      + " WHERE name = ?")) {
            ps.setInt(1, failures);
            Database.setInstant(ps, 2, start);
            Database.setInstant(ps, 3, locked);
            ps.setString(4, name);
            ps.executeUpdate();
          }
          Instant until = locked != null && locked.isAfter(at) ? locked : null;
          return Optional.of(new SignInFailure(failures, until, lockedNow));
        });
  }

  /** Forgets the failures after a successful sign-in (or an admin's unlock). */
  void clearFailures(String name) {
    Limits.requireText("name", name, Limits.ID_MAX);
    db.write(
        "clear the sign-in failures of " + name,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE people SET failures = 0, failure_window_start = NULL,"
                      + " locked_until = NULL WHERE name = ?")) {
            ps.setString(1, name);
            ps.executeUpdate();
          }
          return null;
        });
  }

  /**
   * Records that a TOTP code of time step {@code step} was used; false if that step or a later one
   * was used already (a replayed code).
   */
  boolean useTotpStep(String name, long step) {
    Limits.requireText("name", name, Limits.ID_MAX);
    return db.write(
        "record the TOTP step of " + name,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE people SET totp_last_step = ? WHERE name = ?"
                      + " AND (totp_last_step IS NULL OR totp_last_step < ?)")) {
            ps.setLong(1, step);
            ps.setString(2, name);
            ps.setLong(3, step);
            return ps.executeUpdate() == 1;
          }
        });
  }

  private static PersonRecord record(ResultSet rs) throws SQLException {
    String groups = rs.getString(4);
    return new PersonRecord(
        rs.getString(1),
        rs.getString(2),
        PersonRecord.Role.valueOf(rs.getString(3)),
        groups == null || groups.isEmpty() ? List.of() : Arrays.asList(groups.split(",")),
        rs.getString(5),
        rs.getString(6),
        Instant.ofEpochMilli(rs.getLong(7)),
        Database.getInstant(rs, 8),
        Database.getInstant(rs, 9));
  }
}
