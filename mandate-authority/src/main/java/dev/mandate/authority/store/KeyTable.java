package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/** The {@code root_keys} table: root keys and their life cycle, one active signing key at most. */
record KeyTable(Database db) {

  void insert(RootKeyRecord key) {
    Limits.requireNonNull("key", key);
    db.writeSecretBearing(
        "insert root key " + key.keyId(),
        c -> {
          lock(c);
          if (Sql.exists(c, "SELECT 1 FROM root_keys WHERE key_id = ?", key.keyId())) {
            throw new StoreException("a root key with id " + key.keyId() + " already exists");
          }
          if (key.state() == KeyState.ACTIVE
              && Sql.exists(c, "SELECT 1 FROM root_keys WHERE state = ?", KeyState.ACTIVE)) {
            throw new StoreException(
                "cannot insert key "
                    + key.keyId()
                    + " as ACTIVE: another key is active; insert it VERIFY_ONLY and call activateKey");
          }
          return Sql.update(
              c,
              "INSERT INTO root_keys (key_id, public_key, sealed_private_key, state, created_at,"
                  + " activated_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              key.keyId(),
              key.publicKey(),
              Base64.getEncoder().encodeToString(key.sealedPrivateKey()),
              key.state(),
              key.createdAt(),
              key.state() == KeyState.ACTIVE ? key.createdAt() : null,
              key.retiredAt());
        });
  }

  List<RootKeyRecord> all() {
    return db.read(
        "list root keys",
        c ->
            Sql.list(
                c,
                "SELECT key_id, public_key, sealed_private_key, state, created_at, retired_at"
                    + " FROM root_keys ORDER BY created_at, key_id",
                KeyTable::record));
  }

  /**
   * Makes {@code keyId} the active signing key, demoting the active one to VERIFY_ONLY; a retired
   * key cannot come back.
   */
  void activate(String keyId, Instant at) {
    moveTo(keyId, KeyState.ACTIVE, at);
  }

  /** Retires {@code keyId}; the active key cannot be retired. */
  void retire(String keyId, Instant at) {
    moveTo(keyId, KeyState.RETIRED, at);
  }

  /** Moves the key to {@code target} (ACTIVE or RETIRED); a key already there is left as it is. */
  private void moveTo(String keyId, KeyState target, Instant at) {
    Limits.requireText("keyId", keyId, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    boolean activate = target == KeyState.ACTIVE;
    db.write(
        (activate ? "activate" : "retire") + " root key " + keyId,
        c -> {
          lock(c);
          KeyState state = state(c, keyId);
          if (state == target) {
            return null;
          }
          if (activate && state == KeyState.RETIRED) {
            throw new StoreException("cannot activate key " + keyId + ": it is retired");
          }
          if (!activate && state == KeyState.ACTIVE) {
            throw new StoreException(
                "cannot retire key "
                    + keyId
                    + ": it is the active signing key; activate another key first");
          }
          if (activate) {
            Sql.update(c, "UPDATE root_keys SET state = 'VERIFY_ONLY' WHERE state = 'ACTIVE'");
          }
          // The column names are fixed here, never input.
          String stamp = activate ? "activated_at" : "retired_at";
          return Sql.update(
              c,
              "UPDATE root_keys SET state = ?, " + stamp + " = ? WHERE key_id = ?",
              target,
              at,
              keyId);
        });
  }

  /**
   * Serialises key changes across replicas: the update holds the single key-change lock row until
   * commit, so a concurrent rotation waits and then reads the committed states (on SQLite the
   * transaction already holds the database write lock).
   */
  private static void lock(Connection c) throws SQLException {
    Sql.lockRow(
        c,
        "UPDATE store_locks SET version = version + 1 WHERE name = 'root_keys'",
        "the root_keys lock row");
  }

  private static KeyState state(Connection c, String keyId) throws SQLException {
    return Sql.first(c, "SELECT state FROM root_keys WHERE key_id = ?", Sql::text, keyId)
        .map(KeyState::valueOf)
        .orElseThrow(() -> new StoreException("no root key with id " + keyId));
  }

  private static RootKeyRecord record(ResultSet rs) throws SQLException {
    return new RootKeyRecord(
        rs.getString(1),
        rs.getString(2),
        Base64.getDecoder().decode(rs.getString(3)),
        KeyState.valueOf(rs.getString(4)),
        Instant.ofEpochMilli(rs.getLong(5)),
        Sql.instant(rs, 6));
  }
}
