package dev.mandate.cli;

import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.store.JdbcUrls;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The authority's database: {@code --db JDBC-URL} and, for PostgreSQL, {@code --db-password-file
 * FILE} (or {@value #ENV_PASSWORD_FILE}). A password inside the URL is refused: the URL is on the
 * command line, where every user of the machine can read it.
 */
final class DatabaseOptions {
  static final String ENV_PASSWORD_FILE = "MANDATE_DB_PASSWORD_FILE";

  @Option(
      names = "--db",
      paramLabel = "JDBC-URL",
      description =
          "The database: jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB?user=NAME, with no"
              + " password in it (see --db-password-file). For serve, the default is SQLite in"
              + " DATA/mandate.db.")
  String url;

  @Option(
      names = "--db-password-file",
      paramLabel = "FILE",
      description =
          "A file (mode 0600) holding the PostgreSQL password. Default:"
              + " $MANDATE_DB_PASSWORD_FILE.")
  Path passwordFile;

  /**
   * The URL, checked to hold no password.
   *
   * @return the URL, or null when none was given
   * @throws BadInputException if it holds a password
   */
  String url() {
    if (url != null && !JdbcUrls.redact(url).equals(url)) {
      throw new BadInputException(
          "--db "
              + JdbcUrls.redact(url)
              + " holds a password, which anyone on this machine can read in the process list;"
              + " remove it from the URL, put it in a file only you can read, and name that file"
              + " with --db-password-file or "
              + ENV_PASSWORD_FILE);
    }
    return url;
  }

  /**
   * The password from {@code --db-password-file} or {@value #ENV_PASSWORD_FILE}, or null if neither
   * is given.
   *
   * @throws BadInputException if the file is unusable, or a password is given for SQLite
   */
  char[] password(CommandSpec spec) {
    String option = "--db-password-file";
    Path file = passwordFile;
    if (file == null) {
      String fromEnv = Mandate.terminalOf(spec).env(ENV_PASSWORD_FILE);
      if (fromEnv == null) {
        return null;
      }
      file = Path.of(fromEnv);
      option = ENV_PASSWORD_FILE;
    }
    String db = url();
    if (db == null || !db.startsWith("jdbc:postgresql:")) {
      throw new BadInputException(
          option + " is for a PostgreSQL database (--db jdbc:postgresql://...); SQLite has none");
    }
    return SecretFiles.read(file, option, "; write the database password there (mode 0600)")
        .toCharArray();
  }

  /** Sets the database URL and password given, if any, on the authority's configuration. */
  void apply(CommandSpec spec, AuthorityConfig.Builder b) {
    String db = url();
    if (db != null) {
      b.jdbcUrl(db);
    }
    char[] password = password(spec);
    if (password != null) {
      b.databasePassword(password);
      Arrays.fill(password, '\0');
    }
  }
}
