package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CouldAllowTest {
  private final dev.mandate.crypto.SigningKey root = Fixtures.key(1);

  @Test
  void couldAllow_listsOnlyActionsEveryBlockGrants() {
    Capability cap =
        Fixtures.mint(root, 1, "fs:{read_text_file,list_directory,write_file}:/data/**")
            .audience("gw")
            .sign()
            .attenuate()
            .allow("fs:read_text_file:/data/invoices/**")
            .sign();
    Verifier v = Fixtures.verifier(root).build();
    assertThat(
            v.couldAllow(
                Presentation.of(cap.toText()),
                new Request("gw", "fs", "read_text_file", "", null, null)))
        .isTrue();
    assertThat(
            v.couldAllow(
                Presentation.of(cap.toText()),
                new Request("gw", "fs", "write_file", "", null, null)))
        .isFalse();
    assertThat(
            v.couldAllow(
                Presentation.of(cap.toText()),
                new Request("gw", "mail", "read_text_file", "", null, null)))
        .isFalse();
    assertThat(
            v.couldAllow(
                Presentation.of(cap.toText()),
                new Request("other", "fs", "read_text_file", "", null, null)))
        .isFalse();
    assertThat(
            v.couldAllow(
                Presentation.of("mnd1_garbage"),
                new Request("gw", "fs", "read_text_file", "", null, null)))
        .isFalse();
    Verifier revoking = Fixtures.verifier(root).revoked(cap.revocationIds().get(1)::equals).build();
    assertThat(
            revoking.couldAllow(
                Presentation.of(cap.toText()),
                new Request("gw", "fs", "read_text_file", "", null, null)))
        .isFalse();
  }
}
