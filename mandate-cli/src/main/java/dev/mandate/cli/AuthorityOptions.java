package dev.mandate.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Where the authority is and who is calling it: {@code --authority URL --client ID --secret-file
 * FILE}. The secret is read from a file, never from the command line, so it does not show up in
 * process listings or shell history.
 */
final class AuthorityOptions {
  /** A client secret is one short line; anything larger is not a secret file. */
  static final int MAX_SECRET_FILE_BYTES = 4096;

  private static final Set<PosixFilePermission> GROUP_OR_OTHER =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  @Option(
      names = "--authority",
      paramLabel = "URL",
      description = "The authority's base URL, e.g. http://127.0.0.1:7700 (see mandate serve).")
  String url;

  @Option(
      names = "--client",
      paramLabel = "ID",
      description = "The client id to authenticate as (e.g. admin).")
  String clientId;

  @Option(
      names = "--secret-file",
      paramLabel = "FILE",
      description =
          "A file holding the client's secret (mode 0600), as 'mandate serve' printed it for the"
              + " admin or POST /v1/clients returned it.")
  Path secretFile;

  /** Whether any of the three options was given. */
  boolean given() {
    return url != null || clientId != null || secretFile != null;
  }

  /**
   * A client that authenticates with the given credentials.
   *
   * @throws ParameterException if an option is missing
   * @throws BadInputException if the URL or the secret file is unusable
   */
  AuthorityClient authenticated(CommandSpec spec) {
    requireUrl(spec);
    if (clientId == null || secretFile == null) {
      throw new ParameterException(
          spec.commandLine(),
          "this needs client credentials: give --client ID and --secret-file FILE");
    }
    return AuthorityClient.authenticated(url, clientId, readSecret(secretFile));
  }

  /**
   * A client for public endpoints: authenticated if credentials are given, anonymous otherwise.
   *
   * @throws ParameterException if {@code --authority} is missing, or only half the credentials
   */
  AuthorityClient publicOrAuthenticated(CommandSpec spec) {
    requireUrl(spec);
    if (clientId == null && secretFile == null) {
      return AuthorityClient.anonymous(url);
    }
    return authenticated(spec);
  }

  private void requireUrl(CommandSpec spec) {
    if (url == null) {
      throw new ParameterException(
          spec.commandLine(),
          "give the authority's address with --authority URL (e.g. http://127.0.0.1:7700)");
    }
  }

  /**
   * Reads a client secret. Like ssh with private keys, refuses a file that group or others may read
   * or write.
   *
   * @throws BadInputException if the file is missing, too open, empty or too large
   */
  static String readSecret(Path file) {
    if (Files.isDirectory(file)) {
      throw new BadInputException("--secret-file " + file + " is a directory; name the file");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_SECRET_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new BadInputException(
          "--secret-file "
              + file
              + " does not exist; save the client's secret (printed once by 'mandate serve' for"
              + " the admin, or returned by POST /v1/clients) in a file only you can read");
    } catch (AccessDeniedException e) {
      throw new BadInputException("--secret-file " + file + " cannot be read: permission denied");
    } catch (IOException e) {
      throw new BadInputException("--secret-file " + file + " cannot be read: " + e);
    }
    try {
      if (bytes.length > MAX_SECRET_FILE_BYTES) {
        throw new BadInputException(
            "--secret-file " + file + " is larger than a client secret can be; name the file");
      }
      requirePrivate(file);
      String secret = new String(bytes, StandardCharsets.UTF_8).strip();
      if (secret.isEmpty() || secret.contains("\n")) {
        throw new BadInputException(
            "--secret-file " + file + " must hold the client secret alone, on one line");
      }
      return secret;
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  private static void requirePrivate(Path file) {
    try {
      PosixFileAttributeView view =
          Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      if (view == null) {
        return; // Not a POSIX file system: nothing to check.
      }
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.stream().anyMatch(GROUP_OR_OTHER::contains)) {
        throw new BadInputException(
            "--secret-file "
                + file
                + " is readable or writable by other users (mode "
                + PosixFilePermissions.toString(perms)
                + "); run 'chmod 600 "
                + file
                + "' and consider rotating the secret");
      }
    } catch (IOException e) {
      throw new BadInputException("--secret-file " + file + " cannot be checked: " + e);
    }
  }
}
