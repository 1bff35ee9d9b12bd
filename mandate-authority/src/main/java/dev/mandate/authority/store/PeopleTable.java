package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The {@code people} table: who may sign in to the console, their role and groups, and the counters
 * that lock an account after repeated failures.
 */
record PeopleTable(Database db) {
  private static final String COLUMNS =
      "SELECT name, password_hash, role, approver_groups, client_id, totp_secret, created_at,"
          + " disabled_at, locked_until FROM people";

  void upsert(PersonRecord p) {
    Limits.requireNonNull("person", p);
    db.writeSecretBearing(
        "save person " + p.name(),
        c ->
            Sql.update(
                c,
                "INSERT INTO people (name, password_hash, role, approver_groups, client_id,"
                    + " totp_secret, failures, created_at, disabled_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)"
                    + " ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,"
                    + " role = excluded.role, approver_groups = excluded.approver_groups,"
                    + " client_id = excluded.client_id, totp_secret = excluded.totp_secret,"
                    + " totp_last_step = CASE WHEN people.totp_secret = excluded.totp_secret"
                    + " THEN people.totp_last_step ELSE NULL END,"
                    + " disabled_at = excluded.disabled_at",
                p.name(),
                p.passwordHash(),
                p.role(),
                String.join(",", p.groups()),
                p.clientId(),
                p.sealedTotpSecret(),
                p.createdAt(),
                p.disabledAt()));
  }

  Optional<PersonRecord> find(String name) {
    Limits.requireText("name", name, Limits.ID_MAX);
    return db.read("read person " + name, c -> find(c, name));
  }

  private static Optional<PersonRecord> find(Connection c, String name) throws SQLException {
    return Sql.first(c, COLUMNS + " WHERE name = ?", PeopleTable::record, name);
  }

  List<PersonRecord> all() {
    return db.read(
        "list people", c -> Sql.list(c, COLUMNS + " ORDER BY name", PeopleTable::record));
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
          Sql.update(
              c,
              "UPDATE people SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL",
              at,
              name);
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
          Optional<Failures> before =
              Sql.first(
                  c,
                  "SELECT failures, failure_window_start, locked_until FROM people WHERE name = ?",
                  rs -> new Failures(rs.getInt(1), Sql.instant(rs, 2), Sql.instant(rs, 3)),
                  name);
          if (before.isEmpty()) {
            return Optional.<SignInFailure>empty();
          }
          int failures = before.get().count();
          Instant start = before.get().windowStart();
          Instant locked = before.get().lockedUntil();
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
          Sql.update(
              c,
              "UPDATE people SET failures = ?, failure_window_start = ?, locked_until = ?"
                  + " WHERE name = ?",
              failures,
              start,
              locked,
              name);
          Instant until = locked != null && locked.isAfter(at) ? locked : null;
          return Optional.of(new SignInFailure(failures, until, lockedNow));
        });
  }

  /** Forgets the failures after a successful sign-in (or an admin's unlock). */
  void clearFailures(String name) {
    Limits.requireText("name", name, Limits.ID_MAX);
    db.write(
        "clear the sign-in failures of " + name,
        c ->
            Sql.update(
                c,
                "UPDATE people SET failures = 0, failure_window_start = NULL,"
                    + " locked_until = NULL WHERE name = ?",
                name));
  }

  /**
   * Records that a TOTP code of time step {@code step} was used; false if that step or a later one
   * was used already (a replayed code).
   */
  boolean useTotpStep(String name, long step) {
    Limits.requireText("name", name, Limits.ID_MAX);
    return db.write(
        "record the TOTP step of " + name,
        c ->
            Sql.update(
                    c,
                    "UPDATE people SET totp_last_step = ? WHERE name = ?"
                        + " AND (totp_last_step IS NULL OR totp_last_step < ?)",
                    step,
                    name,
                    step)
                == 1);
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
        Sql.instant(rs, 8),
        Sql.instant(rs, 9));
  }

  /** A person's sign-in failures as stored, before one more is counted. */
  private record Failures(int count, Instant windowStart, Instant lockedUntil) {}
}
