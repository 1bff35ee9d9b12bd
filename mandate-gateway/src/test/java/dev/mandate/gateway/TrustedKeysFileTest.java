package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.crypto.SigningKey;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code authority.trustedKeysFile}: a gateway trusts only the keys pinned by a trust file. */
class TrustedKeysFileTest {
  @TempDir Path tmp;

  private Reply callWith(Path trustFile) throws Exception {
    Stack authority = ProxySetup.sharedStack();
    EchoUpstream upstream = EchoUpstream.shared();
    String yaml =
        ProxySetup.config(
                authority, upstream, tmp.resolve("spool-" + trustFile.getFileName()), null)
            .replace("  pollWait: 5s\n", "  pollWait: 5s\n  trustedKeysFile: " + trustFile + "\n");
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    try (GatewayServer gateway =
        GatewayServer.start(ProxySetup.parse(yaml, authority), Clock.systemUTC(), List.of())) {
      return Http.send(
          HttpRequest.newBuilder(URI.create(gateway.url() + "/repos/octo/hello/issues"))
              .header("Authorization", "Bearer " + token)
              .GET());
    }
  }

  private String authorityKey() throws Exception {
    return Http.get(ProxySetup.sharedStack().url() + "/v1/keys", null)
        .json()
        .get(0)
        .get("publicKey")
        .asText();
  }

  @Test
  void theAuthoritysKey_pinned_isTrusted() throws Exception {
    Path trust =
        Files.writeString(tmp.resolve("pinned.trust"), "# pinned\n" + authorityKey() + "\n");

    Reply r = callWith(trust);

    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  @Test
  void aKeyTheTrustFileDoesNotPin_isNotTrusted_evenWhenTheAuthorityListsIt() throws Exception {
    String stranger = SigningKey.generate(new SecureRandom()).verifyingKey().toText();
    Path trust = Files.writeString(tmp.resolve("other.trust"), stranger + "\n");

    Reply r = callWith(trust);

    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body()).contains("UNKNOWN_KEY");
  }

  @Test
  void aBrokenOrMissingTrustFile_isAConfigurationError() throws Exception {
    Stack authority = ProxySetup.sharedStack();
    String base = ProxySetup.config(authority, EchoUpstream.shared(), tmp.resolve("s"), null);
    Path broken = Files.writeString(tmp.resolve("broken.trust"), "# nothing\nnot-a-key\n");

    for (Path file : new Path[] {broken, tmp.resolve("missing.trust")}) {
      String yaml =
          base.replace("  pollWait: 5s\n", "  pollWait: 5s\n  trustedKeysFile: " + file + "\n");
      assertThatThrownBy(() -> ProxySetup.parse(yaml, authority))
          .isInstanceOf(GatewayConfigException.class)
          .hasMessageContaining("authority.trustedKeysFile " + file);
    }
  }
}
