package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.ClientRecord;
import dev.mandate.authority.store.JdbcUrls;
import dev.mandate.authority.store.KeyState;
import dev.mandate.authority.store.RootKeyRecord;
import dev.mandate.authority.store.StoreException;
import dev.mandate.policy.Policy;
import dev.mandate.policy.PolicyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Prepares the state an authority needs before it listens: the data directory (0700) and its lock,
 * the master key (from its {@link MasterKeySource}), the database, a first root key, the policy
 * file and an admin client. Creates only what is missing, so a second start reuses everything;
 * refuses to start when sealed root keys exist but their master key does not, and when another
 * authority runs on the same data directory.
 */
final class Bootstrap {
  static final String ADMIN_CLIENT_ID = "admin";
  static final String MASTER_KEY_FILE = "master.key";

  /**
   * The opened state; {@code report} is non-null when something was created or the admin client is
   * still to be created (see {@link #createAdmin}). The caller owns {@code lock} and {@code store}.
   */
  record Prepared(
      DataDirLock lock,
      AuthorityStore store,
      RootKeys keys,
      BootstrapReport report,
      boolean needsAdmin) {
    /** Closes the store, then releases the lock. */
    void close() {
      try {
        store.close();
      } finally {
        lock.close();
      }
    }
  }

  private Bootstrap() {}

