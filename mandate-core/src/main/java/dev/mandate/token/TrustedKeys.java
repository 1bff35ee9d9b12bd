package dev.mandate.token;

import dev.mandate.crypto.VerifyingKey;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The root keys a verifier trusts, looked up by key id. Implementations must be thread-safe. */
@FunctionalInterface
public interface TrustedKeys {
  /** Returns the trusted key with this id, or null if none is trusted. Must not throw. */
  VerifyingKey find(String keyId);

  /**
   * Whether {@link #find} answers for this key id at once, without waiting (for example for a fetch
   * of unknown keys). The default, false, is always safe: a caller that must not block then treats
   * every lookup as one that may. Must not throw.
   */
  default boolean findsWithoutWaiting(String keyId) {
    return false;
  }

  /** A fixed set of keys, each under its derived key id. */
  static TrustedKeys of(VerifyingKey... keys) {
    Map<String, VerifyingKey> byId =
        Arrays.stream(keys)
            .collect(Collectors.toUnmodifiableMap(VerifyingKey::keyId, Function.identity()));
    return byId::get;
  }
}
