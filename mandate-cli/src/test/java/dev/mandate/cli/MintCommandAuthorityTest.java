package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.testkit.Await;
import dev.mandate.token.Capability;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code mandate mint --authority}: the authority mints under its policy. */
class MintCommandAuthorityTest {
  private static final String INVOICES = "fs:read_text_file:/data/invoices/2024/**";

  private final CliRun cli = new CliRun();
  @TempDir Path tmp;
  @RegisterExtension final CliAuthority authority = new CliAuthority();

  @Test
  void allowedMint_printsTheTokenOnStdout_andItsIdsOnStderr() {
    CliRun.Result r = authority.mint(cli, "--allow", INVOICES, "--ttl", "15m");

    assertThat(r.exit()).as(r.err()).isZero();
    Capability token = Capability.decode(r.value());
    assertThat(r.err())
        .contains("token id " + token.tokenId())
        .contains("revocation ids " + token.revocationIds().get(0));
  }

  @Test
  void json_isOneObjectOnStdout_withTheTokenAndItsIds_andNothingOnStderr() throws Exception {
    CliRun.Result r = authority.mint(cli, "--allow", INVOICES, "--ttl", "15m", "--json");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    com.fasterxml.jackson.databind.JsonNode o = CliAuthority.JSON.readTree(r.out());
    Capability token = Capability.decode(o.get("token").asText());
    assertThat(o.get("tokenId").asText()).isEqualTo(token.tokenId());
    assertThat(o.get("revocationIds").get(0).asText()).isEqualTo(token.revocationIds().get(0));
    assertThat(java.time.Instant.parse(o.get("expiresAt").asText())).isEqualTo(token.expiresAt());
    assertThat(r.out().strip().lines()).hasSize(1);

    cli.keygen(tmp.resolve("keys"), "authority");
    CliRun.Result local =
        cli.run(
            "mint",
            "--key",
            tmp.resolve("keys/authority.key").toString(),
            "--allow",
            INVOICES,
            "--ttl",
            "15m",
            "--json");
    assertThat(local.exit()).as(local.err()).isZero();
    assertThat(local.err()).isEmpty();
    com.fasterxml.jackson.databind.JsonNode l = CliAuthority.JSON.readTree(local.out());
    assertThat(Capability.decode(l.get("token").asText()).tokenId())
        .isEqualTo(l.get("tokenId").asText());
  }

  @Test
  void holderOption_bindsTheMintedToken() throws Exception {
    cli.keygen(tmp.resolve("holder"), "agent");

    CliRun.Result r =
        authority.mint(
            cli,
            "--allow",
            INVOICES,
            "--ttl",
            "1h",
            "--holder",
            tmp.resolve("holder/agent.pub").toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Capability.decode(r.value()).holderKeyId()).isPresent();
  }

  @Test
  void policyDenial_printsTheReason_andExitsOne() {
    CliRun.Result r =
        authority.mint(cli, "--allow", "fs:read_text_file:/data/secrets/**", "--ttl", "15m");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines())
        .singleElement()
        .asString()
        .startsWith("mandate: denied by policy: ")
        .contains("/data/secrets/**");
  }

  @Test
  void ttlAboveThePolicyMaximum_isDenied() {
    CliRun.Result r = authority.mint(cli, "--allow", INVOICES, "--ttl", "2h");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("mandate: denied by policy: ");
  }

  @Test
  void wrongSecret_saysTheCredentialsWereRefused() throws Exception {
    Path wrong = CliAuthority.secretFile(tmp.resolve("wrong.secret"), "mndcs1_wrong");

    CliRun.Result r =
        cli.run(
            "mint",
            "--authority",
            authority.url(),
            "--client",
            "agent",
            "--secret-file",
            wrong.toString(),
            "--allow",
            INVOICES,
            "--ttl",
            "15m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines())
        .singleElement()
        .asString()
        .contains("refused the credentials of client 'agent'");
  }

  @Test
  void unreachableAuthority_saysSo_inOneLine() throws Exception {
    int port = Await.freePort();
    String url = "http://127.0.0.1:" + port;

    CliRun.Result r =
        cli.run(
            "mint",
            "--authority",
            url,
            "--client",
            "agent",
            "--secret-file",
            authority.agentSecret.toString(),
            "--allow",
            INVOICES,
            "--ttl",
            "15m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines())
        .singleElement()
        .asString()
        .startsWith("mandate: cannot reach the authority at " + url + ": ");
  }

  @Test
  void keyAndAuthorityTogether_areRefused() {
    cli.keygen(tmp.resolve("keys"), "authority");

    CliRun.Result r =
        authority.mint(
            cli,
            "--key",
            tmp.resolve("keys/authority.key").toString(),
            "--allow",
            INVOICES,
            "--ttl",
            "15m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--key and --authority cannot be combined");
  }

  @Test
  void argumentsAndConditions_areMintedByTheAuthority_perGrantToo() {
    CliRun.Result r =
        authority.mint(
            cli,
            "--allow",
            INVOICES,
            "--grant-arg",
            "/head=range:..10",
            "--ttl",
            "15m",
            "--where",
            "size(args) < 10",
            "--arg",
            "/path=prefix:/data");

    assertThat(r.exit()).as(r.err()).isZero();
    dev.mandate.token.Block minted = Capability.decode(r.value()).blocks().get(0);
    assertThat(minted.grants().get(0).caveats()).hasSize(1);
    assertThat(minted.caveats())
        .extracting(dev.mandate.caveat.Caveat::kind)
        .contains("argument", "condition");
  }

  @Test
  void localOnlyCaveat_isRefusedWithAHint() {
    String[][] refused = {
      {"--expires", "2030-01-01T00:00:00Z", "ask for a ttl instead"},
      {"--not-before", "2020-01-01T00:00:00Z", "a not-before time (notBefore)"},
      {"--audience", "gw-a", "at most one audience"}, // with the --audience gw-b below
    };
    for (String[] option : refused) {
      CliRun.Result each =
          authority.mint(
              cli, "--allow", INVOICES, "--ttl", "15m", "--audience", "gw-b", option[0], option[1]);
      assertThat(each.exit()).as(option[0]).isEqualTo(2);
      assertThat(each.err()).as(option[0]).contains("with --authority, ").contains(option[2]);
    }
    CliRun.Result sealed = authority.mint(cli, "--allow", INVOICES, "--ttl", "15m", "--seal");
    assertThat(sealed.exit()).isEqualTo(2);
    assertThat(sealed.err()).contains("cannot carry the seal (seal)");
  }

  @Test
  void secretFileReadableByOthers_isRefused() throws Exception {
    java.nio.file.Files.setPosixFilePermissions(
        authority.agentSecret,
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

    CliRun.Result r = authority.mint(cli, "--allow", INVOICES, "--ttl", "15m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("readable or writable by other users").contains("chmod 600");
  }

  @Test
  void noSigner_saysToGiveKeyOrAuthority() {
    CliRun.Result r = cli.run("mint", "--allow", INVOICES, "--ttl", "15m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--key FILE").contains("--authority URL");
  }
}