  static Prepared prepare(AuthorityConfig config) {
    List<String> created = new ArrayList<>();
    Path dataDir = config.dataDir();
    MasterKeySource source = config.masterKeySource();
    DataDirLock lock;
    try {
      if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
        throw new AuthorityStartupException(
            "the data directory " + dataDir + " is a file; give a directory");
      }
      if (!Files.exists(dataDir)) {
        FilePermissions.createPrivateDirectories(dataDir);
        created.add("data directory " + dataDir + " (mode 0700)");
      }
      lock = DataDirLock.acquire(dataDir);
    } catch (IOException e) {
      throw new AuthorityStartupException(
          "cannot prepare the data directory " + dataDir + ": " + e.getMessage(), e);
    }
    try {
      return prepareLocked(config, source, lock, created);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static Prepared prepareLocked(
      AuthorityConfig config, MasterKeySource source, DataDirLock lock, List<String> created) {
    Path dataDir = config.dataDir();
    try {
      MasterKey master = readMasterKey(source);
      String sqliteFile = sqliteFile(config.jdbcUrl());
      if (sqliteFile != null && !Files.exists(Path.of(sqliteFile))) {
        FilePermissions.createPrivateFile(Path.of(sqliteFile));
        created.add("SQLite database " + sqliteFile + " (mode 0600)");
      }
      AuthorityStore store = openStore(config);
      try {
        List<RootKeyRecord> existing = store.keys();
        if (!existing.isEmpty() && master == null) {
          throw new AuthorityStartupException(
              "the database holds "
                  + existing.size()
                  + " sealed root key(s) but the master key is missing: "
                  + source.describe()
                  + " holds none. Restore the master key from your backup; without it these root"
                  + " keys cannot be used. (No key was created or changed.)");
        }
        if (master == null) {
          if (!source.canStore()) {
            throw new AuthorityStartupException(
                source.describe()
                    + " holds no master key, and this authority cannot store one there. Make one"
                    + " with 'mandate admin new-master-key --out FILE', keep it where "
                    + source.describe()
                    + " finds it (e.g. wrapped by your KMS), then start again.");
          }
          master = MasterKey.generate(config.random(), source.describe());
          source.store(master.toText());
          created.add("master key " + location(source) + " (mode 0600) - back it up");
        }
        RootKeys keys = new RootKeys(store, master, config.clock(), config.random());
        String rootKeyId;
        if (existing.isEmpty()) {
          rootKeyId =
              RootKeys.create(store, master, KeyState.ACTIVE, config.clock(), config.random())
                  .keyId();
          created.add("root key " + rootKeyId + " (ACTIVE, sealed with the master key)");
        } else {
          rootKeyId =
              existing.stream()
                  .filter(k -> k.state() == KeyState.ACTIVE)
                  .map(RootKeyRecord::keyId)
                  .findFirst()
                  .orElse(null);
        }
        keys.checkOpens();
        preparePolicy(config, created);
        checkPolicy(config.policyFile());
        boolean needsAdmin = store.client(ADMIN_CLIENT_ID).isEmpty();
        BootstrapReport report = null;
        if (!created.isEmpty() || needsAdmin) {
          report =
              new BootstrapReport(
                  dataDir,
                  location(source),
                  JdbcUrls.redact(config.jdbcUrl()),
                  config.policyFile(),
                  rootKeyId,
                  ADMIN_CLIENT_ID,
                  null,
                  null,
                  created);
        }
        return new Prepared(lock, store, keys, report, needsAdmin);
      } catch (StoreException e) {
        store.close();
        throw new AuthorityStartupException(
            "the database refused the first-start setup: "
                + e.getMessage()
                + " (if another replica was starting on the same database at the same moment, start"
                + " this one again)",
            e);
      } catch (RuntimeException | IOException e) {
        store.close();
        throw e;
      }
    } catch (IOException e) {
      throw new AuthorityStartupException(
          "cannot prepare the data directory " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** The master key, or null when the source holds none yet. */
  static MasterKey readMasterKey(MasterKeySource source) {
    return source.read().map(text -> MasterKey.parse(text, source.describe())).orElse(null);
  }

  /** Where the key is, as the first-start screen shows it. */
  static String location(MasterKeySource source) {
    if (source instanceof MasterKeySources.FileSource f) {
      return f.file().toString();
    }
    if (source instanceof MasterKeySources.EnvironmentSource e) {
      return "environment variable " + e.name();
    }
    return source.describe();
  }

  /**
   * Creates the admin client and returns the report with its one-time secret. Called last, once the
   * server listens, so a failed start never loses a secret that was never shown.
   */
  static BootstrapReport createAdmin(
      AuthorityConfig config, AuthorityStore store, BootstrapReport report) {
    String secret = SecretHash.newSecret(config.random());
    store.upsertClient(
        new ClientRecord(
            ADMIN_CLIENT_ID,
            SecretHash.hash(secret, config.random()),
            true,
            config.clock().instant()));
    List<String> created = new ArrayList<>(report.created());
    created.add("admin client '" + ADMIN_CLIENT_ID + "' (secret stored only as a hash)");
    return new BootstrapReport(
        report.dataDir(),
        report.masterKeyLocation(),
        report.databaseUrl(),
        report.policyFile(),
        report.rootKeyId(),
        ADMIN_CLIENT_ID,
        secret,
        report.url(),
        created);
  }

  static AuthorityStore openStore(AuthorityConfig config) {
    String jdbcUrl = config.jdbcUrl();
    char[] password = config.databasePassword();
    try {
      return AuthorityStore.open(jdbcUrl, password);
    } catch (StoreException | IllegalArgumentException e) {
      throw new AuthorityStartupException(
          "cannot open the database "
              + JdbcUrls.redact(jdbcUrl)
              + ": "
              + JdbcUrls.redact(e.getMessage()),
          e);
    } finally {
      if (password != null) {
        java.util.Arrays.fill(password, '\0');
      }
    }
  }

  private static void preparePolicy(AuthorityConfig config, List<String> created)
      throws IOException {
    Path policy = config.policyFile();
    if (Files.exists(policy)) {
      return;
    }
    if (config.policyFileGiven()) {
      throw new AuthorityStartupException(
          "the policy file "
              + policy
              + " does not exist; create it, or leave out the policy option to get a starter"
              + " policy in the data directory");
    }
    FilePermissions.createPrivateFile(policy);
    Files.writeString(policy, Policy.starterPolicyText(), StandardOpenOption.TRUNCATE_EXISTING);
    created.add("starter policy " + policy + " (edit it; it reloads on save)");
  }

  private static void checkPolicy(Path policy) {
    try {
      Policy.load(policy);
    } catch (PolicyException e) {
      throw new AuthorityStartupException(
          "the policy file "
              + policy
              + " is invalid; fix it (mandate policy check) and start again:\n"
              + e.getMessage());
    }
  }

  /** The file of a {@code jdbc:sqlite:FILE} URL, or null for other databases and in-memory ones. */
  static String sqliteFile(String jdbcUrl) {
    if (!jdbcUrl.startsWith("jdbc:sqlite:")) {
      return null;
    }
    String rest = jdbcUrl.substring("jdbc:sqlite:".length());
    int query = rest.indexOf('?');
    if (query >= 0) {
      rest = rest.substring(0, query);
    }
    if (rest.isEmpty() || rest.startsWith(":memory:") || rest.startsWith("file:")) {
      return null;
    }
    return rest;
  }
}
