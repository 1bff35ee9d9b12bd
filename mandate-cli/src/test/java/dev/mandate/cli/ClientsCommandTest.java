package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code mandate clients ...} against a real authority, with credentials from the environment. */
class ClientsCommandTest {
  @TempDir Path tmp;
  @RegisterExtension final CliAuthority authority = new CliAuthority();
  private CliRun admin;

  @BeforeEach
  void start() throws Exception {
    admin =
        new CliRun()
            .env(
                Map.of(
                    "MANDATE_AUTHORITY", authority.url(),
                    "MANDATE_CLIENT", "admin",
                    "MANDATE_SECRET_FILE", authority.adminSecret.toString()));
  }

  private CliRun.Result mintAs(String client, Path secret) {
    return new CliRun()
        .run(
            CliAuthority.args(
                new String[] {
                  "mint", "--allow", "fs:read_text_file:/data/invoices/2024/**", "--ttl", "15m"
                },
                authority.as(client, secret)));
  }

  @Test
  void create_writesTheSecretTo0600File_thatTheClientCanUse() throws Exception {
    Path secret = tmp.resolve("new-agent.secret");

    CliRun.Result r = admin.run("clients", "create", "agent2", "--secret-out", secret.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("agent2  client  created=").doesNotContain("mndcs1_");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
        .isEqualTo("rw-------");
    // agent2 is not in the policy, so the mint is denied by policy, not by authentication.
    CliRun.Result minted = mintAs("agent2", secret);
    assertThat(minted.exit()).isEqualTo(1);
    assertThat(minted.err()).contains("denied by policy");
  }

  @Test
  void create_withoutSecretOut_onAPipe_isRefused_beforeTheClientExists() throws Exception {
    CliRun.Result r = admin.run("clients", "create", "agent2");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("stdout is not a terminal").contains("--secret-out");
    assertThat(admin.run("clients", "list").out()).doesNotContain("agent2");
  }

  @Test
  void create_onATerminal_showsTheSecretOnce() {
    CliRun.Result r = admin.interactive(true).run("clients", "create", "agent2");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("the secret of 'agent2'  mndcs1_\\S+");
  }

  @Test
  void create_refusesToOverwriteAFile_andAnExistingClient() throws Exception {
    Path existing = Files.writeString(tmp.resolve("taken"), "keep me\n");

    CliRun.Result overwrite =
        admin.run("clients", "create", "agent2", "--secret-out", existing.toString());
    CliRun.Result twice =
        admin.run("clients", "create", "agent", "--secret-out", tmp.resolve("again").toString());

    assertThat(overwrite.exit()).isEqualTo(2);
    assertThat(overwrite.err()).contains("exists; refusing to overwrite");
    assertThat(Files.readString(existing)).isEqualTo("keep me\n");
    assertThat(twice.exit()).isEqualTo(2);
    assertThat(twice.err()).contains("client_exists");
    assertThat(tmp.resolve("again")).doesNotExist();
  }

  @Test
  void list_showsEveryClient_withoutSecrets_asTextOrJson() throws Exception {
    CliRun.Result text = admin.run("clients", "list");
    CliRun.Result json = admin.run("clients", "list", "--json");

    assertThat(text.exit()).as(text.err()).isZero();
    assertThat(text.out().lines())
        .hasSize(2)
        .anySatisfy(l -> assertThat(l).startsWith("admin  admin   created="))
        .anySatisfy(l -> assertThat(l).startsWith("agent  client  created="));
    JsonNode list = CliAuthority.JSON.readTree(json.out());
    assertThat(list.findValuesAsText("clientId")).containsExactly("admin", "agent");
    assertThat(json.out()).doesNotContain("secret").doesNotContain("mndcs1_");
  }

  @Test
  void rotate_replacesTheSecretFile_theOldSecretStopsWorking() throws Exception {
    String old = Files.readString(authority.agentSecret);
    assertThat(mintAs("agent", authority.agentSecret).exit()).isZero();

    CliRun.Result r =
        admin.run("clients", "rotate", "agent", "--secret-out", authority.agentSecret.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Files.readString(authority.agentSecret)).isNotEqualTo(old).startsWith("mndcs1_");
    assertThat(mintAs("agent", authority.agentSecret).exit()).isZero();
    Path oldFile = CliAuthority.secretFile(tmp.resolve("old.secret"), old.strip());
    CliRun.Result refused = mintAs("agent", oldFile);
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.err()).contains("refused the credentials of client 'agent'");
  }

  @Test
  void disable_stopsTheClientAuthenticating_andCannotBeUndoneByRotation() throws Exception {
    assertThat(mintAs("agent", authority.agentSecret).exit()).isZero();

    CliRun.Result r = admin.run("clients", "disable", "agent", "--json");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(CliAuthority.JSON.readTree(r.out()).get("disabledAt").isTextual()).isTrue();
    CliRun.Result refused = mintAs("agent", authority.agentSecret);
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.err()).contains("refused the credentials");
    assertThat(admin.run("clients", "list").out()).containsPattern("agent  client  .*disabled=");
    CliRun.Result rotate =
        admin.run("clients", "rotate", "agent", "--secret-out", tmp.resolve("x").toString());
    assertThat(rotate.exit()).isEqualTo(2);
    assertThat(rotate.err()).contains("client_disabled");
  }

  @Test
  void aNonAdmin_cannotManageClients() {
    CliRun.Result r =
        new CliRun().run(CliAuthority.args(new String[] {"clients", "list"}, authority.asAgent()));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("admin_required");
  }

  @Test
  void badClientId_isRefusedBeforeAnyCall() {
    CliRun.Result r = admin.run("clients", "disable", "../keys");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("is not a client id");
  }

  @Test
  void withoutAnAuthority_saysWhichOptionOrVariableToSet() {
    CliRun.Result r = new CliRun().run("clients", "list");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--authority URL").contains("MANDATE_AUTHORITY");
  }
}
