package dev.mandate.testkit;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh PostgreSQL schema for one test, dropped on {@link #close()}.
 *
 * <p>Connects to {@code jdbc:postgresql://127.0.0.1:5432/test} (override with the environment
 * variable {@code MANDATE_TEST_POSTGRES_URL}) as user {@code postgres}, else as the OS user, with
 * trust auth. When PostgreSQL is unreachable the calling test is <em>skipped</em> (a JUnit
 * assumption), unless {@code MANDATE_REQUIRE_POSTGRES=1}, in which case it <em>fails</em>: CI sets
 * that so a missing database can't pass silently.
 *
 * <pre>{@code
 * try (PostgresSchema db = PostgresSchema.create()) {
 *   AuthorityStore store = AuthorityStore.open(db.jdbcUrl());
 *   ...
 * }
 * }</pre>
 */
public final class PostgresSchema implements AutoCloseable {
  /** Environment variable that overrides the server URL (without a schema parameter). */
  public static final String URL_ENV = "MANDATE_TEST_POSTGRES_URL";

  /** Environment variable that turns "PostgreSQL unreachable" from a skip into a failure. */
  public static final String REQUIRE_ENV = "MANDATE_REQUIRE_POSTGRES";

  private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Cached outcome of the first connection attempt, so an absent server costs one timeout per run.
   */
  private static volatile String reachableUser;

  private static volatile String unreachableReason;

  private final String baseUrl;
  private final String user;
  private final String schema = "mandate_test_" + HexFormat.of().formatHex(randomBytes());

  private PostgresSchema(String baseUrl, String user) {
    this.baseUrl = baseUrl;
    this.user = user;
  }

  /**
   * Creates a new, empty schema {@code mandate_test_<random>}; skips (or, when required, fails) the
   * calling test if PostgreSQL is unreachable.
   */
  public static PostgresSchema create() {
    String baseUrl = baseUrl();
    PostgresSchema created = new PostgresSchema(baseUrl, user(baseUrl));
    created.execute("CREATE SCHEMA " + created.schema, "could not create test schema ");
    return created;
  }

  /** True when {@code MANDATE_REQUIRE_POSTGRES=1}. */
  public static boolean required() {
    return "1".equals(System.getenv(REQUIRE_ENV));
  }

  /** The JDBC URL of this schema, including the user; pass it to {@code AuthorityStore.open}. */
  public String jdbcUrl() {
    String sep = baseUrl.contains("?") ? "&" : "?";
    return baseUrl + sep + "currentSchema=" + schema + "&user=" + user;
  }

  /** The schema name. */
  public String schema() {
    return schema;
  }

  /** A raw connection to this schema, for tests that reach behind the store's back. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl());
  }

  /** Drops the schema and everything in it. */
  @Override
  public void close() {
    execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE", "could not drop test schema ");
  }

  private void execute(String sql, String failure) {
    try (Connection c = DriverManager.getConnection(baseUrl, props(user));
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(failure + schema + ": " + e.getMessage(), e);
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[6];
    RANDOM.nextBytes(b);
    return b;
  }

  private static String baseUrl() {
    String env = System.getenv(URL_ENV);
    return env == null || env.isBlank() ? DEFAULT_URL : env;
  }

  private static synchronized String user(String baseUrl) {
    if (reachableUser == null && unreachableReason == null) {
      List<String> candidates = new ArrayList<>(List.of("postgres"));
      String osUser = System.getProperty("user.name");
      if (osUser != null && !candidates.contains(osUser)) {
        candidates.add(osUser);
      }
      StringBuilder reasons = new StringBuilder();
      for (String candidate : candidates) {
        try (Connection c = DriverManager.getConnection(baseUrl, props(candidate))) {
          reachableUser = candidate;
          break;
        } catch (SQLException e) {
          reasons.append(" as ").append(candidate).append(": ").append(e.getMessage()).append(';');
        }
      }
      if (reachableUser == null) {
        unreachableReason = "PostgreSQL at " + baseUrl + " is unreachable" + reasons;
      }
    }
    if (reachableUser == null) {
      String message =
          unreachableReason
              + " Start PostgreSQL (trust auth, database 'test') or set "
              + URL_ENV
              + ".";
      if (required()) {
        Assertions.fail(REQUIRE_ENV + "=1 but " + message);
      }
      Assumptions.abort("skipped: " + message);
    }
    return reachableUser;
  }

  private static Properties props(String user) {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("connectTimeout", "3");
    p.setProperty("loginTimeout", "3");
    return p;
  }
}
