package dev.mandate.authority.store;

import dev.mandate.authority.store.ApprovalAnswer.Answer;
import dev.mandate.authority.store.ApprovalRequestRecord.IssuedApproval;
import dev.mandate.authority.store.ApprovalRequestRecord.Status;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code approval_requests}, {@code approval_request_groups}, {@code approval_request_aliases}
 * and {@code approval_answers} tables: calls waiting for a person's approval, and the answers.
 *
 * <p>An answer first touches its request's row ({@code UPDATE ... WHERE request_id = ?}), which
 * takes the row's write lock until commit on PostgreSQL (SQLite serialises every write), so two
 * approvers answering at once are counted one after the other and a quorum issues one approval. At
 * most one request per call of a capability is pending: a partial unique index backs the check, and
 * a create that loses a race on it (another replica) is retried once as an attach.
 */
record ApprovalRequestTable(Database db) {
  static final int LIST_MAX = 1000;

  private static final String COLUMNS =
      "SELECT request_id, token_id, token_client_id, request_digest, request_json, display_json,"
          + " holder, requested_by, requested_at, expires_at, status, decided_at, approval_group,"
          + " approval_id, approval_key_id, approval_not_after FROM approval_requests";

  /** PostgreSQL's unique_violation. */
  private static final String UNIQUE_VIOLATION = "23505";

  ApprovalRequestOutcome record(ApprovalRequestRecord request, int maxPendingPerToken) {
    Limits.requireNonNull("request", request);
    if (request.status() != Status.PENDING || !request.answers().isEmpty()) {
      throw new IllegalArgumentException("only a new pending request without answers is recorded");
    }
    if (maxPendingPerToken < 1) {
      throw new IllegalArgumentException("maxPendingPerToken must be at least 1");
    }
    String what = "record approval request " + request.requestId();
    for (int attempt = 0; ; attempt++) {
      try {
        return db.transaction(c -> record(c, request, maxPendingPerToken));
      } catch (SQLException e) {
        if (attempt == 0 && UNIQUE_VIOLATION.equals(e.getSQLState())) {
          continue; // another replica recorded the same call first: attach to it
        }
        throw Database.failure(what, e);
      }
    }
  }

  private ApprovalRequestOutcome record(Connection c, ApprovalRequestRecord r, int maxPending)
      throws SQLException {
    String known = resolve(c, r.requestId());
    if (known != null) {
      ApprovalRequestRecord existing = load(c, known);
      if (!existing.tokenId().equals(r.tokenId())
          || !existing.requestDigest().equals(r.requestDigest())) {
        throw new StoreException(
            "approval request id " + r.requestId() + " is already recorded for another call");
      }
      return new ApprovalRequestOutcome(ApprovalRequestOutcome.Kind.EXISTING, existing);
    }
    long now = r.requestedAt().toEpochMilli();
    // A pending request past its expiry no longer holds the call's one pending place.
    Sql.update(
        c,
        "UPDATE approval_requests SET status = 'EXPIRED', updated_at = ? WHERE token_id = ?"
            + " AND request_digest = ? AND status = 'PENDING' AND expires_at <= ?",
        now,
        r.tokenId(),
        r.requestDigest(),
        now);
    String open = openFor(c, r.tokenId(), r.requestDigest(), now, true);
    if (open != null) {
      Sql.update(
          c,
          "INSERT INTO approval_request_aliases (alias_id, request_id) VALUES (?, ?)",
          r.requestId(),
          open);
      return new ApprovalRequestOutcome(ApprovalRequestOutcome.Kind.ATTACHED, load(c, open));
    }
    long pending =
        Sql.first(
                c,
                "SELECT count(*) FROM approval_requests WHERE token_id = ? AND status = 'PENDING'"
                    + " AND expires_at > ?",
                Sql::number,
                r.tokenId(),
                now)
            .orElseThrow();
    if (pending >= maxPending) {
      c.rollback();
      return new ApprovalRequestOutcome(ApprovalRequestOutcome.Kind.LIMITED, r);
    }
    Sql.update(
        c,
        "INSERT INTO approval_requests (request_id, token_id, token_client_id, request_digest,"
            + " request_json, display_json, holder, requested_by, requested_at, expires_at,"
            + " status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?)",
        r.requestId(),
        r.tokenId(),
        r.tokenClientId(),
        r.requestDigest(),
        r.requestJson(),
        r.displayJson(),
        r.holder(),
        r.requestedBy(),
        now,
        r.expiresAt(),
        now);
    List<Object[]> groups = new ArrayList<>();
    for (int i = 0; i < r.groups().size(); i++) {
      groups.add(new Object[] {r.requestId(), i, r.groups().get(i)});
    }
    Sql.batch(
        c,
        "INSERT INTO approval_request_groups (request_id, ordinal, group_name) VALUES (?, ?, ?)",
        groups);
    return new ApprovalRequestOutcome(ApprovalRequestOutcome.Kind.CREATED, load(c, r.requestId()));
  }

