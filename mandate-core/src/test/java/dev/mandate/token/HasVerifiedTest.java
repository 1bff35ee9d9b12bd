package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link Verifier#hasVerified}: true only for a token whose chain verified before and whose root
 * key the trusted keys return without waiting, so that a gateway may decide its calls on a thread
 * that must not wait.
 */
class HasVerifiedTest {
  private final SigningKey root = Fixtures.key(1);
  private final AtomicBoolean keyHeld = new AtomicBoolean(true);
  private final TrustedKeys keys =
      new TrustedKeys() {
        @Override
        public VerifyingKey find(String keyId) {
          return root.verifyingKey().keyId().equals(keyId) ? root.verifyingKey() : null;
        }

        @Override
        public boolean findsWithoutWaiting(String keyId) {
          return keyHeld.get();
        }
      };
  private final Request read = new Request("gw", "fs", "read_text_file", "/data/a", null, null);

  private String token(long seed) {
    return Fixtures.mint(root, seed, "fs:read_text_file:/data/**").audience("gw").sign().toText();
  }

  @Test
  void onlyAChainVerifiedBefore_underAKeyHeld_isKnown() {
    Verifier verifier = Fixtures.verifier(root).trustedKeys(keys).build();
    String token = token(1);

    assertThat(verifier.hasVerified(token)).isFalse();
    assertThat(verifier.authorize(Presentation.of(token), read).allowed()).isTrue();
    assertThat(verifier.hasVerified(token)).isTrue();
    // The same text in another String: found by its hash, not only by identity.
    assertThat(verifier.hasVerified(new String(token.toCharArray()))).isTrue();
    assertThat(verifier.hasVerified(token(2))).isFalse();

    keyHeld.set(false);
    assertThat(verifier.hasVerified(token)).isFalse();
  }

  @Test
  void malformedOrMissingTokens_andVerifiersWithoutACacheOrWaitFreeKeys_sayNo() {
    Verifier verifier = Fixtures.verifier(root).trustedKeys(keys).build();
    assertThat(verifier.hasVerified(null)).isFalse();
    assertThat(verifier.hasVerified("")).isFalse();
    assertThat(verifier.hasVerified("mnd1_\u00e9")).isFalse();
    assertThat(verifier.hasVerified("x".repeat(100_000))).isFalse();

    String token = token(3);
    Verifier uncached = Fixtures.verifier(root).trustedKeys(keys).verificationCacheSize(0).build();
    assertThat(uncached.authorize(Presentation.of(token), read).allowed()).isTrue();
    assertThat(uncached.hasVerified(token)).isFalse();

    // TrustedKeys.of may not say whether it waits: the safe default is no.
    Verifier fixed = Fixtures.verifier(root).build();
    assertThat(fixed.authorize(Presentation.of(token), read).allowed()).isTrue();
    assertThat(fixed.hasVerified(token)).isFalse();
  }
}
