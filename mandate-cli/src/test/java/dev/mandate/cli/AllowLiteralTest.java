package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.token.Capability;
import org.junit.jupiter.api.Test;

/** {@code --allow-literal}: a grant of exactly the values given, glob characters and all. */
class AllowLiteralTest extends AuthorityKeyTest {

  private static String request(String resource) {
    return "{\"service\":\"chat\",\"action\":\"read_channel\",\"resource\":\""
        + resource.replace("\\", "\\\\")
        + "\"}";
  }

  @Test
  void aChannelNameWithGlobCharacters_grantsThatChannelOnly() {
    // As a script would pass a value it read from untrusted data: verbatim.
    String channel = "#general*,{ops}\\?";
    CliRun.Result minted =
        cli.run(
            "mint", "--key", key, "--ttl", "5m", "--allow-literal", "chat:read_channel:" + channel);

    assertThat(minted.exit()).as(minted.err()).isZero();
    assertThat(Capability.decode(minted.value()).blocks().get(0).grants())
        .extracting(Object::toString)
        .containsExactly("chat:read_channel:#general\\*\\,\\{ops\\}\\\\\\?");
    String token = minted.value();
    assertThat(cli.pipe(token, "check", "--pub", pub, "--request", request(channel)).exit())
        .isZero();
    for (String other : new String[] {"#general", "#general-secret,{ops}\\?", "#general*,ops\\x"}) {
      CliRun.Result r = cli.pipe(token, "check", "--pub", pub, "--request", request(other));
      assertThat(r.exit()).as(other + ": " + r.out()).isEqualTo(1);
    }
  }

  @Test
  void attenuate_acceptsALiteralGrantToo() {
    String token =
        cli.run("mint", "--key", key, "--ttl", "5m", "--allow", "chat:read_channel:*").value();

    CliRun.Result narrowed =
        cli.pipe(token, "attenuate", "--allow-literal", "chat:read_channel:a*");

    assertThat(narrowed.exit()).as(narrowed.err()).isZero();
    assertThat(cli.pipe(narrowed.value(), "check", "--pub", pub, "--request", request("a*")).exit())
        .isZero();
    assertThat(cli.pipe(narrowed.value(), "check", "--pub", pub, "--request", request("ab")).exit())
        .isEqualTo(1);
  }

  @Test
  void malformedOrUnusableLiterals_areUsageErrors() {
    for (String bad : new String[] {"chat", "chat:read", ":read:x", "chat::x", "fs:read:/a/../b"}) {
      CliRun.Result r = cli.run("mint", "--key", key, "--ttl", "5m", "--allow-literal", bad);

      assertThat(r.exit()).as(bad).isEqualTo(2);
      assertThat(r.err().lines()).as(bad).hasSize(1);
      assertThat(r.err()).as(bad).doesNotContain("internal error");
    }
  }
}
