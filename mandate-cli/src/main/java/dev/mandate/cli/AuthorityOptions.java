package dev.mandate.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Where the authority is and who is calling it: {@code --authority URL --client ID --secret-file
 * FILE}, each of which may instead come from the environment ({@value #ENV_AUTHORITY}, {@value
 * #ENV_CLIENT}, {@value #ENV_SECRET_FILE}). The secret is read from a file, never from the command
 * line or the environment, so it shows up in no process listing or shell history.
 */
final class AuthorityOptions {
  static final String ENV_AUTHORITY = "MANDATE_AUTHORITY";
  static final String ENV_CLIENT = "MANDATE_CLIENT";
  static final String ENV_SECRET_FILE = "MANDATE_SECRET_FILE";

  /** A client secret is one short line; anything larger is not a secret file. */
  static final int MAX_SECRET_FILE_BYTES = SecretFiles.MAX_BYTES;

  @Option(
      names = "--authority",
      paramLabel = "URL",
      description =
          "The authority's base URL, e.g. http://127.0.0.1:7700 (see mandate serve)."
              + " Default: $MANDATE_AUTHORITY.")
  String url;

  @Option(
      names = "--client",
      paramLabel = "ID",
      description = "The client id to authenticate as (e.g. admin). Default: $MANDATE_CLIENT.")
  String clientId;

  @Option(
      names = "--secret-file",
      paramLabel = "FILE",
      description =
          "A file holding the client's secret (mode 0600), as written by 'mandate clients create'"
              + " or 'mandate serve --admin-secret-out'. Default: $MANDATE_SECRET_FILE.")
  Path secretFile;

  /** Whether any of the three options was given on the command line. */
  boolean given() {
    return url != null || clientId != null || secretFile != null;
  }

  /** Whether an authority is named, on the command line or by {@value #ENV_AUTHORITY}. */
  boolean available(CommandSpec spec) {
    return given() || environment(spec, ENV_AUTHORITY) != null;
  }

  /**
   * A client that authenticates with the given credentials.
   *
   * @throws ParameterException if an option is missing
   * @throws BadInputException if the URL or the secret file is unusable
   */
  AuthorityClient authenticated(CommandSpec spec) {
    Credentials c = credentials(spec);
    return AuthorityClient.authenticated(c.url(), c.clientId(), readSecret(c.secretFile()));
  }

  /**
   * A client for public endpoints: authenticated if credentials are given, anonymous otherwise.
   *
   * @throws ParameterException if no authority is named, or only half the credentials
   */
  AuthorityClient publicOrAuthenticated(CommandSpec spec) {
    String base = requireUrl(spec);
    if (clientId(spec) == null && secretFile(spec) == null) {
      return AuthorityClient.anonymous(base);
    }
    return authenticated(spec);
  }

  /** The authority, and a client's id and secret file, as a capability source needs them. */
  record Credentials(String url, String clientId, Path secretFile) {}

  /**
   * The authority's URL and the client's credentials, each required.
   *
   * @throws ParameterException if one is missing
   */
  Credentials credentials(CommandSpec spec) {
    String base = requireUrl(spec);
    String id = clientId(spec);
    Path file = secretFile(spec);
    if (id == null || file == null) {
      throw new ParameterException(
          spec.commandLine(),
          "this needs client credentials: give --client ID and --secret-file FILE (or set "
              + ENV_CLIENT
              + " and "
              + ENV_SECRET_FILE
              + ")");
    }
    return new Credentials(base, id, file);
  }

  /** The authority's URL from the option or the environment, or null. */
  String url(CommandSpec spec) {
    return url != null ? url : environment(spec, ENV_AUTHORITY);
  }

  private String clientId(CommandSpec spec) {
    return clientId != null ? clientId : environment(spec, ENV_CLIENT);
  }

  private Path secretFile(CommandSpec spec) {
    if (secretFile != null) {
      return secretFile;
    }
    String file = environment(spec, ENV_SECRET_FILE);
    return file == null ? null : Path.of(file);
  }

  private String requireUrl(CommandSpec spec) {
    String base = url(spec);
    if (base == null) {
      throw new ParameterException(
          spec.commandLine(),
          "give the authority's address with --authority URL (e.g. http://127.0.0.1:7700) or set "
              + ENV_AUTHORITY);
    }
    return base;
  }

  private static String environment(CommandSpec spec, String name) {
    return Mandate.terminalOf(spec).env(name);
  }

  /**
   * Reads a client secret. Like ssh with private keys, refuses a file that group or others may read
   * or write.
   *
   * @throws BadInputException if the file is missing, too open, empty or too large
   */
  static String readSecret(Path file) {
    return SecretFiles.read(
        file,
        "--secret-file",
        "; save the client's secret there with 'mandate clients create ID --secret-out FILE'"
            + " (for the admin: 'mandate serve --admin-secret-out FILE')");
  }
}
