package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.KeyState;
import dev.mandate.authority.store.RootKeyRecord;
import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.token.TrustedKeys;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The authority's root keys: which one signs now, rotation and retirement. Private keys are stored
 * sealed by the {@link MasterKey} and opened only in memory.
 *
 * <p>The active key is re-read from the store at most once a second, so a rotation made by another
 * replica on the same database takes effect here within a second; until then this replica signs
 * with the previous key, which still verifies as {@link KeyState#VERIFY_ONLY}.
 */
final class RootKeys {
  private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final AuthorityStore store;
  private final MasterKey master;
  private final Clock clock;
  private final SecureRandom random;
  private final Map<String, SigningKey> opened = new ConcurrentHashMap<>();
  private volatile Active active;

  private record Active(SigningKey key, long loadedAtNanos) {}

  RootKeys(AuthorityStore store, MasterKey master, Clock clock, SecureRandom random) {
    this.store = store;
    this.master = master;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Seals a person's TOTP secret with the master key, bound to the person's name (a sealed secret
   * moved to another person's row does not open). Key ids never contain a slash, so the bound name
   * cannot be taken for a root key's.
   */
  String sealPersonSecret(String person, byte[] secret) {
    return java.util.Base64.getEncoder()
        .encodeToString(master.seal(secret, "person-totp/" + person, random));
  }

  /**
   * Opens what {@link #sealPersonSecret} sealed for {@code person}.
   *
   * @throws IllegalStateException if it does not open (another person's, or damaged)
   */
  byte[] unsealPersonSecret(String person, String sealed) {
    try {
      return master.unseal(java.util.Base64.getDecoder().decode(sealed), "person-totp/" + person);
    } catch (AuthorityStartupException | IllegalArgumentException e) {
      throw new IllegalStateException("the TOTP secret of " + person + " does not open");
    }
  }

  /** Creates a key and stores it in {@code state}. */
  static RootKeyRecord create(
      AuthorityStore store, MasterKey master, KeyState state, Clock clock, SecureRandom random) {
    SigningKey key = SigningKey.generate(random);
    String keyId = key.verifyingKey().keyId();
    byte[] seed = key.seed(InsecureSecretKeyAccess.get());
    try {
      RootKeyRecord record =
          new RootKeyRecord(
              keyId,
              key.verifyingKey().toText(),
              master.seal(seed, keyId, random),
              state,
              clock.instant(),
              null);
      store.insertKey(record);
      return record;
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** Every stored key, oldest first. */
  List<RootKeyRecord> all() {
    return store.keys();
  }

  /**
   * Returns the key that signs new capabilities.
   *
   * @throws AuthorityStartupException if there is no active key or it cannot be opened
   */
  SigningKey signing() {
    Active current = active;
    if (current == null || System.nanoTime() - current.loadedAtNanos() > REFRESH_NANOS) {
      current = reload();
    }
    return current.key();
  }

  /**
   * Returns the signing half of a key that still verifies (active or verify-only), to re-derive
   * what it signed before (Ed25519 signatures are deterministic); empty if the key is retired or
   * unknown.
   */
  Optional<SigningKey> signing(String keyId) {
    return find(keyId).filter(k -> k.state() != KeyState.RETIRED).map(this::open);
  }

  private synchronized Active reload() {
    RootKeyRecord record =
        store.keys().stream()
            .filter(k -> k.state() == KeyState.ACTIVE)
            .findFirst()
            .orElseThrow(
                () ->
                    new AuthorityStartupException(
                        "the database has no ACTIVE root key; rotate to create one"));
    Active fresh = new Active(open(record), System.nanoTime());
    active = fresh;
    return fresh;
  }

  private SigningKey open(RootKeyRecord record) {
    return opened.computeIfAbsent(
        record.keyId(),
        id -> {
          byte[] seed = master.unseal(record.sealedPrivateKey(), id);
          try {
            SigningKey key = SigningKey.fromSeed(seed, InsecureSecretKeyAccess.get());
            if (!key.verifyingKey().keyId().equals(id)) {
              throw new AuthorityStartupException(
                  "root key " + id + " opens to a different key; the database row was altered");
            }
            return key;
          } finally {
            Arrays.fill(seed, (byte) 0);
          }
        });
  }

  /** Opens the active key now, so a wrong master key is reported at startup. */
  void checkOpens() {
    reload();
  }

  /** Creates a new key and makes it the signing key; the previous one becomes verify-only. */
  synchronized RootKeyRecord rotate() {
    RootKeyRecord created = create(store, master, KeyState.VERIFY_ONLY, clock, random);
    store.activateKey(created.keyId(), clock.instant());
    reload();
    return find(created.keyId()).orElse(created);
  }

  /** Retires a key; capabilities it signed stop verifying. */
  synchronized RootKeyRecord retire(String keyId) {
    store.retireKey(keyId, clock.instant());
    opened.remove(keyId);
    return find(keyId).orElseThrow();
  }

  /** The root keys capabilities verify under now: every key not retired. */
  TrustedKeys trusted() {
    return keyId ->
        find(keyId)
            .filter(k -> k.state() != KeyState.RETIRED)
            .map(k -> VerifyingKey.parse(k.publicKey()))
            .orElse(null);
  }

  Optional<RootKeyRecord> find(String keyId) {
    return store.keys().stream().filter(k -> k.keyId().equals(keyId)).findFirst();
  }
}
