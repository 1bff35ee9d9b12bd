package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.token.Capability;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class RevokeCommandTest {
  private final CliRun cli = new CliRun();
  @TempDir Path tmp;
  @RegisterExtension final CliAuthority authority = new CliAuthority();

  private Capability mint() {
    return authority.minted(
        cli, "--allow", "fs:read_text_file:/data/invoices/2024/**", "--ttl", "15m");
  }

  private List<String> feedSnapshot() {
    JsonNode feed = authority.get("/v1/revocations?since=0");
    List<String> denied = new ArrayList<>();
    feed.get("snapshot").forEach(n -> denied.add(n.asText()));
    return denied;
  }

  @Test
  void revokeByTokenId_printsTheSequence_andTheFeedShowsTheRevocation() {
    Capability token = mint();

    CliRun.Result r =
        cli.run(
            CliAuthority.args(
                new String[] {"revoke"},
                authority.asAgent(),
                new String[] {"--token-id", token.tokenId(), "--reason", "agent finished"}));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.value()).isEqualTo("1");
    assertThat(r.err()).contains("revoked " + token.revocationIds().get(0));
    assertThat(feedSnapshot()).containsExactly(token.revocationIds().get(0));
    JsonNode increments = authority.get("/v1/revocations?since=1");
    assertThat(increments.get("latestSequence").asLong()).isEqualTo(1);
  }

  @Test
  void revokeADelegatedBlock_withTheDelegatorsKey_leavesTheDelegatorsOwnBlock() {
    cli.at(java.time.Instant.now()); // the authority checks the proof's time on its own clock
    Path keys = tmp.resolve("keys");
    cli.keygen(keys, "agent");
    cli.keygen(keys, "sub");
    CliRun.Result minted =
        cli.run(
            CliAuthority.args(
                new String[] {"mint"},
                authority.asAgent(),
                new String[] {
                  "--allow",
                  "fs:read_text_file:/data/invoices/2024/**",
                  "--ttl",
                  "15m",
                  "--holder",
                  keys.resolve("agent.pub").toString()
                }));
    assertThat(minted.exit()).as(minted.err()).isZero();
    CliRun.Result child =
        cli.pipe(
            minted.value(),
            "attenuate",
            "--allow",
            "fs:read_text_file:/data/invoices/2024/01/**",
            "--bind",
            keys.resolve("sub.pub").toString(),
            "--holder-key",
            keys.resolve("agent.key").toString());
    assertThat(child.exit()).as(child.err()).isZero();
    Capability delegated = Capability.decode(child.value());

    CliRun.Result bySub =
        cli.pipe(
            child.value(),
            CliAuthority.args(
                new String[] {"revoke"},
                authority.asAgent(),
                new String[] {
                  "--block",
                  "1",
                  "--holder-key",
                  keys.resolve("sub.key").toString(),
                  "--reason",
                  "x"
                }));
    CliRun.Result r =
        cli.pipe(
            child.value(),
            CliAuthority.args(
                new String[] {"revoke"},
                authority.asAgent(),
                new String[] {
                  "--block",
                  "1",
                  "--holder-key",
                  keys.resolve("agent.key").toString(),
                  "--reason",
                  "sub-task done"
                }));

    assertThat(bySub.exit()).isEqualTo(2);
    assertThat(bySub.err()).contains("did not sign block 1").doesNotContain("internal error");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(feedSnapshot()).containsExactly(delegated.revocationIds().get(1));
  }

  @Test
  void revokeTheTokenOnStdin() {
    Capability token = mint();

    CliRun.Result r =
        cli.pipe(
            token.toText(),
            CliAuthority.args(
                new String[] {"revoke"}, authority.asAgent(), new String[] {"--reason", "leaked"}));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(feedSnapshot()).containsExactly(token.revocationIds().get(0));
  }

  @Test
  void revokeByRevocationIdAlone_isForAdminsOnly() {
    Capability token = mint();
    String[] byId = {"--revocation-id", token.revocationIds().get(0), "--reason", "r"};

    CliRun.Result agent =
        cli.run(CliAuthority.args(new String[] {"revoke"}, authority.asAgent(), byId));
    CliRun.Result admin =
        cli.run(CliAuthority.args(new String[] {"revoke"}, authority.asAdmin(), byId));

    assertThat(agent.exit()).isEqualTo(2);
    assertThat(agent.err().lines()).singleElement().asString().contains("not_owner");
    assertThat(admin.exit()).as(admin.err()).isZero();
    assertThat(feedSnapshot()).containsExactly(token.revocationIds().get(0));
  }

  @Test
  void unknownToken_isOneLineNotFound() {
    CliRun.Result r =
        cli.run(
            CliAuthority.args(
                new String[] {"revoke"},
                authority.asAgent(),
                new String[] {"--token-id", "00112233445566778899aabbccddeeff", "--reason", "r"}));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines()).singleElement().asString().contains("404");
  }

  @Test
  void reasonIsRequired() {
    CliRun.Result r =
        cli.run(
            CliAuthority.args(
                new String[] {"revoke"},
                authority.asAgent(),
                new String[] {"--token-id", "00112233445566778899aabbccddeeff"}));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--reason");
  }

  @Test
  void mintAndRevoke_withJsonAndCredentialsFromTheEnvironment_printOneObjectEach()
      throws Exception {
    CliRun env =
        new CliRun()
            .env(
                java.util.Map.of(
                    "MANDATE_AUTHORITY", authority.url(),
                    "MANDATE_CLIENT", "agent",
                    "MANDATE_SECRET_FILE", authority.agentSecret.toString()));

    CliRun.Result minted =
        env.run(
            "mint",
            "--json",
            "--allow",
            "fs:read_text_file:/data/invoices/2024/**",
            "--ttl",
            "15m");

    assertThat(minted.exit()).as(minted.err()).isZero();
    assertThat(minted.err()).isEmpty();
    JsonNode m = CliAuthority.JSON.readTree(minted.out());
    Capability token = Capability.decode(m.get("token").asText());
    assertThat(m.get("tokenId").asText()).isEqualTo(token.tokenId());
    assertThat(m.get("revocationIds").get(0).asText()).isEqualTo(token.revocationIds().get(0));
    assertThat(m.get("expiresAt").asText()).isNotBlank();

    CliRun.Result revoked = env.pipe(token.toText(), "revoke", "--json", "--reason", "done");

    assertThat(revoked.exit()).as(revoked.err()).isZero();
    assertThat(revoked.err()).isEmpty();
    JsonNode r = CliAuthority.JSON.readTree(revoked.out());
    assertThat(r.get("sequence").asLong()).isPositive();
    assertThat(r.get("tokenId").asText()).isEqualTo(token.tokenId());
    assertThat(feedSnapshot()).contains(r.get("revocationId").asText());
  }

  @Test
  void localMint_json_hasTheSameFields() throws Exception {
    cli.keygen(tmp.resolve("keys"), "authority");

    CliRun.Result r =
        cli.run(
            "mint",
            "--json",
            "--key",
            tmp.resolve("keys/authority.key").toString(),
            "--allow",
            "fs:r:/x",
            "--ttl",
            "1m");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode m = CliAuthority.JSON.readTree(r.out());
    assertThat(Capability.decode(m.get("token").asText()).tokenId())
        .isEqualTo(m.get("tokenId").asText());
    assertThat(m.get("expiresAt").asText()).isEqualTo(CliRun.NOW.plusSeconds(60).toString());
  }
}
