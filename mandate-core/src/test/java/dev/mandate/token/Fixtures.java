package dev.mandate.token;

import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;

/** Deterministic keys, clocks and randomness for tests. */
final class Fixtures {
  static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");

  private Fixtures() {}

  static SigningKey key(int n) {
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) n);
    return SigningKey.fromSeed(seed, InsecureSecretKeyAccess.get());
  }

  static SecureRandom random(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(seed);
      return r;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static Clock clockAt(Instant t) {
    return Clock.fixed(t, ZoneOffset.UTC);
  }

  static Clock clock() {
    return clockAt(NOW);
  }

  /** The MCP {@code tools/call} a gateway maps to {@code r}: r's action as the tool, r's args. */
  static Call call(Request r) {
    return Call.mcp(r.audience(), r.service(), "POST tools/call", r.action(), r.args());
  }

  /**
   * A minter under {@code root} on the fixed clock, its randomness from {@code seed}, granting
   * {@code grant} for an hour.
   */
  static Capability.Minter mint(SigningKey root, long seed, String grant) {
    return Capability.mint(root)
        .clock(clock())
        .random(random(seed))
        .allow(grant)
        .ttl(Duration.ofHours(1));
  }

  static Verifier.Builder verifier(SigningKey root) {
    return Verifier.builder().trustedKeys(TrustedKeys.of(root.verifyingKey())).clock(clock());
  }
}