  Optional<ApprovalRequestRecord> find(String requestId) {
    Limits.requireText("requestId", requestId, 64);
    return db.read(
        "read approval request " + requestId,
        c -> {
          String id = resolve(c, requestId);
          return id == null ? Optional.empty() : Optional.of(load(c, id));
        });
  }

  Optional<ApprovalRequestRecord> pendingFor(String tokenId, String requestDigest, Instant now) {
    Limits.requireText("tokenId", tokenId, Limits.ID_MAX);
    Limits.requireText("requestDigest", requestDigest, 64);
    Limits.requireNonNull("now", now);
    return db.read(
        "find the pending approval request of token " + tokenId,
        c -> {
          String id = openFor(c, tokenId, requestDigest, now.toEpochMilli(), false);
          return id == null ? Optional.empty() : Optional.of(load(c, id));
        });
  }

  List<ApprovalRequestRecord> list(
      Set<String> groups, boolean pendingOnly, Instant now, int limit) {
    Limits.requireNonNull("now", now);
    if (limit < 1 || limit > LIST_MAX) {
      throw new IllegalArgumentException("limit must be 1.." + LIST_MAX + ", got " + limit);
    }
    if (groups != null && (groups.isEmpty() || groups.size() > 256)) {
      throw new IllegalArgumentException("groups must hold 1..256 groups, or be null for any");
    }
    StringBuilder sql =
        new StringBuilder("SELECT r.request_id FROM approval_requests r WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (pendingOnly) {
      sql.append(" AND r.status = 'PENDING' AND r.expires_at > ?");
      args.add(now);
    }
    if (groups != null) {
      sql.append(
          " AND EXISTS (SELECT 1 FROM approval_request_groups g WHERE g.request_id = r.request_id"
              + " AND g.group_name IN (");
      sql.append("?, ".repeat(groups.size() - 1)).append("?))");
      args.addAll(groups);
    }
    sql.append(" ORDER BY r.requested_at DESC, r.request_id LIMIT ?");
    args.add(limit);
    return db.read(
        "list approval requests",
        c -> {
          List<String> ids = Sql.list(c, sql.toString(), Sql::text, args.toArray());
          List<ApprovalRequestRecord> out = new ArrayList<>(ids.size());
          for (String id : ids) {
            out.add(load(c, id));
          }
          return out;
        });
  }

  /**
   * A number that grows with every change: requests and answers are only ever added, and a
   * request's status only ever leaves PENDING, so the sum of the three counts never repeats after a
   * change (no clock involved, so a replica with another clock still sees the change).
   */
  long changeCount() {
    return db.read(
        "count approval request changes",
        c ->
            Sql.first(
                    c,
                    "SELECT (SELECT count(*) FROM approval_requests)"
                        + " + (SELECT count(*) FROM approval_requests WHERE status <> 'PENDING')"
                        + " + (SELECT count(*) FROM approval_answers)",
                    Sql::number)
                .orElse(0L));
  }

  AnswerOutcome answer(String requestId, List<ApprovalAnswer> answers, AnswerRules rules) {
    Limits.requireText("requestId", requestId, 64);
    Limits.requireNonNull("answers", answers);
    Limits.requireNonNull("rules", rules);
    if (answers.isEmpty() || answers.size() > ApprovalRequestRecord.MAX_GROUPS) {
      throw new IllegalArgumentException(
          "an answer counts for 1.." + ApprovalRequestRecord.MAX_GROUPS + " groups");
    }
    ApprovalAnswer first = answers.get(0);
    for (ApprovalAnswer a : answers) {
      if (!a.approver().equals(first.approver()) || a.answer() != first.answer()) {
        throw new IllegalArgumentException("one answer is one approver's, approve or refuse");
      }
    }
    return db.write(
        "answer approval request " + requestId, c -> answer(c, requestId, answers, rules));
  }

  private AnswerOutcome answer(
      Connection c, String requestId, List<ApprovalAnswer> answers, AnswerRules rules)
      throws SQLException {
    String id = resolve(c, requestId);
    ApprovalAnswer given = answers.get(0);
    Instant now = given.at();
    if (id == null || touch(c, id) != 1) {
      return new AnswerOutcome(AnswerOutcome.Kind.UNKNOWN, null);
    }
    ApprovalRequestRecord before = load(c, id);
    if (before.statusAt(now) != Status.PENDING) {
      c.rollback();
      return new AnswerOutcome(AnswerOutcome.Kind.CLOSED, before);
    }
    for (ApprovalAnswer a : before.answers()) {
      if (a.approver().equals(given.approver())) {
        c.rollback();
        return new AnswerOutcome(AnswerOutcome.Kind.ALREADY_ANSWERED, before);
      }
    }
    Sql.batch(
        c,
        "INSERT INTO approval_answers (request_id, approver, group_name, answer, reason,"
            + " answered_at) VALUES (?, ?, ?, ?, ?, ?)",
        answers.stream()
            .map(a -> new Object[] {id, a.approver(), a.group(), a.answer(), a.reason(), a.at()})
            .toList());
    List<ApprovalAnswer> all = new ArrayList<>(before.answers());
    all.addAll(answers);
    AnswerOutcome.Kind kind;
    if (given.answer() == Answer.REFUSE) {
      decide(c, id, "REFUSED", now, null);
      kind = AnswerOutcome.Kind.REFUSED;
    } else {
      String quorum = quorum(before.groups(), all, rules);
      if (quorum != null) {
        IssuedApproval issued = rules.issue(quorum, before);
        decide(c, id, "APPROVED", now, issued);
        kind = AnswerOutcome.Kind.APPROVED;
      } else {
        Sql.update(c, "UPDATE approval_requests SET updated_at = ? WHERE request_id = ?", now, id);
        kind = AnswerOutcome.Kind.COUNTED;
      }
    }
    AnswerOutcome outcome = new AnswerOutcome(kind, load(c, id));
    List<AuditEvent> events = rules.audit(outcome);
    if (!events.isEmpty()) {
      AuditTable.append(c, events);
    }
    return outcome;
  }

