package dev.mandate.authority.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Migration V7 on SQLite: an audit trail written under V6 (sequence a plain column with its own
 * unique index) is carried over whole to a table keyed by its sequence, and the store goes on
 * appending to and verifying the same chain.
 */
class SqliteAuditLogMigrationTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  @TempDir Path dir;

  @Test
  void v7_keysTheTrailBySequence_keepingEveryRecordAndTheChain() throws SQLException {
    String url = "jdbc:sqlite:" + dir.resolve("authority.db");
    Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:db/migration")
        .target("6")
        .load()
        .migrate();
    writeV6Trail(url, 3);
    assertThat(indexes(url)).contains("sqlite_autoindex_audit_log_1");

    try (AuthorityStore store = AuthorityStore.open(url)) {
      assertThat(store.verifyAudit()).isEqualTo(new AuditVerification(true, 3, null, null));
      assertThat(store.audit(AuditQuery.all(0, 10)))
          .extracting(r -> r.sequence() + " " + r.event().tokenId() + " " + r.event().detailJson())
          .containsExactly("1 t1 {\"n\":1}", "2 t2 {\"n\":2}", "3 t1 {\"n\":3}");
      assertThat(store.audit(new AuditQuery("t1", null, null, null, 0, 10)))
          .extracting(AuditRecord::sequence)
          .containsExactly(1L, 3L);

      assertThat(store.appendBatch("gw/b1", List.of(event(4, "t1"), event(5, "t2")))).isTrue();
      assertThat(store.appendBatch("gw/b1", List.of(event(4, "t1")))).isFalse();
      assertThat(store.verifyAudit()).isEqualTo(new AuditVerification(true, 5, null, null));
      assertThat(store.newestAudit(List.of("decision"), "t1", null, Long.MAX_VALUE, 10))
          .extracting(AuditRecord::sequence)
          .containsExactly(4L, 3L, 1L);
    }
    assertThat(indexes(url))
        .containsExactlyInAnyOrder(
            "audit_log_by_token", "audit_log_by_client", "audit_log_by_time");
    assertThat(sequenceIsTheRowid(url)).isTrue();
  }

  private static AuditEvent event(long n, String tokenId) {
    return new AuditEvent("decision", "gw", tokenId, "c1", T0.plusSeconds(n), "{\"n\":" + n + "}");
  }

  /** Records 1..count chained as V6's store wrote them, tokens t1, t2, t1, ... */
  private static void writeV6Trail(String url, int count) throws SQLException {
    try (Connection c = DriverManager.getConnection(url)) {
      String previous = AuditChain.GENESIS;
      for (int n = 1; n <= count; n++) {
        AuditEvent e = event(n, n % 2 == 1 ? "t1" : "t2");
        long at = e.at().toEpochMilli();
        String hash =
            AuditChain.hash(
                n, previous, e.type(), e.actor(), e.tokenId(), e.clientId(), at, e.detailJson());
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO audit_log (sequence, type, actor, token_id, client_id, occurred_at,"
                    + " detail, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
          ps.setLong(1, n);
          ps.setString(2, e.type());
          ps.setString(3, e.actor());
          ps.setString(4, e.tokenId());
          ps.setString(5, e.clientId());
          ps.setLong(6, at);
          ps.setString(7, e.detailJson());
          ps.setString(8, previous);
          ps.setString(9, hash);
          ps.executeUpdate();
        }
        previous = hash;
      }
      try (PreparedStatement ps =
          c.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
        ps.setLong(1, count);
        ps.setString(2, previous);
        ps.executeUpdate();
      }
    }
  }

  private static List<String> indexes(String url) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA index_list('audit_log')")) {
      while (rs.next()) {
        names.add(rs.getString("name"));
      }
    }
    return names;
  }

  /** Whether the sequence is declared INTEGER PRIMARY KEY, which makes it the rowid. */
  private static boolean sequenceIsTheRowid(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA table_info('audit_log')")) {
      while (rs.next()) {
        if (rs.getString("name").equals("sequence")) {
          return rs.getInt("pk") == 1 && rs.getString("type").equalsIgnoreCase("INTEGER");
        }
      }
    }
    return false;
  }
}
