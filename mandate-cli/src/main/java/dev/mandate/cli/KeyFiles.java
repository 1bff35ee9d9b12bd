package dev.mandate.cli;

import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.Arrays;

/**
 * Reads and writes key files. A private key file holds the text form {@code mndsk1_...} and is
 * created with mode 0600 from its first byte; a public key file holds {@code mndpk1_...}.
 */
final class KeyFiles {
  /** Key files are one short line; anything larger is not a key file. */
  static final int MAX_KEY_FILE_BYTES = 4096;

  private KeyFiles() {}

  /**
   * Reads a private key. Like ssh, refuses a file that group or others may read or write.
   *
   * @param option the option that named the file, for the error message
   * @throws BadInputException if the file is missing, too open, or not a private key
   */
  static SigningKey readSigningKey(Path file, String option) {
    String text = readSmallFile(file, option);
    if (text.startsWith(VerifyingKey.TEXT_PREFIX)) {
      throw new BadInputException(
          option
              + " "
              + file
              + " holds a public key; pass the private key file (.key) written by mandate keygen");
    }
    SecretFiles.requirePrivate(file, option, "key");
    try {
      return SigningKey.parse(text, InsecureSecretKeyAccess.get());
    } catch (IllegalArgumentException e) {
      // The core's messages never echo key material, so they are safe to show.
      throw new BadInputException(
          option + " " + file + " is not a Mandate private key: " + e.getMessage());
    }
  }

  /**
   * Reads a public key.
   *
   * @throws BadInputException if the file is missing or not a public key
   */
  static VerifyingKey readVerifyingKey(Path file, String option) {
    String text = readSmallFile(file, option);
    if (text.startsWith(SigningKey.TEXT_PREFIX)) {
      throw privateKeyGiven(file, option);
    }
    try {
      return VerifyingKey.parse(text);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(
          option + " " + file + " is not a Mandate public key: " + e.getMessage());
    }
  }

  /** Most keys in one public key file: an authority rarely has more than a few. */
  static final int MAX_KEYS_PER_FILE = 64;

  /** A key list file is at most this large: {@link #MAX_KEYS_PER_FILE} keys with comments. */
  static final int MAX_KEY_LIST_BYTES = 64 * 1024;

