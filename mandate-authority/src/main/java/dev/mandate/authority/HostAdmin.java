package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.ClientRecord;
import dev.mandate.authority.store.StoreException;
import java.nio.file.Files;
import java.util.Map;

/**
 * What only someone on the authority's host can do: it needs the data directory, the database and
 * the master key, not a credential of the HTTP API.
 */
public final class HostAdmin {
  private HostAdmin() {}

  /**
   * Gives the admin client a new secret (creating the client if it does not exist, enabling it if
   * it was disabled) and records the reset in the audit trail. The old secret stops working at
   * once, also on a running authority. Works whether or not an authority is running on this data
   * directory.
   *
   * <p>The caller must prove possession of the master key: the reset is refused unless it opens the
   * database's root keys, so read access to the database alone is not enough.
   *
   * @return the new secret, which is stored only as a hash; show it once and forget it
   * @throws AuthorityStartupException if the data directory, master key or database is unusable, or
   *     the database has no root key yet (start the authority once first)
   */
  public static String resetAdminSecret(AuthorityConfig config) {
    if (!Files.isDirectory(config.dataDir())) {
      throw new AuthorityStartupException(
          "there is no data directory "
              + config.dataDir()
              + "; give the --data directory of the authority whose admin secret to reset");
    }
    MasterKey master = Bootstrap.readMasterKey(config.masterKeySource());
    if (master == null) {
      throw new AuthorityStartupException(
          config.masterKeySource().describe()
              + " holds no master key; the reset needs this authority's master key");
    }
    String sqliteFile = Bootstrap.sqliteFile(config.jdbcUrl());
    if (sqliteFile != null && !Files.isRegularFile(java.nio.file.Path.of(sqliteFile))) {
      throw new AuthorityStartupException(
          "there is no database "
              + sqliteFile
              + "; start the authority once ('mandate serve') before resetting its admin secret");
    }
    try (AuthorityStore store = Bootstrap.openStore(config)) {
      if (store.keys().isEmpty()) {
        throw new AuthorityStartupException(
            "the database has no root key yet; start the authority once ('mandate serve') first");
      }
      // Opening the root keys proves that the caller holds this database's master key.
      new RootKeys(store, master, config.clock(), config.random()).checkOpens();
      String secret = SecretHash.newSecret(config.random());
      ClientRecord existing = store.client(Bootstrap.ADMIN_CLIENT_ID).orElse(null);
      store.upsertClient(
          new ClientRecord(
              Bootstrap.ADMIN_CLIENT_ID,
              SecretHash.hash(secret, config.random()),
              true,
              existing != null ? existing.createdAt() : config.clock().instant(),
              null));
      new AuditTrail(store, config.clock())
          .record(
              existing == null ? "client.create" : "client.secret.reset",
              "host",
              null,
              Bootstrap.ADMIN_CLIENT_ID,
              Map.of("admin", true, "via", "host"));
      return secret;
    } catch (StoreException e) {
      throw new AuthorityStartupException("the database failed: " + e.getMessage(), e);
    }
  }
}
