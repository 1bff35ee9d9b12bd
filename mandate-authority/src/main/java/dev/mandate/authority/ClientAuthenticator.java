package dev.mandate.authority;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.ClientRecord;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
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
 */
final class ClientAuthenticator {
  private static final int MAX_CREDENTIAL_CHARS = 1024;

  private final AuthorityStore store;
  private final SecretKeySpec cacheKey;
  private final String dummyHash;
  private final Cache<String, Boolean> verified =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(5)).build();

  ClientAuthenticator(AuthorityStore store, SecureRandom random) {
    this.store = store;
    byte[] key = new byte[32];
    random.nextBytes(key);
    this.cacheKey = new SecretKeySpec(key, "HmacSHA256");
    this.dummyHash = SecretHash.hash(SecretHash.newSecret(random), random);
  }

  /**
   * Returns the client named by an {@code Authorization: Basic} header whose secret matches, or
   * empty for a missing, malformed or wrong credential, an unknown client or a disabled one. The
   * client is read from the store on every call, so disabling takes effect at once.
   */
  Optional<ClientRecord> authenticate(String authorization) {
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
    if (client.isEmpty()) {
      SecretHash.matches(secret, dummyHash);
      return Optional.empty();
    }
    if (client.get().disabled()) {
      // The same slow hash as a wrong secret, so a disabled client looks like any refusal.
      SecretHash.matches(secret, dummyHash);
      return Optional.empty();
    }
    String stored = client.get().secretHash();
    String cacheEntry = mac(clientId, secret, stored);
    if (verified.getIfPresent(cacheEntry) != null) {
      return client;
    }
    if (!SecretHash.matches(secret, stored)) {
      return Optional.empty();
    }
    verified.put(cacheEntry, Boolean.TRUE);
    return client;
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
