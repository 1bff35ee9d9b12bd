package dev.mandate.authority.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
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
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO clients (client_id, secret_hash, admin, created_at, disabled_at)"
                      + " VALUES (?, ?, ?, ?, ?)"
                      + " ON CONFLICT (client_id) DO UPDATE"
                      + " SET secret_hash = excluded.secret_hash, admin = excluded.admin,"
                      + " disabled_at = excluded.disabled_at")) {
            ps.setString(1, client.clientId());
            ps.setString(2, client.secretHash());
            ps.setInt(3, client.admin() ? 1 : 0);
            ps.setLong(4, client.createdAt().toEpochMilli());
            Database.setInstant(ps, 5, client.disabledAt());
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
          try (PreparedStatement ps = c.prepareStatement(COLUMNS + " WHERE client_id = ?")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(record(rs)) : Optional.empty();
            }
          }
        });
  }

  List<ClientRecord> all() {
    return db.read(
        "list clients",
        c -> {
          List<ClientRecord> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(COLUMNS + " ORDER BY client_id");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(record(rs));
            }
          }
          return out;
        });
  }

  /** Sets {@code disabled_at} unless already set; returns the client as stored, or empty. */
  Optional<ClientRecord> disable(String clientId, Instant at) {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    return db.write(
        "disable client " + clientId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE clients SET disabled_at = ? WHERE client_id = ? AND disabled_at IS NULL")) {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, clientId);
            ps.executeUpdate();
          }
          try (PreparedStatement ps = c.prepareStatement(COLUMNS + " WHERE client_id = ?")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(record(rs)) : Optional.empty();
            }
          }
        });
  }

  private static ClientRecord record(ResultSet rs) throws SQLException {
    return new ClientRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getInt(3) != 0,
        Instant.ofEpochMilli(rs.getLong(4)),
        Database.getInstant(rs, 5));
  }
}
