package dev.mandate.authority;

/** The approval endpoint on the embedded default store, SQLite. */
class SqliteApprovalEndpointsTest extends ApprovalEndpointsContract {
  @Override
  AuthorityConfig.Builder database(AuthorityConfig.Builder config) {
    return config;
  }
}
