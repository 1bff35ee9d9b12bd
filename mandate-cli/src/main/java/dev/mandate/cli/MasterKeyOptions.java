package dev.mandate.cli;

import dev.mandate.authority.MasterKeySource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Where the authority's master key is. In order: {@code --master-key-file}, {@code
 * --master-key-command}, {@value #ENV_FILE}, {@code MANDATE_MASTER_KEY} (the key itself), {@value
 * #ENV_COMMAND}; else {@code DATA/master.key} if it exists (a data directory made before the key
 * moved out); else {@code $XDG_CONFIG_HOME/mandate/master.key} or {@code
 * ~/.config/mandate/master.key}, so that a copy of the data directory does not carry its key.
 */
final class MasterKeyOptions {
  static final String ENV_FILE = "MANDATE_MASTER_KEY_FILE";
  static final String ENV_KEY = "MANDATE_MASTER_KEY";
  static final String ENV_COMMAND = "MANDATE_MASTER_KEY_COMMAND";

  /** How long a master key command may take (a KMS call over the network). */
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  @Option(
      names = "--master-key-file",
      paramLabel = "FILE",
      description =
          "The master key file (mode 0600; created on the first start). Default:"
              + " $MANDATE_MASTER_KEY_FILE, else ~/.config/mandate/master.key.")
  Path file;

  @Option(
      names = "--master-key-command",
      paramLabel = "COMMAND",
      description =
          "A shell command that prints the master key, e.g. one that unwraps it with a KMS."
              + " Default: $MANDATE_MASTER_KEY_COMMAND.")
  String command;

  /** The source, resolved as the class comment says. */
  MasterKeySource source(CommandSpec spec, Path dataDir) {
    Terminal t = Mandate.terminalOf(spec);
    if (file != null && command != null) {
      throw new ParameterException(
          spec.commandLine(), "give either --master-key-file or --master-key-command, not both");
    }
    if (file != null) {
      return MasterKeySource.file(file);
    }
    if (command != null) {
      return command(command);
    }
    if (t.env(ENV_FILE) != null) {
      return MasterKeySource.file(Path.of(t.env(ENV_FILE)));
    }
    if (t.env(ENV_KEY) != null) {
      return MasterKeySource.environment(ENV_KEY, t.environment());
    }
    if (t.env(ENV_COMMAND) != null) {
      return command(t.env(ENV_COMMAND));
    }
    Path legacy = dataDir.resolve("master.key");
    if (Files.exists(legacy)) {
      return MasterKeySource.file(legacy);
    }
    Path home = configHome(t);
    return MasterKeySource.file(home == null ? legacy : home.resolve("mandate/master.key"));
  }

  /** Where the key goes when neither XDG_CONFIG_HOME nor HOME is set: next to the database. */
  static boolean nextToTheDatabase(MasterKeySource source, Path dataDir) {
    return source
        .describe()
        .endsWith(dataDir.toAbsolutePath().normalize().resolve("master.key").toString());
  }

  private static Path configHome(Terminal t) {
    if (t.env("XDG_CONFIG_HOME") != null) {
      return Path.of(t.env("XDG_CONFIG_HOME"));
    }
    return t.env("HOME") == null ? null : Path.of(t.env("HOME"), ".config");
  }

  private static MasterKeySource command(String line) {
    // Through the shell, so that the usual pipelines work: 'aws kms decrypt ... | base64 -d'.
    return MasterKeySource.command(List.of("/bin/sh", "-c", line), COMMAND_TIMEOUT);
  }
}
