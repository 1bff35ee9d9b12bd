package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapTest {
  @TempDir Path tmp;

  @Test
  void firstStart_createsPrivateFiles_andReportsTheAdminSecretOnce() throws Exception {
    Path data = tmp.resolve("data");
    try (AuthorityServer server =
        AuthorityServer.start(
            AuthorityConfig.builder(data)
                .port(0)
                .clock(AuthorityTests.CLOCK)
                .environment(Map.of())
                .build())) {
      BootstrapReport report = server.bootstrapReport().orElseThrow();
      assertThat(permissions(data)).isEqualTo("rwx------");
      assertThat(permissions(data.resolve("master.key"))).isEqualTo("rw-------");
      assertThat(permissions(data.resolve("mandate.db"))).isEqualTo("rw-------");
      assertThat(data.resolve("policy.yaml")).content().contains("example-agent");
      assertThat(report.adminClientId()).isEqualTo("admin");
      String secret = report.adminSecretOnce().orElseThrow();
      assertThat(secret).startsWith("mndcs1_");
      assertThat(report.render())
          .contains(
              secret, data.resolve("master.key").toString(), report.rootKeyId(), server.url());
      assertThat(report.toString()).doesNotContain(secret);
      assertThat(report.url()).isEqualTo(server.url());
      // Stored only hashed.
      assertThat(Files.readAllBytes(data.resolve("mandate.db")))
          .asString(java.nio.charset.StandardCharsets.ISO_8859_1)
          .doesNotContain(secret);
    }
  }

  @Test
  void secondStart_reusesEverything_andTheSecretStillWorks() throws Exception {
    String secret;
    String keyId;
    try (AuthorityServer first = AuthorityTests.start(tmp)) {
      secret = AuthorityTests.adminSecret(first);
      keyId = first.bootstrapReport().orElseThrow().rootKeyId();
    }
    String masterKey = Files.readString(tmp.resolve("data/master.key"));
    try (AuthorityServer second = AuthorityTests.start(tmp)) {
      assertThat(second.bootstrapReport()).isEmpty();
      assertThat(Files.readString(tmp.resolve("data/master.key"))).isEqualTo(masterKey);
      Reply keys = AuthorityTests.api(second).get("/v1/keys");
      assertThat(keys.json()).hasSize(1);
      assertThat(keys.json().get(0).get("keyId").asText()).isEqualTo(keyId);
      assertThat(
              AuthorityTests.api(second)
                  .get("/v1/audit/verify", Http.basic("admin", secret))
                  .status())
          .isEqualTo(200);
    }
  }

  @Test
  void start_refusesWhenTheMasterKeyIsMissingButSealedKeysExist() throws Exception {
    try (AuthorityServer first = AuthorityTests.start(tmp)) {
      assertThat(AuthorityTests.adminSecret(first)).isNotNull();
    }
    Files.delete(tmp.resolve("data/master.key"));
    assertThatThrownBy(() -> AuthorityTests.start(tmp))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("master key is missing")
        .hasMessageContaining("Restore the master key");
    assertThat(tmp.resolve("data/master.key")).doesNotExist();
  }

  @Test
  void start_refusesAWrongMasterKey() throws Exception {
    try (AuthorityServer first = AuthorityTests.start(tmp)) {
      assertThat(AuthorityTests.adminSecret(first)).isNotNull();
    }
    String other =
        MasterKey.TEXT_PREFIX
            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    assertThatThrownBy(
            () ->
                AuthorityServer.start(
                    AuthorityTests.config(tmp).environment(Map.of(MasterKey.ENV, other)).build()))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("is not the master key this database was created with");
  }

  @Test
  void masterKeyFromTheEnvironment_isNotWrittenToDisk() throws Exception {
    String key =
        MasterKey.TEXT_PREFIX
            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    try (AuthorityServer a =
        AuthorityServer.start(
            AuthorityTests.config(tmp).environment(Map.of(MasterKey.ENV, key)).build())) {
      assertThat(a.bootstrapReport().orElseThrow().masterKeyLocation()).contains(MasterKey.ENV);
    }
    assertThat(tmp.resolve("data/master.key")).doesNotExist();
  }

  @Test
  void start_refusesAnInvalidPolicyWithItsProblems() throws Exception {
    Files.writeString(tmp.resolve("policy.yaml"), "version: 1\nclients:\n  a:\n    nope: 1\n");
    assertThatThrownBy(() -> AuthorityTests.start(tmp))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("is invalid")
        .hasMessageContaining("nope");
  }

  @Test
  void aSecondAuthority_onTheSameDataDirectory_refusesToStart_untilTheFirstStops()
      throws Exception {
    try (AuthorityServer first = AuthorityTests.start(tmp)) {
      assertThat(permissions(tmp.resolve("data/lock"))).isEqualTo("rw-------");

      assertThatThrownBy(() -> AuthorityTests.start(tmp))
          .isInstanceOf(AuthorityStartupException.class)
          .hasMessageContaining("another authority is running on the data directory")
          .hasMessageContaining(tmp.resolve("data").toString());
      assertThat(AuthorityTests.api(first).get("/v1/health").status())
          .as("the first keeps serving")
          .isEqualTo(200);
    }
    try (AuthorityServer again = AuthorityTests.start(tmp)) {
      assertThat(AuthorityTests.api(again).get("/v1/health").status()).isEqualTo(200);
    }
  }

  @Test
  void theLock_isReleasedWhenStartupFails() throws Exception {
    Files.writeString(tmp.resolve("policy.yaml"), "version: 1\nclients:\n  a:\n    nope: 1\n");
    assertThatThrownBy(() -> AuthorityTests.start(tmp))
        .isInstanceOf(AuthorityStartupException.class);
    Files.writeString(tmp.resolve("policy.yaml"), AuthorityTests.POLICY);
    try (AuthorityServer a = AuthorityTests.start(tmp)) {
      assertThat(AuthorityTests.api(a).get("/v1/health").status()).isEqualTo(200);
    }
  }

  @Test
  void theStarterPolicy_andTheDatabaseFiles_areOwnerOnly() throws Exception {
    Path data = tmp.resolve("data");
    try (AuthorityServer server =
        AuthorityServer.start(
            AuthorityConfig.builder(data)
                .port(0)
                .clock(AuthorityTests.CLOCK)
                .environment(Map.of())
                .build())) {
      assertThat(server.bootstrapReport()).isPresent();
      try (var files = Files.list(data)) {
        assertThat(files)
            .allSatisfy(f -> assertThat(permissions(f)).as(f.toString()).isEqualTo("rw-------"))
            .extracting(f -> f.getFileName().toString())
            .contains("policy.yaml", "mandate.db", "master.key", "lock");
      }
    }
  }

  @Test
  void masterKeyFile_elsewhere_isCreatedThere_0600_andNotInTheDataDirectory() throws Exception {
    Path keyFile = tmp.resolve("secrets/mandate/master.key");
    try (AuthorityServer a =
        AuthorityServer.start(
            AuthorityTests.config(tmp).masterKeySource(MasterKeySource.file(keyFile)).build())) {
      assertThat(a.bootstrapReport().orElseThrow().masterKeyLocation())
          .isEqualTo(keyFile.toString());
    }
    assertThat(permissions(keyFile)).isEqualTo("rw-------");
    assertThat(permissions(keyFile.getParent())).isEqualTo("rwx------");
    assertThat(tmp.resolve("data/master.key")).doesNotExist();
    // A restart without the key file's location cannot open the root keys.
    assertThatThrownBy(() -> AuthorityTests.start(tmp))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("master key is missing");
    try (AuthorityServer again =
        AuthorityServer.start(
            AuthorityTests.config(tmp).masterKeySource(MasterKeySource.file(keyFile)).build())) {
      assertThat(again.bootstrapReport()).isEmpty();
    }
  }

  @Test
  void masterKeyCommand_printsTheKey_andIsNeverAskedToStoreOne() throws Exception {
    Path wrapped = tmp.resolve("wrapped.key");
    Files.writeString(wrapped, MasterKeySource.newKey(new java.security.SecureRandom()));
    MasterKeySource command =
        MasterKeySource.command(
            java.util.List.of("sh", "-c", "cat '" + wrapped + "'"),
            java.time.Duration.ofSeconds(10));

    try (AuthorityServer a =
        AuthorityServer.start(AuthorityTests.config(tmp).masterKeySource(command).build())) {
      assertThat(a.bootstrapReport().orElseThrow().masterKeyLocation())
          .contains("master key command");
    }
    try (AuthorityServer again =
        AuthorityServer.start(AuthorityTests.config(tmp).masterKeySource(command).build())) {
      assertThat(again.bootstrapReport()).isEmpty();
    }
    assertThat(tmp.resolve("data/master.key")).doesNotExist();
  }

  @Test
  void masterKeyCommand_thatFailsOrPrintsNothing_stopsTheStart_withoutShowingItsOutput()
      throws Exception {
    Path said = tmp.resolve("said.txt");
    Files.writeString(said, "mndmk1_secretish\n");
    MasterKeySource failing =
        MasterKeySource.command(
            java.util.List.of("sh", "-c", "cat '" + said + "'; cat '" + said + "' >&2; exit 3"),
            java.time.Duration.ofSeconds(10));
    MasterKeySource silent =
        MasterKeySource.command(java.util.List.of("true"), java.time.Duration.ofSeconds(10));

    assertThatThrownBy(
            () ->
                AuthorityServer.start(AuthorityTests.config(tmp).masterKeySource(failing).build()))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("exit status 3")
        .message()
        .doesNotContain("secretish");
    assertThatThrownBy(
            () -> AuthorityServer.start(AuthorityTests.config(tmp).masterKeySource(silent).build()))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("holds no master key")
        .hasMessageContaining("mandate admin new-master-key");
    assertThat(tmp.resolve("data/mandate.db")).exists();
    try (AuthorityServer a = AuthorityTests.start(tmp)) {
      assertThat(AuthorityTests.api(a).get("/v1/keys").json())
          .as("nothing was half-created")
          .hasSize(1);
    }
  }

  @Test
  void hostReset_givesTheAdminANewSecret_theOldOneStops_evenOnARunningAuthority() throws Exception {
    try (AuthorityServer running = AuthorityTests.start(tmp)) {
      String old = AuthorityTests.api(running).admin();
      assertThat(AuthorityTests.api(running).get("/v1/audit/verify", old).status()).isEqualTo(200);

      String fresh = HostAdmin.resetAdminSecret(AuthorityTests.config(tmp).build());

      assertThat(fresh).startsWith("mndcs1_").isNotEqualTo(AuthorityTests.adminSecret(running));
      assertThat(AuthorityTests.api(running).get("/v1/audit/verify", old).status()).isEqualTo(401);
      assertThat(
              AuthorityTests.api(running)
                  .get("/v1/audit/verify", Http.basic("admin", fresh))
                  .status())
          .isEqualTo(200);
      assertThat(
              AuthorityTests.api(running)
                  .get("/v1/audit?client=admin", Http.basic("admin", fresh))
                  .json()
                  .findValuesAsText("type"))
          .contains("client.secret.reset");
    }
  }

  @Test
  void hostReset_createsAnAdminThatWasNotCreated_andRefusesAWrongMasterKey() throws Exception {
    try (AuthorityServer a =
        AuthorityServer.start(AuthorityTests.config(tmp).createAdminClient(false).build())) {
      assertThat(AuthorityTests.adminSecret(a)).isNull();
      assertThat(a.bootstrapReport().orElseThrow().adminSecretOnce()).isEmpty();
    }
    String other =
        MasterKey.TEXT_PREFIX
            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    assertThatThrownBy(
            () ->
                HostAdmin.resetAdminSecret(
                    AuthorityTests.config(tmp).environment(Map.of(MasterKey.ENV, other)).build()))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("is not the master key this database was created with");

    String secret = HostAdmin.resetAdminSecret(AuthorityTests.config(tmp).build());

    try (AuthorityServer a = AuthorityTests.start(tmp)) {
      assertThat(a.bootstrapReport()).as("the admin exists now").isEmpty();
      assertThat(
              AuthorityTests.api(a).get("/v1/audit/verify", Http.basic("admin", secret)).status())
          .isEqualTo(200);
    }
  }

  @Test
  void hostReset_ofADataDirectoryThatWasNeverStarted_isRefused() throws Exception {
    assertThatThrownBy(() -> HostAdmin.resetAdminSecret(AuthorityTests.config(tmp).build()))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("there is no data directory");
  }

  private static String permissions(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
