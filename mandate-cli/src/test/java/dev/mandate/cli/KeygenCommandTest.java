package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.crypto.VerifyingKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeygenCommandTest {
  private final CliRun cli = new CliRun();

  @TempDir Path dir;

  @Test
  void keygen_writesPrivateKeyWithMode0600AndPublicKey_andPrintsKeyId() throws Exception {
    CliRun.Result r = cli.run("keygen", "--out", dir.toString());

    assertThat(r.exit()).isZero();
    Path key = dir.resolve("authority.key");
    Path pub = dir.resolve("authority.pub");
    assertThat(Files.getPosixFilePermissions(key))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.readString(key)).startsWith("mndsk1_");
    VerifyingKey publicKey = VerifyingKey.parse(Files.readString(pub));
    assertThat(r.value()).isEqualTo(publicKey.keyId());
    assertThat(r.out() + r.err()).doesNotContain(Files.readString(key).strip());
  }

  @Test
  void keygen_refusesToOverwriteAnExistingKey() throws Exception {
    cli.run("keygen", "--out", dir.toString());
    String before = Files.readString(dir.resolve("authority.key"));

    CliRun.Result again = cli.run("keygen", "--out", dir.toString());

    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err()).startsWith("mandate: ").contains("already exists").contains("--force");
    assertThat(again.err().lines()).hasSize(1);
    assertThat(Files.readString(dir.resolve("authority.key"))).isEqualTo(before);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("authority.key", "authority.pub");
    }
  }

  @Test
  void keygen_withForce_replacesTheKeyAndKeepsMode0600() throws Exception {
    cli.run("keygen", "--out", dir.toString());
    String before = Files.readString(dir.resolve("authority.key"));

    CliRun.Result r = cli.run("keygen", "--out", dir.toString(), "--force");

    assertThat(r.exit()).isZero();
    assertThat(Files.readString(dir.resolve("authority.key"))).isNotEqualTo(before);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("authority.key"))))
        .isEqualTo("rw-------");
  }

  @Test
  void keygen_withName_writesHolderKeyFiles() {
    CliRun.Result r = cli.run("keygen", "--out", dir.toString(), "--name", "agent");

    assertThat(r.exit()).isZero();
    assertThat(dir.resolve("agent.key")).exists();
    assertThat(dir.resolve("agent.pub")).exists();
  }

  @Test
  void keygen_rejectsANameThatWouldEscapeTheDirectory() {
    CliRun.Result r = cli.run("keygen", "--out", dir.toString(), "--name", "../evil");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(dir.getParent().resolve("evil.key")).doesNotExist();
  }

  @Test
  void mint_refusesAPrivateKeyThatOthersCanRead() throws Exception {
    cli.keygen(dir, "authority");
    Path key = dir.resolve("authority.key");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

    CliRun.Result r =
        cli.run("mint", "--key", key.toString(), "--allow", "fs:*:/data/**", "--ttl", "1m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("chmod 600");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void check_refusesAPrivateKeyGivenAsPublicKey_withoutPrintingIt() throws Exception {
    cli.keygen(dir, "authority");
    String secret = Files.readString(dir.resolve("authority.key")).strip();

    CliRun.Result r =
        cli.pipe(
            "mnd1_x",
            "check",
            "--pub",
            dir.resolve("authority.key").toString(),
            "--request",
            CliRun.readFile("/data/a"));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("PRIVATE key").doesNotContain(secret);
    assertThat(r.out()).isEmpty();
  }
}
