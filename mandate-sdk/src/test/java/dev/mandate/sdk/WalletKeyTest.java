package dev.mandate.sdk;

import static dev.mandate.sdk.AuthorityFixture.args;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import dev.mandate.sdk.RequestShape.ResourceRule;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A wallet that loads its holder key keeps its identity, and never gives the key out. */
class WalletKeyTest {
  private static final RequestShape FS =
      RequestShape.of("gw-test", "fs")
          .withApprovalMatching(ResourceRule.argumentUnderRoot("path", "/srv"));
  private static final ToolCall READ =
      new ToolCall("read_text_file", args("path", "/srv/data/invoices/2024/jan.txt"));
  private static final char[] STORE_PASSWORD = "store-password".toCharArray();

  private final SecureRandom random = new SecureRandom();
  private final MutableClock clock = new MutableClock(Instant.parse("2025-06-01T12:00:00Z"));
  private final SigningKey root = SigningKey.generate(random);
  private final SigningKey holder = SigningKey.generate(random);

  @TempDir Path dir;

  /** Writes the holder key as 'mandate keygen' does: its text form, one line, mode 0600. */
  private Path keyFile(String mode) throws IOException {
    Path file = dir.resolve("agent.key");
    Files.writeString(file, holder.toText(InsecureSecretKeyAccess.get()) + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  @Test
  void fromKeyFile_keepsTheIdentity_andSignsProofsTheVerifierAccepts() throws IOException {
    Path file = keyFile("rw-------");
    Wallet first = Wallet.fromKeyFile(file, random, clock);
    Wallet afterRestart = Wallet.fromKeyFile(file, random, clock);

    assertThat(first.holderPublicKey()).isEqualTo(holder.verifyingKey());
    assertThat(afterRestart.holderPublicKey()).isEqualTo(first.holderPublicKey());

    String token =
        Capability.mint(root)
            .clock(clock)
            .allow("fs:read_text_file:/data/invoices/**")
            .audience("gw-test")
            .ttl(Duration.ofMinutes(10))
            .bindTo(holder.verifyingKey())
            .sign()
            .toText();
    CapabilityHandle handle = afterRestart.add("invoices", token, FS);
    Verifier verifier =
        Verifier.builder().trustedKeys(TrustedKeys.of(root.verifyingKey())).clock(clock).build();
    Decision d =
        verifier.authorize(
            afterRestart.authorize(handle, READ).withCall(FS.callFor(READ)), FS.requestFor(READ));
    assertThat(d).isInstanceOf(Decision.Allow.class);
  }

  @Test
  void fromKeyFile_neverShowsTheKey() throws IOException {
    Wallet wallet = Wallet.fromKeyFile(keyFile("rw-------"), random, clock);
    String secret = holder.toText(InsecureSecretKeyAccess.get());

    assertThat(wallet.toString())
        .contains(holder.verifyingKey().keyId())
        .doesNotContain(secret.substring("mndsk1_".length()));
    // Nothing public hands out the private key.
    assertThat(List.of(Wallet.class.getMethods()))
        .noneMatch(m -> SigningKey.class.isAssignableFrom(m.getReturnType()))
        .noneMatch(m -> m.getReturnType() == byte[].class);
  }

  @Test
  void fromKeyFile_refusesAFileOthersCanRead() throws IOException {
    Path file = keyFile("rw-r--r--");

    assertThatThrownBy(() -> Wallet.fromKeyFile(file, random, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("readable or writable by other users (mode rw-r--r--)")
        .hasMessageContaining("chmod 600 " + file);
  }

  @Test
  void fromKeyFile_refusesPublicKeysGarbageAndOversizedFiles_withoutQuotingThem()
      throws IOException {
    Path pub = Files.writeString(dir.resolve("agent.pub"), holder.verifyingKey().toText());
    Files.setPosixFilePermissions(pub, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> Wallet.fromKeyFile(pub, random, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds a public key; name the private key file (.key)");

    Path garbage = Files.writeString(dir.resolve("garbage.key"), "mndsk1_not-a-key-HUNTER2");
    Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> Wallet.fromKeyFile(garbage, random, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a Mandate private key")
        .hasMessageNotContaining("HUNTER2");

    Path big = Files.writeString(dir.resolve("big.key"), "x".repeat(5000));
    Files.setPosixFilePermissions(big, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> Wallet.fromKeyFile(big, random, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("larger than a key file can be");

    assertThatThrownBy(() -> Wallet.fromKeyFile(dir.resolve("missing.key"), random, clock))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> Wallet.fromKeyFile(dir, random, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is a directory");
  }

  @Test
  void fromKeyStore_readsAnEd25519KeyThatKeytoolMade() throws Exception {
    KeyStore store = keytool("agent", "Ed25519");
    Wallet wallet = Wallet.fromKeyStore(store, "agent", STORE_PASSWORD, random, clock);
    Wallet again = Wallet.fromKeyStore(store, "agent", STORE_PASSWORD, random, clock);

    // The public key in the store's certificate is the wallet's (X.509 ends with the 32 key bytes).
    byte[] spki = store.getCertificate("agent").getPublicKey().getEncoded();
    byte[] raw = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    assertThat(wallet.holderPublicKey().bytes()).isEqualTo(raw);
    assertThat(again.holderPublicKey()).isEqualTo(wallet.holderPublicKey());
  }

  @Test
  void fromKeyStore_refusesOtherAlgorithmsWrongPasswordsAndMissingEntries() throws Exception {
    KeyStore store = keytool("rsa", "RSA");

    assertThatThrownBy(() -> Wallet.fromKeyStore(store, "rsa", STORE_PASSWORD, random, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is a RSA key; a holder key is Ed25519");
    assertThatThrownBy(
            () -> Wallet.fromKeyStore(store, "rsa", "wrong".toCharArray(), random, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be read with this password");
    assertThatThrownBy(() -> Wallet.fromKeyStore(store, "nobody", STORE_PASSWORD, random, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no key entry 'nobody'");
    KeyStore unloaded = KeyStore.getInstance("PKCS12");
    assertThatThrownBy(() -> Wallet.fromKeyStore(unloaded, "rsa", STORE_PASSWORD, random, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not loaded");
  }

  /** A PKCS#12 key store made by the JDK's keytool, as an operator would make one. */
  private KeyStore keytool(String alias, String algorithm) throws Exception {
    Path file = dir.resolve(alias + ".p12");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                algorithm,
                "-dname",
                "CN=" + alias,
                "-keystore",
                file.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                new String(STORE_PASSWORD))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(file.toFile())) {
      store.load(in, STORE_PASSWORD);
    }
    return store;
  }
}
