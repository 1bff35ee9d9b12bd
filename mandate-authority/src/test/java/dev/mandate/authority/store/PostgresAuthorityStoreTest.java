package dev.mandate.authority.store;

import dev.mandate.testkit.PostgresSchema;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The repository suite on PostgreSQL, one fresh schema per test class. Skipped when PostgreSQL is
 * unreachable, failed instead when {@code MANDATE_REQUIRE_POSTGRES=1} (see {@link PostgresSchema}).
 */
class PostgresAuthorityStoreTest extends AuthorityStoreContract {
  private PostgresSchema database;

  @Override
  String freshDatabaseUrl() {
    database = PostgresSchema.create();
    return database.jdbcUrl();
  }

  @Override
  Connection rawConnection() throws SQLException {
    return database.connect();
  }

  @Override
  void dropDatabase() {
    if (database != null) {
      database.close();
    }
  }
}
