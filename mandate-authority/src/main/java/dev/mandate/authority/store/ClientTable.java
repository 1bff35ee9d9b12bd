package dev.mandate.authority.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Optional;

/** The {@code clients} table: who may call the authority, by secret hash. */
final class ClientTable {
  private final Database db;

  ClientTable(Database db) {
    this.db = db;
  }

  void upsert(ClientRecord client) {
    Limits.requireNonNull("client", client);
    db.writeSecretBearing(
        "save client " + client.clientId(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO clients (client_id, secret_hash, admin, created_at) VALUES (?, ?, ?, ?)"
                      + " ON CONFLICT (client_id) DO UPDATE"
                      + " SET secret_hash = excluded.secret_hash, admin = excluded.admin")) {
            ps.setString(1, client.clientId());
            ps.setString(2, client.secretHash());
            ps.setInt(3, client.admin() ? 1 : 0);
            ps.setLong(4, client.createdAt().toEpochMilli());
            ps.executeUpdate();
          }
          return null;
        });
  }

  Optional<ClientRecord> find(String clientId) {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    return db.read(
        "read client " + clientId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT client_id, secret_hash, admin, created_at FROM clients WHERE client_id = ?")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new ClientRecord(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getInt(3) != 0,
                      Instant.ofEpochMilli(rs.getLong(4))));
            }
          }
        });
  }
}
