package dev.mandate.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
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
