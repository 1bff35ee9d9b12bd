package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
                .clock(TestAuthority.CLOCK)
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
    try (TestAuthority first = TestAuthority.start(tmp)) {
      secret = first.adminSecret;
      keyId = first.server.bootstrapReport().orElseThrow().rootKeyId();
    }
    String masterKey = Files.readString(tmp.resolve("data/master.key"));
    try (TestAuthority second = TestAuthority.start(tmp)) {
      assertThat(second.server.bootstrapReport()).isEmpty();
      assertThat(Files.readString(tmp.resolve("data/master.key"))).isEqualTo(masterKey);
      TestAuthority.Reply keys = second.get("/v1/keys");
      assertThat(keys.json()).hasSize(1);
      assertThat(keys.json().get(0).get("keyId").asText()).isEqualTo(keyId);
      assertThat(second.get("/v1/audit/verify", TestAuthority.basic("admin", secret)).status())
          .isEqualTo(200);
    }
  }

  @Test
  void start_refusesWhenTheMasterKeyIsMissingButSealedKeysExist() throws Exception {
    try (TestAuthority first = TestAuthority.start(tmp)) {
      assertThat(first.adminSecret).isNotNull();
    }
    Files.delete(tmp.resolve("data/master.key"));
    assertThatThrownBy(() -> TestAuthority.start(tmp))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("master key is missing")
        .hasMessageContaining("Restore the master key");
    assertThat(tmp.resolve("data/master.key")).doesNotExist();
  }

  @Test
  void start_refusesAWrongMasterKey() throws Exception {
    try (TestAuthority first = TestAuthority.start(tmp)) {
      assertThat(first.adminSecret).isNotNull();
    }
    String other =
        MasterKey.TEXT_PREFIX
            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    assertThatThrownBy(
            () ->
                TestAuthority.start(
                    TestAuthority.config(tmp).environment(Map.of(MasterKey.ENV, other)).build()))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("is not the master key this database was created with");
  }

  @Test
  void masterKeyFromTheEnvironment_isNotWrittenToDisk() throws Exception {
    String key =
        MasterKey.TEXT_PREFIX
            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    try (TestAuthority a =
        TestAuthority.start(
            TestAuthority.config(tmp).environment(Map.of(MasterKey.ENV, key)).build())) {
      assertThat(a.server.bootstrapReport().orElseThrow().masterKeyLocation())
          .contains(MasterKey.ENV);
    }
    assertThat(tmp.resolve("data/master.key")).doesNotExist();
  }

  @Test
  void start_refusesAnInvalidPolicyWithItsProblems() throws Exception {
    Files.writeString(tmp.resolve("policy.yaml"), "version: 1\nclients:\n  a:\n    nope: 1\n");
    assertThatThrownBy(() -> TestAuthority.start(tmp))
        .isInstanceOf(AuthorityStartupException.class)
        .hasMessageContaining("is invalid")
        .hasMessageContaining("nope");
  }

  private static String permissions(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
