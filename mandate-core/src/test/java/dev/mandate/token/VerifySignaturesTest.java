package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.crypto.SigningKey;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link Verifier#verifySignatures}: a token is returned only when its whole signature chain
 * verifies, whatever its number of blocks; time and revocation do not matter.
 */
class VerifySignaturesTest {
  private final SigningKey root = Fixtures.key(1);
  private final SigningKey agent = Fixtures.key(2);
  private final Verifier verifier =
      Fixtures.verifier(root).revoked(id -> true).verificationCacheSize(0).build();

  private Capability oneBlock() {
    return Fixtures.mint(root, 1, "fs:read:/data/**").bindTo(agent.verifyingKey()).sign();
  }

  @Test
  void aGenuineToken_isReturned_oneBlockOrSeveral_evenIfRevokedOrExpired() {
    Capability one = oneBlock();
    Capability two =
        one.attenuate()
            .clock(Fixtures.clock())
            .random(Fixtures.random(2))
            .allow("fs:read:/data/a/**")
            .sign(agent);
    assertThat(verifier.verifySignatures(one.toText())).isEqualTo(one);
    assertThat(verifier.verifySignatures(two.toText()).revocationIds())
        .isEqualTo(two.revocationIds());

    Verifier later =
        Fixtures.verifier(root)
            .clock(Fixtures.clockAt(Fixtures.NOW.plus(Duration.ofDays(2))))
            .build();
    assertThat(later.verifySignatures(one.toText()).tokenId()).isEqualTo(one.tokenId());
  }

  @Test
  void aOneBlockToken_withAnEditedSignatureByte_isRefused_namingBlock0() {
    byte[] binary = oneBlock().toBytes();
    int signature = 4 + (((binary[2] & 0xFF) << 8) | (binary[3] & 0xFF));
    binary[signature + 5] ^= 0x01;
    String forged = Chain.TEXT_PREFIX + Base64Text.encode(binary);
    assertThat(Capability.decode(forged).revocationIds()).isEqualTo(oneBlock().revocationIds());

    assertThatThrownBy(() -> verifier.verifySignatures(forged))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> {
              assertThat(e.code()).isEqualTo(Decision.Code.BAD_SIGNATURE);
              assertThat(e.block()).isZero();
            })
        .hasMessageContaining("signature does not verify");
  }

  @Test
  void aForeignOrMalformedToken_isRefused_saysWhy() {
    Capability foreign = Fixtures.mint(Fixtures.key(9), 3, "fs:read:/**").sign();
    assertThatThrownBy(() -> verifier.verifySignatures(foreign.toText()))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.code()).isEqualTo(Decision.Code.UNKNOWN_KEY));
    assertThatThrownBy(() -> verifier.verifySignatures("mnd1_<b>"))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.code()).isEqualTo(Decision.Code.MALFORMED));
    assertThatThrownBy(() -> verifier.verifySignatures(null))
        .isInstanceOf(NullPointerException.class);
  }
}
