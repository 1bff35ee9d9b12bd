package dev.mandate.authority.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The store's connection pool and its transaction discipline, shared by the per-table parts: one
 * write transaction at a time per process on SQLite, read-only streaming reads on PostgreSQL, and
 * failure messages that never quote secret-bearing rows. The statements themselves run through
 * {@link Sql}.
 */
final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;

  enum Dialect {
    SQLITE,
    POSTGRESQL
  }

  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private final HikariDataSource dataSource;
  private final Dialect dialect;

  /** SQLite allows one writer; queueing in process avoids spinning in SQLite's busy handler. */
  private final ReentrantLock sqliteWriteLock = new ReentrantLock(true);

  private Database(HikariDataSource dataSource, Dialect dialect) {
    this.dataSource = dataSource;
    this.dialect = dialect;
  }

  /**
   * Opens the pool for {@code jdbcUrl} and brings the schema up to date with Flyway.
   *
   * @param password the PostgreSQL password given apart from the URL, or null
   */
  static Database open(String jdbcUrl, char[] password) {
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw new IllegalArgumentException("jdbcUrl must not be blank");
    }
    HikariDataSource ds;
    Dialect dialect;
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      if (password != null) {
        throw new IllegalArgumentException("an SQLite database has no password; give none");
      }
      dialect = Dialect.SQLITE;
      ds = sqlitePool(jdbcUrl);
    } else if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      dialect = Dialect.POSTGRESQL;
      ds = postgresPool(jdbcUrl, password);
    } else {
      throw new IllegalArgumentException(
          "unsupported database URL "
              + JdbcUrls.redact(jdbcUrl)
              + "; use jdbc:sqlite:/path/to/authority.db or jdbc:postgresql://host:5432/database");
    }
    try {
      Flyway.configure()
          .dataSource(ds)
          // The shared migrations, and those written for one database (the same versions for
          // both, so that a version names one schema).
          .locations(
              "classpath:db/migration",
              "classpath:db/migration-" + dialect.name().toLowerCase(java.util.Locale.ROOT))
          .failOnMissingLocations(true)
          .load()
          .migrate();
    } catch (FlywayException e) {
      ds.close();
      throw new StoreException(
          "could not bring the database schema at "
              + JdbcUrls.redact(jdbcUrl)
              + " up to date: "
              + e.getMessage()
              + ". If the database was written by a newer Mandate, upgrade this one.",
          e);
    }
    return new Database(ds, dialect);
  }

  private static HikariDataSource sqlitePool(String jdbcUrl) {
    String rest = jdbcUrl.substring("jdbc:sqlite:".length());
    String file = rest.contains("?") ? rest.substring(0, rest.indexOf('?')) : rest;
    if (file.isEmpty() || file.contains(":memory:") || rest.contains("mode=memory")) {
      throw new IllegalArgumentException(
          "the authority store needs a database file, not an in-memory SQLite database; "
              + "use jdbc:sqlite:/path/to/authority.db");
    }
    if (file.startsWith("file:")) {
      file = file.substring("file:".length());
    }
    Path parent = Path.of(file).toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new StoreException(
          "cannot open SQLite database "
              + file
              + ": directory "
              + parent
              + " does not exist; create it first");
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MS);
    config.enforceForeignKeys(true);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    SQLiteDataSource sqlite = new SQLiteDataSource(config);
    sqlite.setUrl(jdbcUrl);
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("mandate-store-sqlite");
    hikari.setDataSource(sqlite);
    hikari.setMaximumPoolSize(4);
    hikari.setMinimumIdle(1);
    hikari.setConnectionTimeout(SQLITE_BUSY_TIMEOUT_MS);
    return createPool(hikari, jdbcUrl, "check that the file is readable and writable by this user");
  }

  private static HikariDataSource postgresPool(String jdbcUrl, char[] password) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("mandate-store-postgresql");
    hikari.setJdbcUrl(jdbcUrl);
    if (password != null) {
      hikari.setPassword(new String(password));
    }
    hikari.setMaximumPoolSize(10);
    hikari.setMinimumIdle(2);
    hikari.setConnectionTimeout(5_000);
    hikari.addDataSourceProperty("connectTimeout", "5");
    // A JDBC batch of inserts (a gateway's audit batch, a group of mints) is sent as multi-row
    // INSERTs rather than one INSERT per row: fewer statements for the server to run.
    hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
    return createPool(
        hikari,
        jdbcUrl,
        "check that PostgreSQL is running and reachable, and that the URL, user and password are right");
  }

  private static HikariDataSource createPool(HikariConfig config, String jdbcUrl, String advice) {
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw new StoreException(
          "cannot connect to "
              + JdbcUrls.redact(jdbcUrl)
              + ": "
              + root.getMessage()
              + "; "
              + advice,
          e);
    }
  }

  Dialect dialect() {
    return dialect;
  }

  /**
   * Runs {@code work} in one write transaction and commits it; rolls back on any failure. On SQLite
   * the connection's transactions begin IMMEDIATE, so the write lock is taken up front.
   */
  <T> T write(String what, SqlWork<T> work) {
    try {
      return transaction(work);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  /**
   * As {@link #write(String, SqlWork)} for rows that hold secrets (client hashes, sealed keys): a
   * failure's message carries only the SQLState, never the driver's text, which can quote row
   * values.
   */
  <T> T writeSecretBearing(String what, SqlWork<T> work) {
    try {
      return transaction(work);
    } catch (SQLException e) {
      throw new StoreException("could not " + what + " (SQLState " + e.getSQLState() + ")");
    }
  }

  /**
   * The transaction under {@link #write}, for a caller that words its own failures: a failure to
   * connect, run or commit is thrown as the driver's {@link SQLException}.
   */
  <T> T transaction(SqlWork<T> work) throws SQLException {
    boolean sqlite = dialect == Dialect.SQLITE;
    if (sqlite) {
      sqliteWriteLock.lock();
    }
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        return commitOrRollback(c, work);
      } finally {
        c.setAutoCommit(true);
      }
    } finally {
      if (sqlite) {
        sqliteWriteLock.unlock();
      }
    }
  }

  /**
   * Runs {@code work} for reading. On PostgreSQL it runs in a read-only transaction so large
   * results stream by fetch size; on SQLite in autocommit mode, which reads a consistent WAL
   * snapshot per statement without taking the write lock.
   */
  <T> T read(String what, SqlWork<T> work) {
    try (Connection c = dataSource.getConnection()) {
      if (dialect == Dialect.SQLITE) {
        return work.run(c);
      }
      c.setAutoCommit(false);
      c.setReadOnly(true);
      return commitOrRollback(c, work);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  /** Runs {@code work} in the connection's open transaction, then commits, or rolls back. */
  private static <T> T commitOrRollback(Connection c, SqlWork<T> work) throws SQLException {
    try {
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(c);
      throw e;
    }
  }

  @Override
  public void close() {
    dataSource.close();
  }

  static StoreException failure(String what, SQLException e) {
    // The driver's text can quote row values; writes of secret-bearing rows use
    // writeSecretBearing, so what reaches here names ids and revocation data only.
    return new StoreException(
        "could not " + what + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
  }

  static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException suppressed) {
      LOG.warn("rollback failed: {}", suppressed.getMessage());
    }
  }
}
