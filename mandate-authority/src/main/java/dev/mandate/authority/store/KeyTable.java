package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
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
          if (Database.exists(c, "SELECT 1 FROM root_keys WHERE key_id = ?", key.keyId())) {
            throw new StoreException("a root key with id " + key.keyId() + " already exists");
          }
          if (key.state() == KeyState.ACTIVE
              && Database.exists(
                  c, "SELECT 1 FROM root_keys WHERE state = ?", KeyState.ACTIVE.name())) {
            throw new StoreException(
                "cannot insert key "
                    + key.keyId()
                    + " as ACTIVE: another key is active; insert it VERIFY_ONLY and call activateKey");
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO root_keys (key_id, public_key, sealed_private_key, state, created_at,"
                      + " activated_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, key.keyId());
            ps.setString(2, key.publicKey());
            ps.setString(3, Base64.getEncoder().encodeToString(key.sealedPrivateKey()));
            ps.setString(4, key.state().name());
            ps.setLong(5, key.createdAt().toEpochMilli());
            Database.setInstant(ps, 6, key.state() == KeyState.ACTIVE ? key.createdAt() : null);
            Database.setInstant(ps, 7, key.retiredAt());
            ps.executeUpdate();
          }
          return null;
        });
  }

  List<RootKeyRecord> all() {
    return db.read(
        "list root keys",
        c -> {
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT key_id, public_key, sealed_private_key, state, created_at, retired_at"
                          + " FROM root_keys ORDER BY created_at, key_id");
              ResultSet rs = ps.executeQuery()) {
            List<RootKeyRecord> keys = new ArrayList<>();
            while (rs.next()) {
              keys.add(
                  new RootKeyRecord(
                      rs.getString(1),
                      rs.getString(2),
                      Base64.getDecoder().decode(rs.getString(3)),
                      KeyState.valueOf(rs.getString(4)),
                      Instant.ofEpochMilli(rs.getLong(5)),
                      Database.getInstant(rs, 6)));
            }
            return keys;
          }
        });
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
            Database.update(c, "UPDATE root_keys SET state = 'VERIFY_ONLY' WHERE state = 'ACTIVE'");
          }
          // The column names are fixed here, never input.
          String stamp = activate ? "activated_at" : "retired_at";
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE root_keys SET state = ?, " + stamp + " = ? WHERE key_id = ?")) {
            ps.setString(1, target.name());
            ps.setLong(2, at.toEpochMilli());
            ps.setString(3, keyId);
            ps.executeUpdate();
          }
          return null;
        });
  }

  /**
   * Serialises key changes across replicas: the update holds the single key-change lock row until
   * commit, so a concurrent rotation waits and then reads the committed states (on SQLite the
   * transaction already holds the database write lock).
   */
  private static void lock(Connection c) throws SQLException {
    Database.lockRow(
        c,
        "UPDATE store_locks SET version = version + 1 WHERE name = 'root_keys'",
        "the root_keys lock row");
  }

  private static KeyState state(Connection c, String keyId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT state FROM root_keys WHERE key_id = ?")) {
      ps.setString(1, keyId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new StoreException("no root key with id " + keyId);
        }
        return KeyState.valueOf(rs.getString(1));
      }
    }
  }
}
