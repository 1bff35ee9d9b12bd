package dev.mandate.sdk;

import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Capability;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

/** A wallet on a test clock, and the root key and verifier its capabilities answer to. */
abstract class WalletTestBase {
  final SecureRandom random = new SecureRandom();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-01T12:00:00Z"));
  final SigningKey root = SigningKey.generate(random);
  final Verifier verifier =
      Verifier.builder().trustedKeys(TrustedKeys.of(root.verifyingKey())).clock(clock).build();
  final Wallet wallet = Wallet.create(random, clock);

  /** A capability to read the invoices under /data through gateway gw-test, for {@code ttl}. */
  Capability.Minter invoices(Duration ttl) {
    return Capability.mint(root)
        .clock(clock)
        .allow("fs:read_text_file:/data/invoices/**")
        .audience("gw-test")
        .ttl(ttl);
  }
}