  /**
   * Reads a file of one or more public keys, one per line; blank lines and lines starting with
   * {@code #} are ignored. A file from {@code mandate keygen} (one key) is such a file.
   *
   * @throws BadInputException if the file is missing, holds a private key, no key, or a line that
   *     is not a public key
   */
  static java.util.List<VerifyingKey> readVerifyingKeys(Path file, String option) {
    byte[] bytes =
        SecretFiles.readAtMost(file, option, MAX_KEY_LIST_BYTES, words("a public key file"));
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
    Arrays.fill(bytes, (byte) 0);
    java.util.List<VerifyingKey> keys = new java.util.ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith(SigningKey.TEXT_PREFIX)) {
        throw privateKeyGiven(file, option);
      }
      try {
        keys.add(VerifyingKey.parse(line));
      } catch (IllegalArgumentException e) {
        throw new BadInputException(
            option
                + " "
                + file
                + " line "
                + (i + 1)
                + " is not a Mandate public key: "
                + e.getMessage());
      }
      if (keys.size() > MAX_KEYS_PER_FILE) {
        throw new BadInputException(
            option + " " + file + " holds more than " + MAX_KEYS_PER_FILE + " keys");
      }
    }
    if (keys.isEmpty()) {
      throw new BadInputException(
          option
              + " "
              + file
              + " holds no public key; create keys with 'mandate keygen --out DIR'");
    }
    return keys;
  }

  /**
   * Writes public keys, one per line after {@code comments} (each prefixed with {@code # }), to
   * {@code file} (mode 0644), atomically replacing it.
   *
   * @throws BadInputException if it cannot be written
   */
  static void writeVerifyingKeys(
      Path file, java.util.List<String> comments, java.util.List<VerifyingKey> keys) {
    StringBuilder text = new StringBuilder();
    for (String c : comments) {
      text.append("# ").append(c).append('\n');
    }
    for (VerifyingKey k : keys) {
      text.append(k.toText()).append('\n');
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new BadInputException(
          "--out " + file + ": the directory " + dir + " does not exist; create it first");
    }
    writeAtomically(file, text.toString().getBytes(StandardCharsets.UTF_8), "rw-r--r--", true);
  }

  /**
   * {@code SHA256:} and the unpadded base64 of SHA-256 over the 32 key bytes, as ssh shows keys.
   */
  static String fingerprint(VerifyingKey key) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(key.bytes());
      return "SHA256:" + java.util.Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  private static String readSmallFile(Path file, String option) {
    byte[] bytes = SecretFiles.readAtMost(file, option, MAX_KEY_FILE_BYTES, words("a key file"));
    String text = new String(bytes, StandardCharsets.UTF_8).strip();
    Arrays.fill(bytes, (byte) 0);
    return text;
  }

  private static BadInputException privateKeyGiven(Path file, String option) {
    return new BadInputException(
        option
            + " "
            + file
            + " holds a PRIVATE key; pass the public key file (.pub) instead, and keep the"
            + " private key out of places where public keys are shared");
  }

  private static String[] words(String kind) {
    return new String[] {
      "the key file",
      " does not exist; create keys with 'mandate keygen --out DIR'",
      kind,
      "the key file"
    };
  }

  /**
   * Writes a key pair as {@code NAME.key} (0600) and {@code NAME.pub} in {@code dir}, each file
   * atomically (written to a temporary file and then renamed or linked into place). Without {@code
   * force}, refuses if either file exists; if the public key cannot be written, the new private key
   * is removed again.
   *
   * @return the paths of the private and public key files
   * @throws BadInputException if a file exists (without force) or the directory is unusable
   */
  static Path[] writeKeyPair(Path dir, String name, SigningKey key, boolean force) {
    Path privateFile = dir.resolve(name + ".key");
    Path publicFile = dir.resolve(name + ".pub");
    try {
      Files.createDirectories(dir);
    } catch (FileAlreadyExistsException e) {
      throw new BadInputException("--out " + dir + " exists and is not a directory");
    } catch (IOException e) {
      throw new BadInputException("--out " + dir + " cannot be created: " + Errors.describe(e));
    }
    if (Files.getFileAttributeView(dir, PosixFileAttributeView.class) == null) {
      throw new BadInputException(
          "--out "
              + dir
              + " is on a file system without POSIX permissions, so the private key could not be"
              + " protected; choose a directory on a POSIX file system");
    }
    if (!force) {
      for (Path p : new Path[] {privateFile, publicFile}) {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          throw exists(p);
        }
      }
    }
    byte[] secret =
        key.toText(InsecureSecretKeyAccess.get()).concat("\n").getBytes(StandardCharsets.US_ASCII);
    try {
      writeAtomically(privateFile, secret, "rw-------", force);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    try {
      byte[] pub = (key.verifyingKey().toText() + "\n").getBytes(StandardCharsets.US_ASCII);
      writeAtomically(publicFile, pub, "rw-r--r--", force);
    } catch (RuntimeException e) {
      try {
        Files.deleteIfExists(privateFile);
      } catch (IOException ignored) {
        // Best effort; the error below still tells the user what happened.
      }
      throw e;
    }
    return new Path[] {privateFile, publicFile};
  }

  static void writeAtomically(Path target, byte[] content, String mode, boolean replace) {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = null;
    try {
      temp = SecretFiles.writeTemp(target, content, mode);
      if (replace) {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } else {
        publishWithoutReplacing(temp, target);
      }
      temp = null;
    } catch (FileAlreadyExistsException e) {
      throw exists(target);
    } catch (IOException e) {
      throw new BadInputException("cannot write " + target + ": " + Errors.describe(e));
    } finally {
      SecretFiles.deleteQuietly(temp);
    }
  }

  /** A hard link fails if the target exists, with no window in which another writer could win. */
  private static void publishWithoutReplacing(Path temp, Path target) throws IOException {
    try {
      Files.createLink(target, temp);
      Files.delete(temp);
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException | UnsupportedOperationException e) {
      Files.move(temp, target); // Fails if the target exists.
    }
  }

  private static BadInputException exists(Path p) {
    return new BadInputException(
        p
            + " already exists; refusing to overwrite a key (use --force to replace it, or choose"
            + " another --out or --name)");
  }
}
