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

  /** A fixed set of keys, each under its derived key id. */
  static TrustedKeys of(VerifyingKey... keys) {
    Map<String, VerifyingKey> byId =
        Arrays.stream(keys)
            .collect(Collectors.toUnmodifiableMap(VerifyingKey::keyId, Function.identity()));
    return byId::get;
  }
}
