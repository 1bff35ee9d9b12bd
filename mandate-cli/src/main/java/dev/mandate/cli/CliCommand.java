package dev.mandate.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every {@code mandate} command has: its picocli spec and the terminal of the {@code mandate}
 * run it belongs to.
 */
abstract class CliCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  Terminal terminal() {
    return Mandate.terminalOf(spec);
  }

  /**
   * Returns {@code value} if it matches {@code pattern}.
   *
   * @throws BadInputException that shows the value (escaped) and says it is not {@code what}
   */
  static String requireMatch(Pattern pattern, String value, String what) {
    if (!pattern.matcher(value).matches()) {
      throw new BadInputException("'" + Printable.escape(value) + "' is not " + what);
    }
    return value;
  }

  /** A command that only groups subcommands: run without one, it says which there are. */
  abstract static class Group extends CliCommand {
    @Override
    public Integer call() {
      List<String> names = new ArrayList<>(spec.subcommands().keySet());
      String last = names.remove(names.size() - 1);
      String list = names.isEmpty() ? last : String.join(", ", names) + " or " + last;
      throw new ParameterException(spec.commandLine(), "give a subcommand: " + list);
    }
  }
}
