package dev.mandate.cli;

import dev.mandate.crypto.SigningKey;
import java.nio.file.Path;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code mandate keygen}: writes a new Ed25519 key pair. */
@Command(
    name = "keygen",
    mixinStandardHelpOptions = true,
    description = {
      "Generate an Ed25519 key pair: DIR/NAME.key (private, mode 0600) and DIR/NAME.pub.",
      "Prints the key id. Use the default name for an authority root key and --name for",
      "holder keys (e.g. --name agent)."
    })
final class KeygenCommand extends CliCommand {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory to write the key files to (created if missing).")
  Path out;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      defaultValue = "authority",
      description = "Base name of the key files (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(
      names = "--force",
      description = "Replace existing key files (the old private key is lost).")
  boolean force;

  @Override
  public Integer call() {
    if (!NAME.matcher(name).matches()) {
      throw new ParameterException(
          spec.commandLine(),
          "--name '"
              + Printable.escape(name)
              + "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    Terminal t = terminal();
    SigningKey key = SigningKey.generate(t.random());
    Path[] files = KeyFiles.writeKeyPair(out, name, key, force);
    t.out().println(key.verifyingKey().keyId());
    t.err().println("Wrote " + files[0] + " (private, mode 0600) and " + files[1]);
    return Mandate.OK;
  }
}
