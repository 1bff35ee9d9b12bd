package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The {@code clients} table: who may call the authority, by secret hash. */
record ClientTable(Database db) {
  private static final String COLUMNS =
      "SELECT client_id, secret_hash, admin, created_at, disabled_at FROM clients";

  void upsert(ClientRecord client) {
    Limits.requireNonNull("client", client);
    db.writeSecretBearing(
        "save client " + client.clientId(),
        c ->
            Sql.update(
                c,
                "INSERT INTO clients (client_id, secret_hash, admin, created_at, disabled_at)"
                    + " VALUES (?, ?, ?, ?, ?)"
                    + " ON CONFLICT (client_id) DO UPDATE"
                    + " SET secret_hash = excluded.secret_hash, admin = excluded.admin,"
                    + " disabled_at = excluded.disabled_at",
                client.clientId(),
                client.secretHash(),
                client.admin(),
                client.createdAt(),
                client.disabledAt()));
  }

  Optional<ClientRecord> find(String clientId) {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    return db.read("read client " + clientId, c -> find(c, clientId));
  }

  List<ClientRecord> all() {
    return db.read(
        "list clients", c -> Sql.list(c, COLUMNS + " ORDER BY client_id", ClientTable::record));
  }

  /** Sets {@code disabled_at} unless already set; returns the client as stored, or empty. */
  Optional<ClientRecord> disable(String clientId, Instant at) {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    return db.write(
        "disable client " + clientId,
        c -> {
          Sql.update(
              c,
              "UPDATE clients SET disabled_at = ? WHERE client_id = ? AND disabled_at IS NULL",
              at,
              clientId);
          return find(c, clientId);
        });
  }

  private static Optional<ClientRecord> find(Connection c, String clientId) throws SQLException {
    return Sql.first(c, COLUMNS + " WHERE client_id = ?", ClientTable::record, clientId);
  }

  private static ClientRecord record(ResultSet rs) throws SQLException {
    return new ClientRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getInt(3) != 0,
        Instant.ofEpochMilli(rs.getLong(4)),
        Sql.instant(rs, 5));
  }
}
