package dev.mandate.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Where a secret that is shown once goes: to the 0600 file the user named, else to a terminal a
 * person is looking at, and never to a pipe or a file the user did not ask for (a log, a CI
 * transcript).
 */
final class OneTimeSecret {
  private OneTimeSecret() {}

  /**
   * Checks, before a secret is made, that it will have somewhere to go.
   *
   * @param file the file named by {@code option}, or null
   * @throws ParameterException if there is no file and stdout is not a terminal
   * @throws BadInputException if the file cannot be written
   */
  static void checkDestination(
      CommandSpec spec, Terminal terminal, Path file, String option, boolean replace) {
    if (file != null) {
      SecretFiles.checkWritable(file, option, replace);
    } else if (!terminal.interactive()) {
      throw new ParameterException(
          spec.commandLine(),
          "stdout is not a terminal, so the secret would end up in a pipe or a file: give "
              + option
              + " FILE to have it written to a file only you can read (mode 0600)");
    }
  }

  /**
   * Writes the secret to {@code file}, or prints it as {@code label secret} when there is none
   * (only after {@link #checkDestination} passed).
   */
  static void deliver(
      Terminal terminal, Path file, String option, boolean replace, String label, String secret) {
    if (file != null) {
      SecretFiles.write(file, secret, option, replace);
      terminal.err().println("wrote " + label + " to " + file + " (mode 0600)");
    } else {
      terminal.out().println(label + "  " + secret);
    }
  }
}
