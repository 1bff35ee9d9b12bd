package dev.mandate.authority;

/** Approval requests on the embedded default store, SQLite. */
class SqliteApprovalRequestsTest extends ApprovalRequestsContract {
  @Override
  AuthorityConfig.Builder database(AuthorityConfig.Builder config) {
    return config;
  }
}
