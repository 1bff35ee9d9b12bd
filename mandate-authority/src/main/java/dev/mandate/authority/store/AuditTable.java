package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code audit_log}, {@code audit_head} and {@code audit_batches} tables: the hash-chained
 * audit trail. Appends take the head row's lock first, so they are serialised across replicas and
 * sequence numbers are gap-free and in commit order.
 */
record AuditTable(Database db) {
  static final int BATCH_MAX = 10_000;

  private static final String COLUMNS =
      "SELECT sequence, type, actor, token_id, client_id, occurred_at, detail, previous_hash, hash"
          + " FROM audit_log";

  private static final String INSERT =
      "INSERT INTO audit_log (sequence, type, actor, token_id, client_id, occurred_at, detail,"
          + " previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

  AuditRecord append(AuditEvent event) {
    Limits.requireNonNull("event", event);
    return db.write("append an audit record", c -> append(c, List.of(event)).get(0));
  }

  boolean appendBatch(String batchId, List<AuditEvent> events) {
    Limits.requireText("batchId", batchId, Limits.ID_MAX);
    Limits.requireNonNull("events", events);
    if (events.isEmpty() || events.size() > BATCH_MAX) {
      throw new IllegalArgumentException(
          "a batch must hold 1.." + BATCH_MAX + " events, got " + events.size());
    }
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) == null) {
        throw new IllegalArgumentException("events[" + i + "] must not be null");
      }
    }
    List<AuditEvent> copy = List.copyOf(events);
    return db.write(
        "ingest audit batch " + batchId,
        c -> {
          // Lock the chain head first so that two replicas ingesting the same batch id serialise
          // here and the second one finds the first one's batch row, and does nothing.
          Head head = lockHead(c);
          int added =
              Sql.update(
                  c,
                  "INSERT INTO audit_batches (batch_id, first_seq, record_count) VALUES (?, ?, ?)"
                      + " ON CONFLICT (batch_id) DO NOTHING",
                  batchId,
                  head.sequence() + 1,
                  copy.size());
          if (added == 0) {
            c.rollback();
            return false;
          }
          write(c, head, copy, null);
          return true;
        });
  }

  record Head(long sequence, String hash) {}

  /**
   * Takes the chain head's write lock until commit and reads it, in one statement. The sequence is
   * set after the records are written; this update exists to take the lock.
   */
  static Head lockHead(Connection c) throws SQLException {
    Head head =
        Sql.first(
                c,
                "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash",
                rs -> new Head(rs.getLong(1), rs.getString(2)))
            .orElse(null);
    if (head == null) {
      throw new StoreException("the audit_head row is missing; the database was altered by hand");
    }
    return head;
  }

  /** Reads the chain head, or {@code null} if its row is missing. */
  private static Head head(Connection c) throws SQLException {
    return Sql.first(
            c,
            "SELECT seq, hash FROM audit_head WHERE id = 1",
            rs -> new Head(rs.getLong(1), rs.getString(2)))
        .orElse(null);
  }

  /** Appends inside the caller's transaction; locks the chain head (again, harmlessly, if held). */
  static List<AuditRecord> append(Connection c, List<AuditEvent> events) throws SQLException {
    List<AuditRecord> out = new ArrayList<>(events.size());
    write(c, lockHead(c), events, out);
    return out;
  }

  /**
   * Chains {@code events} after {@code head}, inserts them as one JDBC batch and moves the head;
   * adds the stored records to {@code out} unless it is null (a gateway's batch needs none, and
   * builds none).
   */
  private static void write(Connection c, Head head, List<AuditEvent> events, List<AuditRecord> out)
      throws SQLException {
    long seq = head.sequence();
    String previous = head.hash();
    List<Object[]> rows = new ArrayList<>(events.size());
    for (AuditEvent e : events) {
      seq++;
      long atMillis = e.at().toEpochMilli();
      String hash =
          AuditChain.hash(
              seq,
              previous,
              e.type(),
              e.actor(),
              e.tokenId(),
              e.clientId(),
              atMillis,
              e.detailJson());
      rows.add(
          new Object[] {
            seq,
            e.type(),
            e.actor(),
            e.tokenId(),
            e.clientId(),
            atMillis,
            e.detailJson(),
            previous,
            hash
          });
      if (out != null) {
        out.add(new AuditRecord(seq, stored(e, atMillis), previous, hash));
      }
      previous = hash;
    }
    Sql.batch(c, INSERT, rows);
    Sql.update(c, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", seq, previous);
  }

  /** What is stored: the time to the millisecond (gateways send milliseconds already). */
  private static AuditEvent stored(AuditEvent e, long atMillis) {
    return e.at().getNano() % 1_000_000 == 0
        ? e
        : new AuditEvent(
            e.type(),
            e.actor(),
            e.tokenId(),
            e.clientId(),
            Instant.ofEpochMilli(atMillis),
            e.detailJson());
  }

  /** {@code s} for a LIKE pattern with {@code !} as the escape character. */
  private static String likeEscaped(String s) {
    return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
  }

  List<AuditRecord> query(AuditQuery query) {
    Limits.requireNonNull("query", query);
    StringBuilder sql = new StringBuilder(COLUMNS).append(" WHERE sequence > ?");
    List<Object> args = new ArrayList<>();
    args.add(query.afterSequence());
    if (query.tokenId() != null) {
      sql.append(" AND token_id = ?");
      args.add(query.tokenId());
    }
    if (query.clientId() != null) {
      sql.append(" AND client_id = ?");
      args.add(query.clientId());
    }
    if (query.from() != null) {
      sql.append(" AND occurred_at >= ?");
      args.add(query.from().toEpochMilli());
    }
    if (query.to() != null) {
      sql.append(" AND occurred_at < ?");
      args.add(query.to().toEpochMilli());
    }
    if (query.beforeSequence() > 0) {
      sql.append(" AND sequence < ?");
      args.add(query.beforeSequence());
    }
    if (query.type() != null) {
      sql.append(" AND (type = ? OR type LIKE ? ESCAPE '!')");
      args.add(query.type());
      args.add(likeEscaped(query.type()) + ".%");
    }
    if (query.text() != null && !query.text().isBlank()) {
      // A scan bounded by the page size; the trail has no full-text index.
      String pattern = "%" + likeEscaped(query.text().toLowerCase(java.util.Locale.ROOT)) + "%";
      sql.append(" AND (LOWER(type) LIKE ? ESCAPE '!' OR LOWER(actor) LIKE ? ESCAPE '!'")
          .append(" OR LOWER(COALESCE(token_id, '')) LIKE ? ESCAPE '!'")
          .append(" OR LOWER(COALESCE(client_id, '')) LIKE ? ESCAPE '!'")
          .append(" OR LOWER(COALESCE(detail, '')) LIKE ? ESCAPE '!')");
      for (int i = 0; i < 5; i++) {
        args.add(pattern);
      }
    }
    sql.append(
        query.newestFirst() ? " ORDER BY sequence DESC LIMIT ?" : " ORDER BY sequence LIMIT ?");
    args.add(query.limit());
    return select(sql.toString(), args, "query the audit trail");
  }

  private List<AuditRecord> select(String sql, List<Object> args, String what) {
    return db.read(what, c -> Sql.list(c, sql, AuditTable::record, args.toArray()));
  }

  private static AuditRecord record(ResultSet rs) throws SQLException {
    long seq = rs.getLong(1);
    AuditEvent event;
    try {
      event =
          new AuditEvent(
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              Instant.ofEpochMilli(rs.getLong(6)),
              rs.getString(7));
    } catch (IllegalArgumentException e) {
      throw new StoreException(
          "audit record " + seq + " is malformed (" + e.getMessage() + "); run audit verify");
    }
    return new AuditRecord(seq, event, rs.getString(8), rs.getString(9));
  }

  /**
   * The newest records of the given types (exact names), newest first: below {@code
   * beforeSequence}, about {@code tokenId} and {@code clientId} where those are not null. Walks an
   * index backwards (by token, by client, or the primary key), so it costs what it returns.
   */
  List<AuditRecord> newest(
      List<String> types, String tokenId, String clientId, long beforeSequence, int limit) {
    Limits.requireNonNull("types", types);
    if (types.isEmpty() || types.size() > 16) {
      throw new IllegalArgumentException("types must name 1..16 record types, got " + types.size());
    }
    types.forEach(t -> Limits.requireText("types[]", t, Limits.ID_MAX));
    Limits.requireOptionalText("tokenId", tokenId, Limits.ID_MAX);
    Limits.requireOptionalText("clientId", clientId, Limits.ID_MAX);
    if (beforeSequence < 1) {
      throw new IllegalArgumentException("beforeSequence must be >= 1, got " + beforeSequence);
    }
    if (limit < 1 || limit > AuditQuery.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be 1.." + AuditQuery.MAX_LIMIT + ", got " + limit);
    }
    StringBuilder sql = new StringBuilder(COLUMNS).append(" WHERE sequence < ? AND type IN (");
    List<Object> args = new ArrayList<>();
    args.add(beforeSequence);
    for (int i = 0; i < types.size(); i++) {
      sql.append(i == 0 ? "?" : ", ?");
      args.add(types.get(i));
    }
    sql.append(')');
    if (tokenId != null) {
      sql.append(" AND token_id = ?");
      args.add(tokenId);
    }
    if (clientId != null) {
      sql.append(" AND client_id = ?");
      args.add(clientId);
    }
    sql.append(" ORDER BY sequence DESC LIMIT ?");
    args.add(limit);
    return select(sql.toString(), args, "read the newest audit records");
  }

  /** The sequence of the last record in the trail, 0 when it is empty. */
  long latestSequence() {
    return db.read(
        "read the audit chain head",
        c -> {
          Head head = head(c);
          return head == null ? 0L : head.sequence();
        });
  }

  AuditVerification verify() {
    return db.read("verify the audit trail", AuditTable::verify);
  }

  private static AuditVerification verify(Connection c) throws SQLException {
    Head head = head(c);
    if (head == null) {
      return new AuditVerification(false, 0, 1L, "the audit chain head row is missing");
    }
    long headSeq = head.sequence();
    long checked = 0;
    long expected = 1;
    String previous = AuditChain.GENESIS;
    // Rows are bounded by the head read above: anything appended since is not judged.
    try (PreparedStatement ps =
        c.prepareStatement(COLUMNS + " WHERE sequence <= ? ORDER BY sequence")) {
      ps.setFetchSize(1_000);
      ps.setLong(1, headSeq);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          checked++;
          long seq = rs.getLong(1);
          if (seq != expected) {
            String missing =
                seq == expected + 1
                    ? "record " + expected
                    : "records " + expected + ".." + (seq - 1);
            return bad(checked, expected, missing + " missing (sequence gap)");
          }
          String type = rs.getString(2);
          String actor = rs.getString(3);
          String tokenId = rs.getString(4);
          String clientId = rs.getString(5);
          long at = rs.getLong(6);
          String detail = rs.getString(7);
          String storedPrevious = rs.getString(8);
          String storedHash = rs.getString(9);
          String recomputed =
              AuditChain.hash(seq, storedPrevious, type, actor, tokenId, clientId, at, detail);
          if (!recomputed.equals(storedHash)) {
            long original =
                originalSequence(
                    storedPrevious,
                    type,
                    actor,
                    tokenId,
                    clientId,
                    at,
                    detail,
                    storedHash,
                    headSeq);
            if (original > 0) {
              return bad(
                  checked,
                  seq,
                  "records reordered: the record at sequence "
                      + seq
                      + " was written as sequence "
                      + original);
            }
            return bad(checked, seq, "record " + seq + " was edited (hash mismatch)");
          }
          if (!storedPrevious.equals(previous)) {
            return bad(
                checked,
                seq,
                "chain broken at "
                    + seq
                    + ": its previous hash is not the hash of record "
                    + (seq - 1)
                    + " (a record before it was removed or rewritten)");
          }
          previous = storedHash;
          expected = seq + 1;
        }
      }
    }
    if (expected - 1 < headSeq) {
      String missing =
          expected == headSeq ? "record " + expected : "records " + expected + ".." + headSeq;
      return bad(checked, expected, missing + " missing (the trail ends before its head)");
    }
    if (!previous.equals(head.hash())) {
      return bad(
          checked,
          headSeq,
          "chain broken at " + headSeq + ": the last record's hash does not match the chain head");
    }
    return new AuditVerification(true, checked, null, null);
  }

  /**
   * For a record whose hash does not match its sequence, finds the sequence it was written with, if
   * any; 0 if none, meaning its content was edited rather than moved. Only runs on a failure, and
   * costs one hash per record in the trail.
   */
  private static long originalSequence(
      String previous,
      String type,
      String actor,
      String tokenId,
      String clientId,
      long at,
      String detail,
      String storedHash,
      long headSeq) {
    for (long s = 1; s <= headSeq; s++) {
      if (AuditChain.hash(s, previous, type, actor, tokenId, clientId, at, detail)
          .equals(storedHash)) {
        return s;
      }
    }
    return 0;
  }

  private static AuditVerification bad(long checked, long sequence, String problem) {
    return new AuditVerification(false, checked, sequence, problem);
  }
}
