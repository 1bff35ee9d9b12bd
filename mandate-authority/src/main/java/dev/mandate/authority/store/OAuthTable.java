package dev.mandate.authority.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Optional;

/**
 * The {@code oauth_clients}, {@code oauth_authorizations} and {@code oauth_refresh_tokens} tables:
 * the OAuth state that outlives a restart.
 */
final class OAuthTable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AUTHORIZATION_COLUMNS =
      "SELECT a.authorization_id, a.client_id, a.refresh_hash, a.revoked, a.expires_at, a.state"
          + " FROM oauth_authorizations a";

  private final Database db;

  OAuthTable(Database db) {
    this.db = db;
  }

  void saveClient(OAuthClientRecord client) {
    Limits.requireNonNull("client", client);
    String uris;
    try {
      uris = JSON.writeValueAsString(client.redirectUris());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("redirectUris cannot be written as JSON", e);
    }
    db.write(
        "save OAuth client " + client.clientId(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO oauth_clients (client_id, name, redirect_uris, created_at)"
                      + " VALUES (?, ?, ?, ?)")) {
            ps.setString(1, client.clientId());
            ps.setString(2, client.name());
            ps.setString(3, uris);
            ps.setLong(4, client.createdAt().toEpochMilli());
            ps.executeUpdate();
          }
          return null;
        });
  }

  Optional<OAuthClientRecord> client(String clientId) {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    return db.read(
        "read OAuth client " + clientId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT client_id, name, redirect_uris, created_at FROM oauth_clients"
                      + " WHERE client_id = ?")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              List<String> uris;
              try {
                uris = JSON.readValue(rs.getString(3), new TypeReference<List<String>>() {});
              } catch (JsonProcessingException e) {
                throw new StoreException("OAuth client " + clientId + ": redirect URIs unreadable");
              }
              return Optional.of(
                  new OAuthClientRecord(
                      rs.getString(1), rs.getString(2), uris, Database.getInstant(rs, 4)));
            }
          }
        });
  }

  /** Inserts or updates the authorization and adds its current refresh hash to its family. */
  void saveAuthorization(OAuthAuthorizationRecord a) {
    Limits.requireNonNull("authorization", a);
    db.writeSecretBearing(
        "save OAuth authorization " + a.authorizationId(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO oauth_authorizations (authorization_id, client_id, refresh_hash,"
                      + " revoked, expires_at, state) VALUES (?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (authorization_id) DO UPDATE"
                      + " SET refresh_hash = excluded.refresh_hash, revoked = excluded.revoked,"
                      + " state = excluded.state")) {
            ps.setString(1, a.authorizationId());
            ps.setString(2, a.clientId());
            ps.setString(3, a.refreshHash());
            ps.setInt(4, a.revoked() ? 1 : 0);
            ps.setLong(5, a.expiresAt().toEpochMilli());
            ps.setString(6, a.state());
            ps.executeUpdate();
          }
          if (a.refreshHash() != null) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO oauth_refresh_tokens (token_hash, authorization_id) VALUES (?, ?)"
                        + " ON CONFLICT (token_hash) DO NOTHING")) {
              ps.setString(1, a.refreshHash());
              ps.setString(2, a.authorizationId());
              ps.executeUpdate();
            }
          }
          return null;
        });
  }

  Optional<OAuthAuthorizationRecord> authorizationByRefreshHash(String hash) {
    Limits.requireText("hash", hash, Limits.ID_MAX);
    return db.read(
        "read an OAuth authorization by refresh token",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  AUTHORIZATION_COLUMNS
                      + " JOIN oauth_refresh_tokens r ON r.authorization_id = a.authorization_id"
                      + " WHERE r.token_hash = ?")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(
                      new OAuthAuthorizationRecord(
                          rs.getString(1),
                          rs.getString(2),
                          rs.getString(3),
                          rs.getInt(4) == 1,
                          Database.getInstant(rs, 5),
                          rs.getString(6)))
                  : Optional.empty();
            }
          }
        });
  }
}