  /** The first of the request's groups whose approvers reached its quorum, or null. */
  private static String quorum(
      List<String> groups, List<ApprovalAnswer> answers, AnswerRules rules) {
    Map<String, Set<String>> approvers = new LinkedHashMap<>();
    for (ApprovalAnswer a : answers) {
      if (a.answer() == Answer.APPROVE) {
        approvers.computeIfAbsent(a.group(), g -> new LinkedHashSet<>()).add(a.approver());
      }
    }
    for (String g : groups) {
      if (approvers.getOrDefault(g, Set.of()).size() >= Math.max(1, rules.required(g))) {
        return g;
      }
    }
    return null;
  }

  private static void decide(
      Connection c, String id, String status, Instant now, IssuedApproval issued)
      throws SQLException {
    Sql.update(
        c,
        "UPDATE approval_requests SET status = ?, decided_at = ?, updated_at = ?,"
            + " approval_group = ?, approval_id = ?, approval_key_id = ?,"
            + " approval_not_after = ? WHERE request_id = ?",
        status,
        now,
        now,
        issued == null ? null : issued.group(),
        issued == null ? null : issued.approvalId(),
        issued == null ? null : issued.keyId(),
        issued == null ? null : issued.notAfter(),
        id);
  }

  /** Touches the row, taking its write lock until commit; returns the rows touched. */
  private static int touch(Connection c, String id) throws SQLException {
    return Sql.update(
        c, "UPDATE approval_requests SET updated_at = updated_at WHERE request_id = ?", id);
  }

  /** The request an id names (itself, or the request it is an alias of), or null. */
  private static String resolve(Connection c, String id) throws SQLException {
    if (Sql.exists(c, "SELECT 1 FROM approval_requests WHERE request_id = ?", id)) {
      return id;
    }
    return Sql.first(
            c, "SELECT request_id FROM approval_request_aliases WHERE alias_id = ?", Sql::text, id)
        .orElse(null);
  }

  /**
   * The call's pending request that has not expired, or with {@code orRefused} also a refused one
   * that has not expired (a refused call is not asked again until then); the newest, or null.
   */
  private static String openFor(
      Connection c, String tokenId, String digest, long now, boolean orRefused)
      throws SQLException {
    return Sql.first(
            c,
            "SELECT request_id FROM approval_requests WHERE token_id = ? AND request_digest = ?"
                + " AND expires_at > ? AND status IN ('PENDING'"
                + (orRefused ? ", 'REFUSED'" : "")
                + ") ORDER BY requested_at DESC LIMIT 1",
            Sql::text,
            tokenId,
            digest,
            now)
        .orElse(null);
  }

  /** The request with its groups and answers. */
  private static ApprovalRequestRecord load(Connection c, String id) throws SQLException {
    List<String> groups =
        Sql.list(
            c,
            "SELECT group_name FROM approval_request_groups WHERE request_id = ? ORDER BY ordinal",
            Sql::text,
            id);
    List<ApprovalAnswer> answers =
        Sql.list(
            c,
            "SELECT approver, group_name, answer, reason, answered_at FROM approval_answers"
                + " WHERE request_id = ? ORDER BY answered_at, approver, group_name",
            rs ->
                new ApprovalAnswer(
                    rs.getString(1),
                    rs.getString(2),
                    Answer.valueOf(rs.getString(3)),
                    rs.getString(4),
                    Instant.ofEpochMilli(rs.getLong(5))),
            id);
    return Sql.first(c, COLUMNS + " WHERE request_id = ?", rs -> record(rs, groups, answers), id)
        .orElseThrow(
            () -> new StoreException("approval request " + id + " vanished during a transaction"));
  }

  private static ApprovalRequestRecord record(
      ResultSet rs, List<String> groups, List<ApprovalAnswer> answers) throws SQLException {
    String approvalId = rs.getString(14);
    IssuedApproval issued =
        approvalId == null
            ? null
            : new IssuedApproval(
                rs.getString(13), approvalId, rs.getString(15), Sql.instant(rs, 16));
    return new ApprovalRequestRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        groups,
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        Instant.ofEpochMilli(rs.getLong(9)),
        Instant.ofEpochMilli(rs.getLong(10)),
        Status.valueOf(rs.getString(11)),
        Sql.instant(rs, 12),
        issued,
        answers);
  }
}
