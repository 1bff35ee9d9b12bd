package dev.mandate.authority.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * {@link AuthorityStore} over JDBC, for SQLite and PostgreSQL with one schema.
 *
 * <p>Ordering: the feed and the audit chain each have a single head row. A writer first increments
 * the head ({@code UPDATE ... SET seq = seq + 1}), which takes the row's write lock until commit
 * (PostgreSQL) or is inside a {@code BEGIN IMMEDIATE} transaction (SQLite), so writers are
 * serialised across every replica, sequence numbers are gap-free (a rollback undoes the increment)
 * and commit order equals sequence order. A database SEQUENCE would leave gaps and let a later
 * number commit first, which would make a follower skip entries.
 *
 * <p>Durability: a write method returns only after COMMIT; SQLite runs in WAL mode with {@code
 * synchronous=FULL}, so a commit is fsynced.
 */
final class JdbcAuthorityStore implements AuthorityStore {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcAuthorityStore.class);

  static final int FEED_LIMIT_MAX = 10_000;
  static final int BATCH_MAX = 10_000;
  private static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;

  private enum Dialect {
    SQLITE,
    POSTGRESQL
  }

  private final HikariDataSource dataSource;
  private final Dialect dialect;

  /** SQLite allows one writer; queueing in process avoids spinning in SQLite's busy handler. */
  private final ReentrantLock sqliteWriteLock = new ReentrantLock(true);

  private JdbcAuthorityStore(HikariDataSource dataSource, Dialect dialect) {
    this.dataSource = dataSource;
    this.dialect = dialect;
  }

  static AuthorityStore open(String jdbcUrl, char[] password) {
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw new IllegalArgumentException("jdbcUrl must not be blank");
    }
    HikariDataSource ds;
    Dialect dialect;
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      if (password != null) {
        throw new IllegalArgumentException("an SQLite database has no password; give none");
      }
      dialect = Dialect.SQLITE;
      ds = sqlitePool(jdbcUrl);
    } else if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      dialect = Dialect.POSTGRESQL;
      ds = postgresPool(jdbcUrl, password);
    } else {
      throw new IllegalArgumentException(
          "unsupported database URL "
              + JdbcUrls.redact(jdbcUrl)
              + "; use jdbc:sqlite:/path/to/authority.db or jdbc:postgresql://host:5432/database");
    }
    try {
      Flyway.configure()
          .dataSource(ds)
          .locations("classpath:db/migration")
          .failOnMissingLocations(true)
          .load()
          .migrate();
    } catch (FlywayException e) {
      ds.close();
      throw new StoreException(
          "could not bring the database schema at "
              + JdbcUrls.redact(jdbcUrl)
              + " up to date: "
              + e.getMessage()
              + ". If the database was written by a newer Mandate, upgrade this one.",
          e);
    }
    LOG.info("authority store open: {} ({})", JdbcUrls.redact(jdbcUrl), dialect);
    return new JdbcAuthorityStore(ds, dialect);
  }

  private static HikariDataSource sqlitePool(String jdbcUrl) {
    String rest = jdbcUrl.substring("jdbc:sqlite:".length());
    String file = rest.contains("?") ? rest.substring(0, rest.indexOf('?')) : rest;
    if (file.isEmpty() || file.contains(":memory:") || rest.contains("mode=memory")) {
      throw new IllegalArgumentException(
          "the authority store needs a database file, not an in-memory SQLite database; "
              + "use jdbc:sqlite:/path/to/authority.db");
    }
    if (file.startsWith("file:")) {
      file = file.substring("file:".length());
    }
    Path parent = Path.of(file).toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new StoreException(
          "cannot open SQLite database "
              + file
              + ": directory "
              + parent
              + " does not exist; create it first");
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MS);
    config.enforceForeignKeys(true);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    SQLiteDataSource sqlite = new SQLiteDataSource(config);
    sqlite.setUrl(jdbcUrl);
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("mandate-store-sqlite");
    hikari.setDataSource(sqlite);
    hikari.setMaximumPoolSize(4);
    hikari.setMinimumIdle(1);
    hikari.setConnectionTimeout(SQLITE_BUSY_TIMEOUT_MS);
    return createPool(hikari, jdbcUrl, "check that the file is readable and writable by this user");
  }

  private static HikariDataSource postgresPool(String jdbcUrl, char[] password) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("mandate-store-postgresql");
    hikari.setJdbcUrl(jdbcUrl);
    if (password != null) {
      hikari.setPassword(new String(password));
    }
    hikari.setMaximumPoolSize(10);
    hikari.setMinimumIdle(2);
    hikari.setConnectionTimeout(5_000);
    hikari.addDataSourceProperty("connectTimeout", "5");
    return createPool(
        hikari,
        jdbcUrl,
        "check that PostgreSQL is running and reachable, and that the URL, user and password are right");
  }

  private static HikariDataSource createPool(HikariConfig config, String jdbcUrl, String advice) {
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw new StoreException(
          "cannot connect to "
              + JdbcUrls.redact(jdbcUrl)
              + ": "
              + root.getMessage()
              + "; "
              + advice,
          e);
    }
  }

  // ---------------------------------------------------------------- root keys

  @Override
  public void insertKey(RootKeyRecord key) {
    Limits.requireNonNull("key", key);
    writeSecretBearing(
        "insert root key " + key.keyId(),
        c -> {
          lockKeys(c);
          if (exists(c, "SELECT 1 FROM root_keys WHERE key_id = ?", key.keyId())) {
            throw new StoreException("a root key with id " + key.keyId() + " already exists");
          }
          if (key.state() == KeyState.ACTIVE
              && exists(c, "SELECT 1 FROM root_keys WHERE state = ?", KeyState.ACTIVE.name())) {
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
            setLong(ps, 6, key.state() == KeyState.ACTIVE ? key.createdAt() : null);
            setLong(ps, 7, key.retiredAt());
            ps.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public List<RootKeyRecord> keys() {
    return read(
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
                      getInstant(rs, 6)));
            }
            return keys;
          }
        });
  }

  @Override
  public void activateKey(String keyId, Instant at) {
    Limits.requireText("keyId", keyId, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    write(
        "activate root key " + keyId,
        c -> {
          lockKeys(c);
          KeyState state = keyState(c, keyId);
          if (state == KeyState.RETIRED) {
            throw new StoreException("cannot activate key " + keyId + ": it is retired");
          }
          if (state == KeyState.ACTIVE) {
            return null;
          }
          update(c, "UPDATE root_keys SET state = 'VERIFY_ONLY' WHERE state = 'ACTIVE'");
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE root_keys SET state = 'ACTIVE', activated_at = ? WHERE key_id = ?")) {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, keyId);
            ps.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public void retireKey(String keyId, Instant at) {
    Limits.requireText("keyId", keyId, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    write(
        "retire root key " + keyId,
        c -> {
          lockKeys(c);
          KeyState state = keyState(c, keyId);
          if (state == KeyState.ACTIVE) {
            throw new StoreException(
                "cannot retire key "
                    + keyId
                    + ": it is the active signing key; activate another key first");
          }
          if (state == KeyState.RETIRED) {
            return null;
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE root_keys SET state = 'RETIRED', retired_at = ? WHERE key_id = ?")) {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, keyId);
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
  private static void lockKeys(Connection c) throws SQLException {
    if (update(c, "UPDATE store_locks SET version = version + 1 WHERE name = 'root_keys'") != 1) {
      throw new StoreException(
          "the root_keys lock row is missing; the database was altered by hand");
    }
  }

  private static KeyState keyState(Connection c, String keyId) throws SQLException {
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

  // ---------------------------------------------------------------- clients

  @Override
  public void upsertClient(ClientRecord client) {
    Limits.requireNonNull("client", client);
    writeSecretBearing(
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
            setLong(ps, 5, client.disabledAt());
            ps.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public Optional<ClientRecord> client(String clientId) {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    return read(
        "read client " + clientId,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(CLIENT_COLUMNS + " WHERE client_id = ?")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(clientRecord(rs)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public List<ClientRecord> clients() {
    return read(
        "list clients",
        c -> {
          List<ClientRecord> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(CLIENT_COLUMNS + " ORDER BY client_id");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(clientRecord(rs));
            }
          }
          return out;
        });
  }

  @Override
  public Optional<ClientRecord> disableClient(String clientId, Instant at) {
    Limits.requireText("clientId", clientId, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    return write(
        "disable client " + clientId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE clients SET disabled_at = ? WHERE client_id = ? AND disabled_at IS NULL")) {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, clientId);
            ps.executeUpdate();
          }
          try (PreparedStatement ps = c.prepareStatement(CLIENT_COLUMNS + " WHERE client_id = ?")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(clientRecord(rs)) : Optional.empty();
            }
          }
        });
  }

  private static final String CLIENT_COLUMNS =
      "SELECT client_id, secret_hash, admin, created_at, disabled_at FROM clients";

  private static ClientRecord clientRecord(ResultSet rs) throws SQLException {
    long disabled = rs.getLong(5);
    Instant disabledAt = rs.wasNull() ? null : Instant.ofEpochMilli(disabled);
    return new ClientRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getInt(3) != 0,
        Instant.ofEpochMilli(rs.getLong(4)),
        disabledAt);
  }

  // ---------------------------------------------------------------- tokens

  @Override
  public void recordToken(TokenRecord token) {
    Limits.requireNonNull("token", token);
    write(
        "record token " + token.tokenId(),
        c -> {
          insertToken(c, token);
          return null;
        });
  }

  /**
   * Group commit: callers enqueue their mint and wait; whichever caller finds no commit in progress
   * becomes the committer, takes everything queued (up to {@link #MINT_GROUP_MAX}) and writes it in
   * one transaction, so one fsync (SQLite) or one WAL flush (PostgreSQL) serves many mints. There
   * is no artificial delay: a lone caller commits its own mint at once. A call returns only after
   * the transaction holding its mint committed, so durability is as before.
   */
  @Override
  public AuditRecord recordMint(TokenRecord token, AuditEvent mintEvent) {
    Limits.requireNonNull("token", token);
    Limits.requireNonNull("mintEvent", mintEvent);
    PendingMint mine = new PendingMint(token, mintEvent);
    mintLock.lock();
    try {
      if (closed) {
        throw new StoreException(
            "could not record minted token " + token.tokenId() + ": the store is closed");
      }
      mintQueue.addLast(mine);
      while (!mine.done) {
        if (committing) {
          mintDone.awaitUninterruptibly();
          continue;
        }
        List<PendingMint> batch = new ArrayList<>(Math.min(mintQueue.size(), MINT_GROUP_MAX));
        while (batch.size() < MINT_GROUP_MAX && !mintQueue.isEmpty()) {
          batch.add(mintQueue.pollFirst());
        }
        committing = true;
        mintLock.unlock();
        try {
          commitMints(batch);
        } catch (Throwable t) {
          for (PendingMint p : batch) {
            if (!p.done) {
              p.fail(asStoreException("record minted token " + p.token.tokenId(), t));
            }
          }
        } finally {
          mintLock.lock();
          for (PendingMint p : batch) {
            p.done = true; // published to waiters by mintLock
          }
          committing = false;
          mintDone.signalAll();
        }
      }
    } finally {
      mintLock.unlock();
    }
    if (mine.failure != null) {
      throw mine.failure;
    }
    return mine.result;
  }

  static final int MINT_GROUP_MAX = 256;

  private final ReentrantLock mintLock = new ReentrantLock();
  private final java.util.concurrent.locks.Condition mintDone = mintLock.newCondition();
  private final java.util.ArrayDeque<PendingMint> mintQueue = new java.util.ArrayDeque<>();
  private boolean committing; // guarded by mintLock
  private boolean closed; // guarded by mintLock

  private static final class PendingMint {
    final TokenRecord token;
    final AuditEvent event;
    AuditRecord result;
    RuntimeException failure;
    boolean done; // guarded by mintLock

    PendingMint(TokenRecord token, AuditEvent event) {
      this.token = token;
      this.event = event;
    }

    void fail(RuntimeException e) {
      if (result == null && failure == null) {
        failure = e;
      }
    }
  }

  private static StoreException asStoreException(String what, Throwable t) {
    if (t instanceof SQLException e) {
      return failure(what, e);
    }
    if (t instanceof StoreException e) {
      return new StoreException(e.getMessage(), e);
    }
    return new StoreException("could not " + what + ": " + t, t);
  }

  /**
   * Writes {@code batch} in one transaction. Items that fail the pre-checks (duplicate token id,
   * unknown client) fail alone with the single-mint messages. If writing the rows throws, nothing
   * of the attempt is kept and the items are retried in two halves, each in its own transaction,
   * until the offending item fails alone; a failure to connect, lock or commit fails the whole
   * batch.
   */
  private void commitMints(List<PendingMint> batch) {
    if (batch.isEmpty()) {
      return;
    }
    boolean sqlite = dialect == Dialect.SQLITE;
    if (sqlite) {
      sqliteWriteLock.lock();
    }
    List<PendingMint> retry = null;
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        lockHead(c, "audit_head");
        List<PendingMint> valid = preCheck(c, batch);
        List<AuditRecord> records;
        try {
          records = writeMints(c, valid);
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(c);
          if (valid.size() == 1) {
            valid
                .get(0)
                .fail(asStoreException("record minted token " + valid.get(0).token.tokenId(), e));
          } else {
            retry = valid;
          }
          records = null;
        }
        if (records != null) {
          c.commit();
          for (int i = 0; i < valid.size(); i++) {
            valid.get(i).result = records.get(i);
          }
        }
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      for (PendingMint p : batch) {
        p.fail(failure("record minted token " + p.token.tokenId(), e));
      }
    } finally {
      if (sqlite) {
        sqliteWriteLock.unlock();
      }
    }
    if (retry != null) {
      int half = retry.size() / 2;
      commitMints(new ArrayList<>(retry.subList(0, half)));
      commitMints(new ArrayList<>(retry.subList(half, retry.size())));
    }
  }

  /** The checks of {@link #insertToken}, for a whole batch in two queries; fails invalid items. */
  private static List<PendingMint> preCheck(Connection c, List<PendingMint> batch)
      throws SQLException {
    Set<String> ids = new HashSet<>();
    Set<String> clientIds = new HashSet<>();
    for (PendingMint p : batch) {
      ids.add(p.token.tokenId());
      clientIds.add(p.token.clientId());
    }
    Set<String> existing = existingIds(c, "SELECT token_id FROM tokens WHERE token_id IN ", ids);
    Set<String> clients =
        existingIds(c, "SELECT client_id FROM clients WHERE client_id IN ", clientIds);
    Set<String> seen = new HashSet<>();
    List<PendingMint> valid = new ArrayList<>(batch.size());
    for (PendingMint p : batch) {
      TokenRecord token = p.token;
      if (existing.contains(token.tokenId()) || seen.contains(token.tokenId())) {
        p.fail(new StoreException("token " + token.tokenId() + " was already recorded"));
      } else if (!clients.contains(token.clientId())) {
        p.fail(
            new StoreException(
                "cannot record token "
                    + token.tokenId()
                    + ": no client with id "
                    + token.clientId()));
      } else {
        seen.add(token.tokenId());
        valid.add(p);
      }
    }
    return valid;
  }

  private static Set<String> existingIds(Connection c, String sqlPrefix, Set<String> ids)
      throws SQLException {
    Set<String> found = new HashSet<>();
    List<String> all = new ArrayList<>(ids);
    for (int from = 0; from < all.size(); from += MINT_GROUP_MAX) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + MINT_GROUP_MAX));
      StringBuilder sql = new StringBuilder(sqlPrefix).append('(');
      for (int i = 0; i < chunk.size(); i++) {
        sql.append(i == 0 ? "?" : ", ?");
      }
      sql.append(')');
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        for (int i = 0; i < chunk.size(); i++) {
          ps.setString(i + 1, chunk.get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            found.add(rs.getString(1));
          }
        }
      }
    }
    return found;
  }

  /** Inserts the (pre-checked) tokens and appends their mint events to the chain in queue order. */
  private static List<AuditRecord> writeMints(Connection c, List<PendingMint> valid)
      throws SQLException {
    if (valid.isEmpty()) {
      return List.of();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO tokens (token_id, client_id, issued_at, expires_at, indirect_id)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      for (PendingMint p : valid) {
        TokenRecord token = p.token;
        ps.setString(1, token.tokenId());
        ps.setString(2, token.clientId());
        ps.setLong(3, token.issuedAt().toEpochMilli());
        ps.setLong(4, token.expiresAt().toEpochMilli());
        ps.setString(5, token.indirectId());
        ps.addBatch();
      }
      ps.executeBatch();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO token_revocation_ids (token_id, ordinal, revocation_id) VALUES (?, ?, ?)")) {
      boolean any = false;
      for (PendingMint p : valid) {
        List<String> ids = p.token.revocationIds();
        for (int i = 0; i < ids.size(); i++) {
          ps.setString(1, p.token.tokenId());
          ps.setInt(2, i);
          ps.setString(3, ids.get(i));
          ps.addBatch();
          any = true;
        }
      }
      if (any) {
        ps.executeBatch();
      }
    }
    List<AuditEvent> events = new ArrayList<>(valid.size());
    for (PendingMint p : valid) {
      events.add(p.event);
    }
    return appendLocked(c, events);
  }

  private static void insertToken(Connection c, TokenRecord token) throws SQLException {
    if (exists(c, "SELECT 1 FROM tokens WHERE token_id = ?", token.tokenId())) {
      throw new StoreException("token " + token.tokenId() + " was already recorded");
    }
    if (!exists(c, "SELECT 1 FROM clients WHERE client_id = ?", token.clientId())) {
      throw new StoreException(
          "cannot record token " + token.tokenId() + ": no client with id " + token.clientId());
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO tokens (token_id, client_id, issued_at, expires_at, indirect_id)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, token.tokenId());
      ps.setString(2, token.clientId());
      ps.setLong(3, token.issuedAt().toEpochMilli());
      ps.setLong(4, token.expiresAt().toEpochMilli());
      ps.setString(5, token.indirectId());
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO token_revocation_ids (token_id, ordinal, revocation_id) VALUES (?, ?, ?)")) {
      List<String> ids = token.revocationIds();
      for (int i = 0; i < ids.size(); i++) {
        ps.setString(1, token.tokenId());
        ps.setInt(2, i);
        ps.setString(3, ids.get(i));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  @Override
  public Optional<TokenRecord> token(String tokenId) {
    Limits.requireText("tokenId", tokenId, Limits.ID_MAX);
    return read(
        "read token " + tokenId,
        c -> {
          List<TokenRecord> found = tokens(c, "t.token_id = ?", tokenId);
          return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
  }

  @Override
  public List<TokenRecord> tokensForIndirect(String indirectId) {
    Limits.requireText("indirectId", indirectId, Limits.ID_MAX);
    return read(
        "list tokens of indirect capability " + indirectId,
        c -> tokens(c, "t.indirect_id = ?", indirectId));
  }

  private static List<TokenRecord> tokens(Connection c, String where, String arg)
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

  // ---------------------------------------------------------------- revocation feed

  @Override
  public FeedEntry publish(
      FeedEntry.Kind kind,
      String revocationId,
      String tokenId,
      String reason,
      String actor,
      Instant at) {
    Limits.requireNonNull("kind", kind);
    Limits.requireText("revocationId", revocationId, Limits.ID_MAX);
    Limits.requireOptionalText("tokenId", tokenId, Limits.ID_MAX);
    Limits.requireOptionalText("reason", reason, Limits.TEXT_MAX);
    Limits.requireText("actor", actor, Limits.ID_MAX);
    Limits.requireNonNull("at", at);
    return write(
        kind.name().toLowerCase() + " " + revocationId,
        c -> {
          // Taking the head lock first makes the "already revoked?" check race-free across
          // replicas.
          long seq = incrementHead(c, "feed_head");
          if (kind == FeedEntry.Kind.REVOKE) {
            Optional<FeedEntry> existing = existingRevoke(c, revocationId);
            if (existing.isPresent()) {
              c.rollback(); // gives the sequence number back
              return existing.get();
            }
          }
          long atMillis = at.toEpochMilli();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO feed (sequence, kind, revocation_id, token_id, reason, actor, occurred_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, seq);
            ps.setString(2, kind.name());
            ps.setString(3, revocationId);
            ps.setString(4, tokenId);
            ps.setString(5, reason);
            ps.setString(6, actor);
            ps.setLong(7, atMillis);
            ps.executeUpdate();
          }
          return new FeedEntry(
              seq, kind, revocationId, tokenId, reason, actor, Instant.ofEpochMilli(atMillis));
        });
  }

  private static Optional<FeedEntry> existingRevoke(Connection c, String revocationId)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(FEED_COLUMNS + " WHERE kind = 'REVOKE' AND revocation_id = ?")) {
      ps.setString(1, revocationId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(feedEntry(rs)) : Optional.empty();
      }
    }
  }

  private static final String FEED_COLUMNS =
      "SELECT sequence, kind, revocation_id, token_id, reason, actor, occurred_at FROM feed";

  private static FeedEntry feedEntry(ResultSet rs) throws SQLException {
    return new FeedEntry(
        rs.getLong(1),
        FeedEntry.Kind.valueOf(rs.getString(2)),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        Instant.ofEpochMilli(rs.getLong(7)));
  }

  @Override
  public List<FeedEntry> feedSince(long afterSequence, int limit) {
    if (afterSequence < 0) {
      throw new IllegalArgumentException("afterSequence must be >= 0, got " + afterSequence);
    }
    if (limit < 1 || limit > FEED_LIMIT_MAX) {
      throw new IllegalArgumentException("limit must be 1.." + FEED_LIMIT_MAX + ", got " + limit);
    }
    return read(
        "read the revocation feed",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(FEED_COLUMNS + " WHERE sequence > ? ORDER BY sequence LIMIT ?")) {
            ps.setLong(1, afterSequence);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
              List<FeedEntry> out = new ArrayList<>();
              while (rs.next()) {
                out.add(feedEntry(rs));
              }
              return out;
            }
          }
        });
  }

  @Override
  public long latestSequence() {
    return read("read the revocation feed head", c -> headSeq(c, "feed_head"));
  }

  @Override
  public Set<String> currentlyDenied() {
    return deniedSnapshot().denied();
  }

  @Override
  public RevocationSnapshot deniedSnapshot() {
    return read(
        "read the revocation snapshot",
        c -> {
          // Every entry up to the head's sequence is committed (the head moves in the same
          // transaction as the insert), so bounding both queries by it gives a consistent snapshot
          // without needing a repeatable-read transaction.
          long seq = headSeq(c, "feed_head");
          Set<String> denied = new HashSet<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT revocation_id FROM feed WHERE kind = 'REVOKE' AND sequence <= ?")) {
            ps.setLong(1, seq);
            collect(ps, denied);
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT f.revocation_id FROM feed f WHERE f.kind = 'SUSPEND' AND f.sequence = ("
                      + " SELECT MAX(g.sequence) FROM feed g WHERE g.revocation_id = f.revocation_id"
                      + " AND g.kind IN ('SUSPEND', 'RESUME') AND g.sequence <= ?)")) {
            ps.setLong(1, seq);
            collect(ps, denied);
          }
          return new RevocationSnapshot(seq, denied);
        });
  }

  private static void collect(PreparedStatement ps, Set<String> into) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        into.add(rs.getString(1));
      }
    }
  }

  // ---------------------------------------------------------------- audit trail

  @Override
  public AuditRecord append(AuditEvent event) {
    Limits.requireNonNull("event", event);
    return write("append an audit record", c -> appendLocked(c, List.of(event)).get(0));
  }

  @Override
  public boolean appendBatch(String batchId, List<AuditEvent> events) {
    Limits.requireText("batchId", batchId, Limits.ID_MAX);
    Limits.requireNonNull("events", events);
    if (events.isEmpty() || events.size() > BATCH_MAX) {
      throw new IllegalArgumentException(
          "a batch must hold 1.." + BATCH_MAX + " events, got " + events.size());
    }
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) == null) {
        throw new IllegalArgumentException("events[" + i + "] must not be null");
      }
    }
    List<AuditEvent> copy = List.copyOf(events);
    return write(
        "ingest audit batch " + batchId,
        c -> {
          // Lock the chain head first so that two replicas ingesting the same batch id serialise
          // here
          // and the second one sees the first one's batch row.
          lockHead(c, "audit_head");
          if (exists(c, "SELECT 1 FROM audit_batches WHERE batch_id = ?", batchId)) {
            c.rollback();
            return false;
          }
          List<AuditRecord> written = appendLocked(c, copy);
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO audit_batches (batch_id, first_seq, record_count) VALUES (?, ?, ?)")) {
            ps.setString(1, batchId);
            ps.setLong(2, written.get(0).sequence());
            ps.setInt(3, written.size());
            ps.executeUpdate();
          }
          return true;
        });
  }

  /** Appends inside the caller's transaction; locks the chain head (again, harmlessly, if held). */
  private static List<AuditRecord> appendLocked(Connection c, List<AuditEvent> events)
      throws SQLException {
    lockHead(c, "audit_head");
    long seq;
    String previous;
    try (PreparedStatement ps =
            c.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new StoreException("the audit_head row is missing; the database was altered by hand");
      }
      seq = rs.getLong(1);
      previous = rs.getString(2);
    }
    List<AuditRecord> out = new ArrayList<>(events.size());
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO audit_log (sequence, type, actor, token_id, client_id, occurred_at, detail,"
                + " previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (AuditEvent e : events) {
        seq++;
        long atMillis = e.at().toEpochMilli();
        String hash =
            AuditChain.hash(
                seq,
                previous,
                e.type(),
                e.actor(),
                e.tokenId(),
                e.clientId(),
                atMillis,
                e.detailJson());
        ps.setLong(1, seq);
        ps.setString(2, e.type());
        ps.setString(3, e.actor());
        ps.setString(4, e.tokenId());
        ps.setString(5, e.clientId());
        ps.setLong(6, atMillis);
        ps.setString(7, e.detailJson());
        ps.setString(8, previous);
        ps.setString(9, hash);
        ps.addBatch();
        AuditEvent stored =
            new AuditEvent(
                e.type(),
                e.actor(),
                e.tokenId(),
                e.clientId(),
                Instant.ofEpochMilli(atMillis),
                e.detailJson());
        out.add(new AuditRecord(seq, stored, previous, hash));
        previous = hash;
      }
      ps.executeBatch();
    }
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
      ps.setLong(1, seq);
      ps.setString(2, previous);
      ps.executeUpdate();
    }
    return out;
  }

  private static final String AUDIT_COLUMNS =
      "SELECT sequence, type, actor, token_id, client_id, occurred_at, detail, previous_hash, hash"
          + " FROM audit_log";

  @Override
  public List<AuditRecord> audit(AuditQuery query) {
    Limits.requireNonNull("query", query);
    StringBuilder sql = new StringBuilder(AUDIT_COLUMNS).append(" WHERE sequence > ?");
    List<Object> args = new ArrayList<>();
    args.add(query.afterSequence());
    if (query.tokenId() != null) {
      sql.append(" AND token_id = ?");
      args.add(query.tokenId());
    }
    if (query.clientId() != null) {
      sql.append(" AND client_id = ?");
      args.add(query.clientId());
    }
    if (query.from() != null) {
      sql.append(" AND occurred_at >= ?");
      args.add(query.from().toEpochMilli());
    }
    if (query.to() != null) {
      sql.append(" AND occurred_at < ?");
      args.add(query.to().toEpochMilli());
    }
    sql.append(" ORDER BY sequence LIMIT ?");
    args.add(query.limit());
    return read(
        "query the audit trail",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
              Object a = args.get(i);
              if (a instanceof String s) {
                ps.setString(i + 1, s);
              } else if (a instanceof Integer n) {
                ps.setInt(i + 1, n);
              } else {
                ps.setLong(i + 1, (Long) a);
              }
            }
            try (ResultSet rs = ps.executeQuery()) {
              List<AuditRecord> out = new ArrayList<>();
              while (rs.next()) {
                long seq = rs.getLong(1);
                AuditEvent event;
                try {
                  event =
                      new AuditEvent(
                          rs.getString(2),
                          rs.getString(3),
                          rs.getString(4),
                          rs.getString(5),
                          Instant.ofEpochMilli(rs.getLong(6)),
                          rs.getString(7));
                } catch (IllegalArgumentException e) {
                  throw new StoreException(
                      "audit record "
                          + seq
                          + " is malformed ("
                          + e.getMessage()
                          + "); run audit verify");
                }
                out.add(new AuditRecord(seq, event, rs.getString(8), rs.getString(9)));
              }
              return out;
            }
          }
        });
  }

  @Override
  public AuditVerification verifyAudit() {
    return read("verify the audit trail", this::verify);
  }

  private AuditVerification verify(Connection c) throws SQLException {
    long headSeq;
    String headHash;
    try (PreparedStatement ps =
            c.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return new AuditVerification(false, 0, 1L, "the audit chain head row is missing");
      }
      headSeq = rs.getLong(1);
      headHash = rs.getString(2);
    }
    long checked = 0;
    long expected = 1;
    String previous = AuditChain.GENESIS;
    // Rows are bounded by the head read above: anything appended since is not judged.
    try (PreparedStatement ps =
        c.prepareStatement(AUDIT_COLUMNS + " WHERE sequence <= ? ORDER BY sequence")) {
      ps.setFetchSize(1_000);
      ps.setLong(1, headSeq);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          checked++;
          long seq = rs.getLong(1);
          if (seq != expected) {
            String missing =
                seq == expected + 1
                    ? "record " + expected
                    : "records " + expected + ".." + (seq - 1);
            return bad(checked, expected, missing + " missing (sequence gap)");
          }
          String type = rs.getString(2);
          String actor = rs.getString(3);
          String tokenId = rs.getString(4);
          String clientId = rs.getString(5);
          long at = rs.getLong(6);
          String detail = rs.getString(7);
          String storedPrevious = rs.getString(8);
          String storedHash = rs.getString(9);
          String recomputed =
              AuditChain.hash(seq, storedPrevious, type, actor, tokenId, clientId, at, detail);
          if (!recomputed.equals(storedHash)) {
            long original =
                originalSequence(
                    storedPrevious,
                    type,
                    actor,
                    tokenId,
                    clientId,
                    at,
                    detail,
                    storedHash,
                    headSeq);
            if (original > 0) {
              return bad(
                  checked,
                  seq,
                  "records reordered: the record at sequence "
                      + seq
                      + " was written as sequence "
                      + original);
            }
            return bad(checked, seq, "record " + seq + " was edited (hash mismatch)");
          }
          if (!storedPrevious.equals(previous)) {
            return bad(
                checked,
                seq,
                "chain broken at "
                    + seq
                    + ": its previous hash is not the hash of record "
                    + (seq - 1)
                    + " (a record before it was removed or rewritten)");
          }
          previous = storedHash;
          expected = seq + 1;
        }
      }
    }
    if (expected - 1 < headSeq) {
      String missing =
          expected == headSeq ? "record " + expected : "records " + expected + ".." + headSeq;
      return bad(checked, expected, missing + " missing (the trail ends before its head)");
    }
    if (!previous.equals(headHash)) {
      return bad(
          checked,
          headSeq,
          "chain broken at " + headSeq + ": the last record's hash does not match the chain head");
    }
    return new AuditVerification(true, checked, null, null);
  }

  /**
   * For a record whose hash does not match its sequence, finds the sequence it was written with, if
   * any; 0 if none, meaning its content was edited rather than moved. Only runs on a failure, and
   * costs one hash per record in the trail.
   */
  private static long originalSequence(
      String previous,
      String type,
      String actor,
      String tokenId,
      String clientId,
      long at,
      String detail,
      String storedHash,
      long headSeq) {
    for (long s = 1; s <= headSeq; s++) {
      if (AuditChain.hash(s, previous, type, actor, tokenId, clientId, at, detail)
          .equals(storedHash)) {
        return s;
      }
    }
    return 0;
  }

  private static AuditVerification bad(long checked, long sequence, String problem) {
    return new AuditVerification(false, checked, sequence, problem);
  }

  // ---------------------------------------------------------------- plumbing

  @Override
  public void close() {
    mintLock.lock();
    try {
      closed = true;
      // Queued mints whose callers wait for a committer: none will be started now.
      PendingMint p;
      while ((p = mintQueue.pollFirst()) != null) {
        p.fail(
            new StoreException(
                "could not record minted token " + p.token.tokenId() + ": the store is closed"));
        p.done = true;
      }
      mintDone.signalAll();
      // Let a commit in progress finish (bounded), so its callers get its real outcome.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (committing) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          mintDone.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    } finally {
      mintLock.unlock();
    }
    dataSource.close();
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one write transaction and commits it; rolls back on any failure. On SQLite
   * the connection's transactions begin IMMEDIATE, so the write lock is taken up front.
   */
  private <T> T write(String what, SqlWork<T> work) {
    return write(what, work, false);
  }

  /**
   * As {@link #write(String, SqlWork)} for rows that hold secrets (client hashes, sealed keys): a
   * failure's message carries only the SQLState, never the driver's text, which can quote row
   * values.
   */
  private <T> T writeSecretBearing(String what, SqlWork<T> work) {
    return write(what, work, true);
  }

  private <T> T write(String what, SqlWork<T> work, boolean secretBearing) {
    boolean sqlite = dialect == Dialect.SQLITE;
    if (sqlite) {
      sqliteWriteLock.lock();
    }
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      if (secretBearing) {
        throw new StoreException("could not " + what + " (SQLState " + e.getSQLState() + ")");
      }
      throw failure(what, e);
    } finally {
      if (sqlite) {
        sqliteWriteLock.unlock();
      }
    }
  }

  /**
   * Runs {@code work} for reading. On PostgreSQL it runs in a read-only transaction so large
   * results stream by fetch size; on SQLite in autocommit mode, which reads a consistent WAL
   * snapshot per statement without taking the write lock.
   */
  private <T> T read(String what, SqlWork<T> work) {
    try (Connection c = dataSource.getConnection()) {
      if (dialect == Dialect.SQLITE) {
        return work.run(c);
      }
      c.setAutoCommit(false);
      c.setReadOnly(true);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      }
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  private static StoreException failure(String what, SQLException e) {
    // The driver's text can quote row values; writes of secret-bearing rows use
    // writeSecretBearing, so what reaches here names ids and revocation data only.
    return new StoreException(
        "could not " + what + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException suppressed) {
      LOG.warn("rollback failed: {}", suppressed.getMessage());
    }
  }

  /** Increments a head row's counter, taking its write lock until commit; returns the new value. */
  private static long incrementHead(Connection c, String table) throws SQLException {
    lockHead(c, table);
    return headSeq(c, table);
  }

  private static void lockHead(Connection c, String table) throws SQLException {
    // For audit_head the sequence is set explicitly after the records are written; the +0 update
    // exists only to take the lock. For feed_head it is the increment itself.
    String sql =
        table.equals("feed_head")
            ? "UPDATE feed_head SET seq = seq + 1 WHERE id = 1"
            : "UPDATE " + table + " SET seq = seq WHERE id = 1";
    if (update(c, sql) != 1) {
      throw new StoreException(
          "the " + table + " row is missing; the database was altered by hand");
    }
  }

  private static long headSeq(Connection c, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM " + table + " WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new StoreException(
            "the " + table + " row is missing; the database was altered by hand");
      }
      return rs.getLong(1);
    }
  }

  private static int update(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      return ps.executeUpdate();
    }
  }

  private static boolean exists(Connection c, String sql, String arg) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void setLong(PreparedStatement ps, int index, Instant value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, value.toEpochMilli());
    }
  }

  private static Instant getInstant(ResultSet rs, int index) throws SQLException {
    long v = rs.getLong(index);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }
}
