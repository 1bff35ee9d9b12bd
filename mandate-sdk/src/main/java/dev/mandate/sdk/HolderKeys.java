package dev.mandate.sdk;

import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads a holder key for {@link Wallet}: from a key file as {@code mandate keygen} writes it, or
 * from a Java key store. Messages name the file or alias and what to do, never key material.
 */
final class HolderKeys {
  /** A key file is one short line; anything larger is not one. */
  private static final int MAX_KEY_FILE_BYTES = 4096;

  private static final Set<PosixFilePermission> GROUP_OR_OTHER =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private HolderKeys() {}

  static SigningKey fromFile(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(file + " is a directory; name the holder key file");
    }
    PosixFileAttributeView posix =
        Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (posix != null) {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (mode.stream().anyMatch(GROUP_OR_OTHER::contains)) {
        throw new IllegalArgumentException(
            file
                + " is readable or writable by other users (mode "
                + PosixFilePermissions.toString(mode)
                + "); run 'chmod 600 "
                + file
                + "' and consider the key exposed");
      }
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_KEY_FILE_BYTES + 1);
    }
    try {
      if (bytes.length > MAX_KEY_FILE_BYTES) {
        throw new IllegalArgumentException(
            file + " is larger than a key file can be; name the .key file mandate keygen wrote");
      }
      String text = new String(bytes, StandardCharsets.UTF_8).strip();
      if (text.startsWith(VerifyingKey.TEXT_PREFIX)) {
        throw new IllegalArgumentException(
            file + " holds a public key; name the private key file (.key) mandate keygen wrote");
      }
      try {
        return SigningKey.parse(text, InsecureSecretKeyAccess.get());
      } catch (IllegalArgumentException e) {
        // The core's messages never quote key material.
        throw new IllegalArgumentException(
            file + " is not a Mandate private key: " + e.getMessage(), e);
      }
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  static SigningKey fromKeyStore(KeyStore store, String alias, char[] password) {
    Key key;
    try {
      key = store.getKey(alias, password);
    } catch (UnrecoverableKeyException e) {
      throw new IllegalArgumentException(
          "the key store entry '" + alias + "' cannot be read with this password", e);
    } catch (KeyStoreException e) {
      throw new IllegalArgumentException(
          "the key store is not loaded; call KeyStore.load first", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "the key store entry '" + alias + "' cannot be read: " + e.getMessage(), e);
    }
    if (key == null) {
      throw new IllegalArgumentException("the key store has no key entry '" + alias + "'");
    }
    byte[] seed = null;
    try {
      seed = ed25519Seed(key, alias);
      return SigningKey.fromSeed(seed, InsecureSecretKeyAccess.get());
    } finally {
      if (seed != null) {
        Arrays.fill(seed, (byte) 0);
      }
    }
  }

  /** The 32-byte private key of an Ed25519 key, whichever provider made it. */
  private static byte[] ed25519Seed(Key key, String alias) {
    String notEd25519 =
        "the key store entry '"
            + alias
            + "' is a "
            + key.getAlgorithm()
            + " key; a holder key is Ed25519 (keytool -genkeypair -keyalg Ed25519)";
    EdECPrivateKey ed;
    if (key instanceof EdECPrivateKey e) {
      ed = e;
    } else if ("PKCS#8".equals(key.getFormat()) && key.getEncoded() != null) {
      // A key from another provider (BouncyCastle, a PKCS#11 export): re-read by the JDK's.
      byte[] encoded = key.getEncoded();
      try {
        Key parsed =
            KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(encoded));
        if (!(parsed instanceof EdECPrivateKey e)) {
          throw new IllegalArgumentException(notEd25519);
        }
        ed = e;
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException(notEd25519, e);
      } finally {
        Arrays.fill(encoded, (byte) 0);
      }
    } else {
      throw new IllegalArgumentException(notEd25519);
    }
    if (!"Ed25519".equalsIgnoreCase(ed.getParams().getName())) {
      throw new IllegalArgumentException(
          "the key store entry '"
              + alias
              + "' is an "
              + ed.getParams().getName()
              + " key; a holder key is Ed25519 (keytool -genkeypair -keyalg Ed25519)");
    }
    return ed.getBytes()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "the key store entry '" + alias + "' does not release its key bytes"));
  }
}
