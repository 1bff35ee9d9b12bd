package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code feed} and {@code feed_head} tables: the revocation feed. A writer increments the head
 * first, which serialises writers across replicas and keeps sequences gap-free and in commit order.
 */
record FeedTable(Database db) {
  static final int LIMIT_MAX = 10_000;

  private static final String COLUMNS =
      "SELECT sequence, kind, revocation_id, token_id, reason, actor, occurred_at FROM feed";

  FeedEntry publish(
      FeedEntry.Kind kind,
      String revocationId,
      String tokenId,
      String reason,
      String actor,
      Instant at) {
    Limits.requireNonNull("kind", kind);
    Limits.requireText("revocationId", revocationId, Limits.ID_MAX);
    Limits.requireOptionalText("tokenId", tokenId, Limits.ID_MAX);
    Limits.requireOptionalText("reason", reason, Limits.TEXT_MAX);
    Limits.requireText("actor", actor, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    return db.write(
        kind.name().toLowerCase() + " " + revocationId,
        c -> {
          // Taking the head lock first makes the "already revoked?" check race-free across
          // replicas.
          long seq = nextSequence(c);
          if (kind == FeedEntry.Kind.REVOKE) {
            Optional<FeedEntry> existing = existingRevoke(c, revocationId);
            if (existing.isPresent()) {
              c.rollback(); // gives the sequence number back
              return existing.get();
            }
          }
          // Stored to the millisecond: the entry returned is the one a reader will see.
          Instant stored = Instant.ofEpochMilli(at.toEpochMilli());
          Sql.update(
              c,
              "INSERT INTO feed (sequence, kind, revocation_id, token_id, reason, actor, occurred_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?)",
              seq,
              kind,
              revocationId,
              tokenId,
              reason,
              actor,
              stored);
          return new FeedEntry(seq, kind, revocationId, tokenId, reason, actor, stored);
        });
  }

  List<FeedEntry> since(long afterSequence, int limit) {
    if (afterSequence < 0) {
      throw new IllegalArgumentException("afterSequence must be >= 0, got " + afterSequence);
    }
    if (limit < 1 || limit > LIMIT_MAX) {
      throw new IllegalArgumentException("limit must be 1.." + LIMIT_MAX + ", got " + limit);
    }
    return db.read(
        "read the revocation feed",
        c ->
            Sql.list(
                c,
                COLUMNS + " WHERE sequence > ? ORDER BY sequence LIMIT ?",
                FeedTable::entry,
                afterSequence,
                limit));
  }

  long latestSequence() {
    return db.read("read the revocation feed head", FeedTable::headSequence);
  }

  boolean revoked(String revocationId) {
    Limits.requireText("revocationId", revocationId, Limits.ID_MAX);
    return db.read("read a revocation", c -> existingRevoke(c, revocationId).isPresent());
  }

  RevocationSnapshot deniedSnapshot() {
    return db.read(
        "read the revocation snapshot",
        c -> {
          // Every entry up to the head's sequence is committed (the head moves in the same
          // transaction as the insert), so bounding both queries by it gives a consistent snapshot
          // without needing a repeatable-read transaction.
          long seq = headSequence(c);
          Set<String> denied =
              new HashSet<>(
                  Sql.list(
                      c,
                      "SELECT revocation_id FROM feed WHERE kind = 'REVOKE' AND sequence <= ?",
                      Sql::text,
                      seq));
          denied.addAll(
              Sql.list(
                  c,
                  "SELECT f.revocation_id FROM feed f WHERE f.kind = 'SUSPEND' AND f.sequence = ("
                      + " SELECT MAX(g.sequence) FROM feed g WHERE g.revocation_id = f.revocation_id"
                      + " AND g.kind IN ('SUSPEND', 'RESUME') AND g.sequence <= ?)",
                  Sql::text,
                  seq));
          return new RevocationSnapshot(seq, denied);
        });
  }

  /** Increments the head, taking its write lock until commit; returns the new sequence. */
  private static long nextSequence(Connection c) throws SQLException {
    Sql.lockRow(c, "UPDATE feed_head SET seq = seq + 1 WHERE id = 1", "the feed_head row");
    return headSequence(c);
  }

  private static long headSequence(Connection c) throws SQLException {
    return Sql.first(c, "SELECT seq FROM feed_head WHERE id = 1", Sql::number)
        .orElseThrow(
            () ->
                new StoreException(
                    "the feed_head row is missing; the database was altered by hand"));
  }

  private static Optional<FeedEntry> existingRevoke(Connection c, String revocationId)
      throws SQLException {
    return Sql.first(
        c,
        COLUMNS + " WHERE kind = 'REVOKE' AND revocation_id = ?",
        FeedTable::entry,
        revocationId);
  }

  private static FeedEntry entry(ResultSet rs) throws SQLException {
    return new FeedEntry(
        rs.getLong(1),
        FeedEntry.Kind.valueOf(rs.getString(2)),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        Instant.ofEpochMilli(rs.getLong(7)));
  }
}
