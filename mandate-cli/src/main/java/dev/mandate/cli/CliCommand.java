package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

  /** A command that lists what the authority keeps: one line each, or one JSON array. */
  abstract static class Listing extends CliCommand {
    @Mixin AuthorityOptions authority;

    @Option(names = "--json", description = "Print one JSON array.")
    boolean json;

    /** Prints {@code list}: one {@code line} per entry, or with --json an array of their views. */
    Integer print(JsonNode list, Function<JsonNode, String> line, UnaryOperator<JsonNode> view) {
      Terminal t = terminal();
      if (json) {
        ArrayNode out = JsonOut.object().arrayNode();
        list.forEach(e -> out.add(view.apply(e)));
        t.out().println(JsonOut.line(out));
      } else {
        list.forEach(e -> t.out().println(line.apply(e)));
      }
      return Mandate.OK;
    }
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
