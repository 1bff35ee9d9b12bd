package dev.mandate.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Secret files: one line, mode 0600. Written atomically with the mode set from the first byte; read
 * only when group and others can neither read nor write them (as ssh does with keys).
 */
final class SecretFiles {
  /** A secret is one short line; anything larger is not a secret file. */
  static final int MAX_BYTES = 4096;

  private static final Set<PosixFilePermission> GROUP_OR_OTHER =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private SecretFiles() {}

  /**
   * Reads a secret: the file's one line, stripped.
   *
   * @param option the option (or variable) that named the file, for messages
   * @param hint how to get the secret, appended when the file does not exist
   * @throws BadInputException if the file is missing, too open, empty, several lines or too large
   */
  static String read(Path file, String option, String hint) {
    byte[] bytes =
        readAtMost(
            file,
            option,
            MAX_BYTES,
            new String[] {"the file", " does not exist" + hint, "a secret", "the secret's file"});
    try {
      requirePrivate(file, option, "secret");
      String secret = new String(bytes, StandardCharsets.UTF_8).strip();
      if (secret.isEmpty() || secret.contains("\n")) {
        throw new BadInputException(
            option + " " + file + " must hold the secret alone, on one line");
      }
      return secret;
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * Reads at most {@code max} bytes of a small file. {@code words} fill the messages: what to name
   * instead of a directory, what follows the file's name when it does not exist, what the file
   * cannot be larger than, and what to name instead of a file too large.
   *
   * @throws BadInputException if the file is a directory, missing, unreadable or too large
   */
  static byte[] readAtMost(Path file, String option, int max, String[] words) {
    if (Files.isDirectory(file)) {
      throw new BadInputException(option + " " + file + " is a directory; name " + words[0]);
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(max + 1);
    } catch (NoSuchFileException e) {
      throw new BadInputException(option + " " + file + words[1]);
    } catch (IOException e) {
      throw new BadInputException(option + " " + file + " cannot be read: " + Errors.describe(e));
    }
    if (bytes.length > max) {
      Arrays.fill(bytes, (byte) 0);
      throw new BadInputException(
          option + " " + file + " is larger than " + words[2] + " can be; name " + words[3]);
    }
    return bytes;
  }

  /**
   * Refuses a file that group or others may read or write, as ssh does with keys.
   *
   * @param what what the file holds ("secret", "key"), for the message
   */
  static void requirePrivate(Path file, String option, String what) {
    try {
      PosixFileAttributeView view =
          Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      if (view == null) {
        return; // Not a POSIX file system: nothing to check.
      }
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.stream().anyMatch(GROUP_OR_OTHER::contains)) {
        throw new BadInputException(
            option
                + " "
                + file
                + " is readable or writable by other users (mode "
                + PosixFilePermissions.toString(perms)
                + "); run 'chmod 600 "
                + file
                + "' and consider the "
                + what
                + " exposed");
      }
    } catch (IOException e) {
      throw new BadInputException(
          option + " " + file + " cannot be checked: " + Errors.describe(e));
    }
  }

  /**
   * Checks, before a secret is made, that it can be written to {@code file}: its directory exists
   * and, unless {@code replace}, the file does not.
   *
   * @throws BadInputException if not
   */
  static void checkWritable(Path file, String option, boolean replace) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new BadInputException(
          option + " " + file + ": the directory " + dir + " does not exist; create it first");
    }
    if (Files.isDirectory(file)) {
      throw new BadInputException(option + " " + file + " is a directory; name a file");
    }
    if (!replace && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new BadInputException(
          option + " " + file + " exists; refusing to overwrite it (it may hold another secret)");
    }
    if (!Files.isWritable(dir)) {
      throw new BadInputException(
          option + " " + file + ": the directory " + dir + " is not writable");
    }
  }

  /**
   * Writes {@code secret} and a newline to {@code file} with mode 0600, atomically: through a 0600
   * temporary file in the same directory, renamed (with {@code replace}) or linked into place.
   *
   * @throws BadInputException if it cannot be written, or exists and {@code replace} is false
   */
  static void write(Path file, String secret, String option, boolean replace) {
    byte[] content = (secret + "\n").getBytes(StandardCharsets.UTF_8);
    Path temp = null;
    try {
      temp = writeTemp(file, content, "rw-------");
      if (replace) {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      } else {
        Files.createLink(file, temp);
        Files.delete(temp);
      }
      temp = null;
    } catch (FileAlreadyExistsException e) {
      throw new BadInputException(option + " " + file + " exists; refusing to overwrite it");
    } catch (UnsupportedOperationException e) {
      throw new BadInputException(
          option
              + " "
              + file
              + " is on a file system without POSIX permissions; choose a file on one that has"
              + " them, so the secret can be kept private");
    } catch (AccessDeniedException e) {
      throw new BadInputException(option + " " + file + " cannot be written: permission denied");
    } catch (IOException e) {
      throw new BadInputException(
          option + " " + file + " cannot be written: " + Errors.describe(e));
    } finally {
      Arrays.fill(content, (byte) 0);
      deleteQuietly(temp);
    }
  }

  /**
   * Writes {@code content} to a new temporary file beside {@code target}, with a dot name and
   * {@code mode} from its creation (the umask can only remove bits, so a secret is never readable
   * by others, not even for a moment), forced to disk.
   */
  static Path writeTemp(Path target, byte[] content, String mode) throws IOException {
    Path temp =
        Files.createTempFile(
            target.toAbsolutePath().getParent(),
            "." + target.getFileName() + ".",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(true);
    }
    return temp;
  }

  /** Deletes a left-over temporary file, if any; best effort. */
  static void deleteQuietly(Path temp) {
    if (temp != null) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // The temporary file has mode 0600 or 0644 and a dot name; nothing secret is exposed by it.
      }
    }
  }
}
