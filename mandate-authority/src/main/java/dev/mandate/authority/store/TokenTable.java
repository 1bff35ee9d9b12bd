package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code tokens} and {@code token_revocation_ids} tables: what the authority minted. Writes
 * here are single records; grouped mints go through {@link MintBatcher}, which uses {@link
 * #refusals} and {@link #insert} inside its own transactions.
 */
record TokenTable(Database db) {
  /** Ids bound in one {@code IN (...)} list, well under every driver's parameter limit. */
  private static final int IN_LIST_MAX = 256;

  void record(TokenRecord token) {
    Limits.requireNonNull("token", token);
    db.write(
        "record token " + token.tokenId(),
        c -> {
          StoreException refusal = refusals(c, List.of(token)).get(0);
          if (refusal != null) {
            throw refusal;
          }
          insert(c, List.of(token));
          return null;
        });
  }

  Optional<TokenRecord> find(String tokenId) {
    Limits.requireText("tokenId", tokenId, Limits.ID_MAX);
    return db.read(
        "read token " + tokenId,
        c -> {
          List<TokenRecord> found = select(c, "t.token_id = ?", tokenId);
          return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
  }

  List<TokenRecord> forIndirect(String indirectId) {
    Limits.requireText("indirectId", indirectId, Limits.ID_MAX);
    return db.read(
        "list tokens of indirect capability " + indirectId,
        c -> select(c, "t.indirect_id = ?", indirectId));
  }

  /**
   * Returns, for each of {@code tokens} in order, why it cannot be recorded ({@code null} if it
   * can): its id is already recorded or comes earlier in the list, or its client is unknown. Two
   * queries however many tokens there are.
   */
  static List<StoreException> refusals(Connection c, List<TokenRecord> tokens) throws SQLException {
    Set<String> ids = new HashSet<>();
    Set<String> clientIds = new HashSet<>();
    for (TokenRecord token : tokens) {
      ids.add(token.tokenId());
      clientIds.add(token.clientId());
    }
    Set<String> existing = existingIds(c, "SELECT token_id FROM tokens WHERE token_id IN ", ids);
    Set<String> clients =
        existingIds(c, "SELECT client_id FROM clients WHERE client_id IN ", clientIds);
    Set<String> seen = new HashSet<>();
    List<StoreException> out = new ArrayList<>(tokens.size());
    for (TokenRecord token : tokens) {
      if (existing.contains(token.tokenId()) || seen.contains(token.tokenId())) {
        out.add(new StoreException("token " + token.tokenId() + " was already recorded"));
      } else if (!clients.contains(token.clientId())) {
        out.add(
            new StoreException(
                "cannot record token "
                    + token.tokenId()
                    + ": no client with id "
                    + token.clientId()));
      } else {
        seen.add(token.tokenId());
        out.add(null);
      }
    }
    return out;
  }

  private static Set<String> existingIds(Connection c, String sqlPrefix, Set<String> ids)
      throws SQLException {
    Set<String> found = new HashSet<>();
    List<String> all = new ArrayList<>(ids);
    for (int from = 0; from < all.size(); from += IN_LIST_MAX) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + IN_LIST_MAX));
      String sql = sqlPrefix + "(" + "?, ".repeat(chunk.size() - 1) + "?)";
      found.addAll(Sql.list(c, sql, Sql::text, chunk.toArray()));
    }
    return found;
  }

  /** Inserts {@code tokens}, which {@link #refusals} passed, inside the caller's transaction. */
  static void insert(Connection c, List<TokenRecord> tokens) throws SQLException {
    if (tokens.isEmpty()) {
      return;
    }
    List<Object[]> rows = new ArrayList<>(tokens.size());
    List<Object[]> revocationRows = new ArrayList<>();
    for (TokenRecord token : tokens) {
      rows.add(
          new Object[] {
            token.tokenId(),
            token.clientId(),
            token.issuedAt(),
            token.expiresAt(),
            token.indirectId()
          });
      List<String> ids = token.revocationIds();
      for (int i = 0; i < ids.size(); i++) {
        revocationRows.add(new Object[] {token.tokenId(), i, ids.get(i)});
      }
    }
    Sql.batch(
        c,
        "INSERT INTO tokens (token_id, client_id, issued_at, expires_at, indirect_id)"
            + " VALUES (?, ?, ?, ?, ?)",
        rows);
    Sql.batch(
        c,
        "INSERT INTO token_revocation_ids (token_id, ordinal, revocation_id) VALUES (?, ?, ?)",
        revocationRows);
  }

  private static List<TokenRecord> select(Connection c, String where, String arg)
      throws SQLException {
    String sql =
        "SELECT t.token_id, t.client_id, t.issued_at, t.expires_at, t.indirect_id, r.revocation_id"
            + " FROM tokens t JOIN token_revocation_ids r ON r.token_id = t.token_id WHERE "
            + where
            + " ORDER BY t.issued_at, t.token_id, r.ordinal";
    List<TokenRecord> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        // One row per revocation id, a token's rows together: fold them into one record.
        String currentId = null;
        List<String> revocationIds = null;
        String clientId = null;
        String indirectId = null;
        long issuedAt = 0;
        long expiresAt = 0;
        while (rs.next()) {
          String id = rs.getString(1);
          if (!id.equals(currentId)) {
            if (currentId != null) {
              out.add(
                  tokenRecord(currentId, clientId, revocationIds, issuedAt, expiresAt, indirectId));
            }
            currentId = id;
            clientId = rs.getString(2);
            issuedAt = rs.getLong(3);
            expiresAt = rs.getLong(4);
            indirectId = rs.getString(5);
            revocationIds = new ArrayList<>();
          }
          revocationIds.add(rs.getString(6));
        }
        if (currentId != null) {
          out.add(tokenRecord(currentId, clientId, revocationIds, issuedAt, expiresAt, indirectId));
        }
      }
    }
    return out;
  }

  private static TokenRecord tokenRecord(
      String tokenId,
      String clientId,
      List<String> revocationIds,
      long issuedAt,
      long expiresAt,
      String indirectId) {
    return new TokenRecord(
        tokenId,
        clientId,
        revocationIds,
        Instant.ofEpochMilli(issuedAt),
        Instant.ofEpochMilli(expiresAt),
        indirectId);
  }
}
