package dev.mandate.authority.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The {@code oauth_clients}, {@code oauth_authorizations} and {@code oauth_refresh_tokens} tables:
 * the OAuth state that outlives a restart.
 */
record OAuthTable(Database db) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AUTHORIZATION_COLUMNS =
      "SELECT a.authorization_id, a.client_id, a.refresh_hash, a.revoked, a.expires_at, a.state"
          + " FROM oauth_authorizations a";

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
        c ->
            Sql.update(
                c,
                "INSERT INTO oauth_clients (client_id, name, redirect_uris, created_at)"
                    + " VALUES (?, ?, ?, ?)",
                client.clientId(),
                client.name(),
                uris,
                client.createdAt()));
  }

  Optional<OAuthClientRecord> client(String clientId) {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    return db.read(
        "read OAuth client " + clientId,
        c ->
            Sql.first(
                c,
                "SELECT client_id, name, redirect_uris, created_at FROM oauth_clients"
                    + " WHERE client_id = ?",
                OAuthTable::client,
                clientId));
  }

  /** Inserts or updates the authorization and adds its current refresh hash to its family. */
  void saveAuthorization(OAuthAuthorizationRecord a) {
    Limits.requireNonNull("authorization", a);
    db.writeSecretBearing(
        "save OAuth authorization " + a.authorizationId(),
        c -> {
          Sql.update(
              c,
              "INSERT INTO oauth_authorizations (authorization_id, client_id, refresh_hash,"
                  + " revoked, expires_at, state) VALUES (?, ?, ?, ?, ?, ?)"
                  + " ON CONFLICT (authorization_id) DO UPDATE"
                  + " SET refresh_hash = excluded.refresh_hash, revoked = excluded.revoked,"
                  + " state = excluded.state",
              a.authorizationId(),
              a.clientId(),
              a.refreshHash(),
              a.revoked(),
              a.expiresAt(),
              a.state());
          if (a.refreshHash() != null) {
            Sql.update(
                c,
                "INSERT INTO oauth_refresh_tokens (token_hash, authorization_id) VALUES (?, ?)"
                    + " ON CONFLICT (token_hash) DO NOTHING",
                a.refreshHash(),
                a.authorizationId());
          }
          return null;
        });
  }

  Optional<OAuthAuthorizationRecord> authorizationByRefreshHash(String hash) {
    Limits.requireText("hash", hash, Limits.ID_MAX);
    return db.read(
        "read an OAuth authorization by refresh token",
        c ->
            Sql.first(
                c,
                AUTHORIZATION_COLUMNS
                    + " JOIN oauth_refresh_tokens r ON r.authorization_id = a.authorization_id"
                    + " WHERE r.token_hash = ?",
                OAuthTable::authorization,
                hash));
  }

  private static OAuthClientRecord client(ResultSet rs) throws SQLException {
    List<String> uris;
    try {
      uris = JSON.readValue(rs.getString(3), new TypeReference<List<String>>() {});
    } catch (JsonProcessingException e) {
      throw new StoreException("OAuth client " + rs.getString(1) + ": redirect URIs unreadable");
    }
    return new OAuthClientRecord(rs.getString(1), rs.getString(2), uris, Sql.instant(rs, 4));
  }

  private static OAuthAuthorizationRecord authorization(ResultSet rs) throws SQLException {
    return new OAuthAuthorizationRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getInt(4) == 1,
        Sql.instant(rs, 5),
        rs.getString(6));
  }
}
