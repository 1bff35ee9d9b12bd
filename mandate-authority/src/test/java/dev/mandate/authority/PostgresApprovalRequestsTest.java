package dev.mandate.authority;

import dev.mandate.testkit.PostgresSchema;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * Approval requests on PostgreSQL (restart persistence included). Skipped when PostgreSQL is
 * unreachable, failed instead when {@code MANDATE_REQUIRE_POSTGRES=1}.
 */
class PostgresApprovalRequestsTest extends ApprovalRequestsContract {
  private PostgresSchema db;

  @Override
  AuthorityConfig.Builder database(AuthorityConfig.Builder config) {
    db = PostgresSchema.create();
    String masterKey =
        MasterKey.TEXT_PREFIX
            + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    return config.jdbcUrl(db.jdbcUrl()).environment(Map.of(MasterKey.ENV, masterKey));
  }

  @AfterAll
  void dropSchema() {
    if (db != null) {
      // After the superclass's @AfterAll has stopped the authority.
      db.close();
    }
  }
}
