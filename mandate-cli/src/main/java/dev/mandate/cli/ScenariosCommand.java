package dev.mandate.cli;

import dev.mandate.demo.scenarios.ScenarioSuite;
import picocli.CommandLine.Command;

/**
 * {@code mandate scenarios}: runs the prompt-injection scenario suite (see {@link ScenarioSuite})
 * and prints utility, utility under attack and attack success rate per suite.
 */
@Command(
    name = "scenarios",
    mixinStandardHelpOptions = true,
    description = {
      "Run the prompt-injection scenario suite, modelled on AgentDojo: four suites (workspace,"
          + " banking, slack, travel) of user tasks and injection tasks, every pair run by a"
          + " scripted agent against a real authority, gateway and MCP servers on loopback.",
      "Prints per suite: user tasks, injection tasks, pairs, utility, utility under attack and"
          + " attack success rate; then every miss. Takes a few minutes; needs node (the npm"
          + " servers are installed by the Maven build)."
    },
    footer = {
      "",
      "Exit status: 0 utility 100%% and no injected call got through; 1 otherwise;",
      "2 the suite could not run."
    })
final class ScenariosCommand extends CliCommand {

  @Override
  public Integer call() {
    Terminal terminal = terminal();
    return ScenarioSuite.run(terminal.out(), terminal.err());
  }
}
