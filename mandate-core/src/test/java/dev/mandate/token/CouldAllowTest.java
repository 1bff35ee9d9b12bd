package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CouldAllowTest {
  private final dev.mandate.crypto.SigningKey root = Fixtures.key(1);

  @Test
  void couldAllow_listsOnlyActionsEveryBlockGrants() {
    Capability cap =
        Capability.mint(root)
            .clock(Fixtures.clock())
            .random(Fixtures.random(1))
            .allow("fs:{read_text_file,list_directory,write_file}:/data/**")
            .ttl(Duration.ofHours(1))
            .audience("gw")
            .sign()
            .attenuate()
            .allow("fs:read_text_file:/data/invoices/**")
            .sign();
    Verifier v = Fixtures.verifier(root).build();
    assertThat(v.couldAllow(cap.toText(), "gw", "fs", "read_text_file")).isTrue();
    assertThat(v.couldAllow(cap.toText(), "gw", "fs", "write_file")).isFalse();
    assertThat(v.couldAllow(cap.toText(), "gw", "mail", "read_text_file")).isFalse();
    assertThat(v.couldAllow(cap.toText(), "other", "fs", "read_text_file")).isFalse();
    assertThat(v.couldAllow("mnd1_garbage", "gw", "fs", "read_text_file")).isFalse();
    Verifier revoking = Fixtures.verifier(root).revoked(cap.revocationIds().get(1)::equals).build();
    assertThat(revoking.couldAllow(cap.toText(), "gw", "fs", "read_text_file")).isFalse();
  }
}
