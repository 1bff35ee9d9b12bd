package dev.mandate.authority;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.ClientRecord;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks HTTP Basic client credentials against the stored secret hashes.
 *
 * <p>A slow hash on every request would cap minting at a few requests per second, so a successful
 * check is remembered for a few minutes under an HMAC (with a per-process key) of the client id,
 * the presented secret and the stored hash: the cache never holds a secret, and a changed secret (a
 * new stored hash) is a cache miss. Failures are never cached. An unknown client costs the same
 * slow hash as a wrong secret, so the two cannot be told apart by timing.
 *
 * <p>The slow hash is also what an unauthenticated caller can make the authority spend (about 0.1 s
 * of CPU for one request with made-up credentials), so it is bounded: at most half the processors
 * hash at once (a caller that waits more than a second for its turn gets {@link Busy}), and an
 * address whose credentials failed {@value #FAILURES_PER_MINUTE} times in a minute gets {@link
 * Throttled} without a hash until its budget refills. A remembered credential needs no hash, so
 * clients that already authenticated are served throughout.
 */
final class ClientAuthenticator {
  private static final int MAX_CREDENTIAL_CHARS = 1024;
  static final int FAILURES_PER_MINUTE = 30;

  private final AuthorityStore store;
  private final Semaphore hashing =
      new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
  private final RateLimiter failures;
  private final SecretKeySpec cacheKey;
  private final String dummyHash;
  private final String dummyPasswordHash;
  private final Cache<String, Boolean> verified =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(5)).build();

  ClientAuthenticator(AuthorityStore store, SecureRandom random, Clock clock) {
    this.store = store;
    this.failures =
        new RateLimiter(clock, FAILURES_PER_MINUTE, Duration.ofMinutes(1), FAILURES_PER_MINUTE);
    byte[] key = new byte[32];
    random.nextBytes(key);
    this.cacheKey = new SecretKeySpec(key, "HmacSHA256");
    this.dummyHash = SecretHash.hash(SecretHash.newSecret(random), random);
    this.dummyPasswordHash = SecretHash.hashPassword(SecretHash.newSecret(random), random);
  }

  /**
   * Returns the client named by an {@code Authorization: Basic} header whose secret matches, or
   * empty for a missing, malformed or wrong credential, an unknown client or a disabled one. The
   * client is read from the store on every call, so disabling takes effect at once.
   *
   * @param remoteAddress the caller's IP address, whose failures are counted
   * @throws Throttled if the credential would need a hash and the address failed too often
   * @throws Busy if the credential would need a hash and none could start within a second
   */
  Optional<ClientRecord> authenticate(String authorization, String remoteAddress) {
    String address = remoteAddress == null ? "unknown" : remoteAddress;
    if (authorization == null
        || authorization.length() > MAX_CREDENTIAL_CHARS
        || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).strip()),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0 || colon == decoded.length() - 1) {
      return Optional.empty();
    }
    String clientId = decoded.substring(0, colon);
    String secret = decoded.substring(colon + 1);
    if (clientId.length() > 256) {
      return Optional.empty();
    }
    Optional<ClientRecord> client = store.client(clientId);
    String cacheEntry = null;
    if (client.isPresent()) {
      cacheEntry = mac(clientId, secret, client.get().secretHash());
      if (!client.get().disabled() && verified.getIfPresent(cacheEntry) != null) {
        return client;
      }
    }
    long wait = failures.waitFor(address);
    if (wait > 0) {
      throw new Throttled(wait);
    }
    // A disabled client takes the same slow hash as a wrong secret, so it looks like any refusal.
    boolean matches = slowMatch(secret, client.map(ClientRecord::secretHash).orElse(dummyHash));
    if (client.isEmpty() || !matches || client.get().disabled()) {
      failures.take(address, 1);
      return Optional.empty();
    }
    verified.put(cacheEntry, Boolean.TRUE);
    return client;
  }

  /**
   * Checks a person's password (the consent page's sign-in) under the same bounds as a client
   * secret: the address's failure budget and the hashing concurrency. {@code stored} null (an
   * unknown name) costs the same hash and fails.
   *
   * @throws Throttled if the address failed too often
   * @throws Busy if no hash could start within a second
   */
  boolean checkPassword(String password, String stored, String remoteAddress) {
    String address = remoteAddress == null ? "unknown" : remoteAddress;
    long wait = failures.waitFor(address);
    if (wait > 0) {
      throw new Throttled(wait);
    }
    boolean matches = slowMatch(password, stored == null ? dummyPasswordHash : stored);
    if (stored == null || !matches) {
      failures.take(address, 1);
      return false;
    }
    return true;
  }

  private boolean slowMatch(String secret, String stored) {
    try {
      if (!hashing.tryAcquire(1, TimeUnit.SECONDS)) {
        throw new Busy();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Busy();
    }
    try {
      return SecretHash.matches(secret, stored);
    } finally {
      hashing.release();
    }
  }

  /** Too many failed credentials from this address; retry after {@link #seconds()}. */
  static final class Throttled extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long seconds;

    Throttled(long seconds) {
      super("too many failed credentials from this address", null, false, false);
      this.seconds = seconds;
    }

    long seconds() {
      return seconds;
    }
  }

  /** Every slot for checking a new credential stayed taken for a second. */
  static final class Busy extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Busy() {
      super("the authority is busy checking other credentials", null, false, false);
    }
  }

  private String mac(String clientId, String secret, String stored) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(cacheKey);
      for (String part : new String[] {clientId, secret, stored}) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        mac.update((byte) (bytes.length >>> 24));
        mac.update((byte) (bytes.length >>> 16));
        mac.update((byte) (bytes.length >>> 8));
        mac.update((byte) bytes.length);
        mac.update(bytes);
      }
      return Base64.getEncoder().encodeToString(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by the Java platform", e);
    }
  }
}
