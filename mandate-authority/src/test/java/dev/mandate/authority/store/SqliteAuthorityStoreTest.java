package dev.mandate.authority.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository suite on SQLite, one database file per test class. */
class SqliteAuthorityStoreTest extends AuthorityStoreContract {
  @TempDir static Path dir;

  private String url;

  @Override
  String freshDatabaseUrl() {
    url = "jdbc:sqlite:" + dir.resolve("authority.db");
    return url;
  }

  @Override
  Connection rawConnection() throws SQLException {
    return DriverManager.getConnection(url);
  }

  @Test
  void sqlite_databaseIsInWalMode() throws SQLException {
    try (Connection c = rawConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
    }
  }

  @Override
  void dropDatabase() {
    // @TempDir removes the file.
  }
}
