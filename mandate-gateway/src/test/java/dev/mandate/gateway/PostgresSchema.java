package dev.mandate.gateway;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh PostgreSQL schema for one test class, dropped on {@link #close()}. The same rules as
 * mandate-authority's {@code PostgresTestDatabase} (which is not published as a test jar): {@code
 * jdbc:postgresql://127.0.0.1:5432/test} or {@code MANDATE_TEST_POSTGRES_URL}, as user {@code
 * postgres} or the OS user; unreachable skips the test unless {@code MANDATE_REQUIRE_POSTGRES=1},
 * which fails it.
 */
final class PostgresSchema implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String baseUrl;
  private final String user;
  private final String schema;

  private PostgresSchema(String baseUrl, String user, String schema) {
    this.baseUrl = baseUrl;
    this.user = user;
    this.schema = schema;
  }

  /** Creates {@code mandate_gw_test_<random>}; skips or fails the caller when unreachable. */
  static PostgresSchema create() {
    String env = System.getenv("MANDATE_TEST_POSTGRES_URL");
    String baseUrl =
        env == null || env.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/test" : env.strip();
    byte[] random = new byte[6];
    RANDOM.nextBytes(random);
    String schema = "mandate_gw_test_" + HexFormat.of().formatHex(random);
    StringBuilder reasons = new StringBuilder();
    for (String user : new String[] {"postgres", System.getProperty("user.name")}) {
      if (user == null) {
        continue;
      }
      try (Connection c = DriverManager.getConnection(baseUrl, props(user));
          Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA " + schema);
        return new PostgresSchema(baseUrl, user, schema);
      } catch (SQLException e) {
        reasons.append(" as ").append(user).append(": ").append(e.getMessage()).append(';');
      }
    }
    String message =
        "PostgreSQL at "
            + baseUrl
            + " is unreachable"
            + reasons
            + " Start PostgreSQL (trust auth, database 'test') or set MANDATE_TEST_POSTGRES_URL.";
    if ("1".equals(System.getenv("MANDATE_REQUIRE_POSTGRES"))) {
      Assertions.fail("MANDATE_REQUIRE_POSTGRES=1 but " + message);
    }
    Assumptions.abort("skipped: " + message);
    throw new AssertionError("unreachable");
  }

  /** The JDBC URL of this schema, with the user. */
  String jdbcUrl() {
    return baseUrl
        + (baseUrl.contains("?") ? "&" : "?")
        + "currentSchema="
        + schema
        + "&user="
        + user;
  }

  @Override
  public void close() {
    try (Connection c = DriverManager.getConnection(baseUrl, props(user));
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop test schema " + schema, e);
    }
  }

  private static Properties props(String user) {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("connectTimeout", "3");
    p.setProperty("loginTimeout", "3");
    return p;
  }
}
