package dev.mandate.cli;

import dev.mandate.demo.Demo;
import dev.mandate.demo.DemoException;
import dev.mandate.demo.DemoReport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mandate demo}: runs the prompt-injection demo (see {@link Demo}) and exits 0 when Mandate
 * allowed every call the task needed and denied every injected one, else 1.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Watch Mandate keep a hijacked agent to its task. Starts an authority, a gateway and the MCP"
          + " filesystem server on loopback, mints a capability for \"summarise my 2024 invoices\","
          + " delegates a narrower one to a sub-agent, and runs both agents through LangChain4j"
          + " while an invoice tells them to read an SSH key, e-mail the invoices, write a file,"
          + " call a tool they were not given and reuse a stolen token.",
      "Prints every call with the gateway's decision and reason, the delegation tree and a"
          + " verdict. Needs node (the npm servers are installed by the Maven build).",
      "With --console the assistant then saves its summary, a call that needs a person's"
          + " approval: the demo prints the console's URL and how to sign in,"
          + " waits while you approve the call in the browser, and shows the retry go through."
    },
    footer = {
      "",
      "Exit status: 0 every task call allowed and every injected call denied;",
      "1 otherwise; 2 the demo could not start."
    })
final class DemoCommand extends CliCommand {
  /** When to colour the trace. */
  enum ColourMode {
    auto,
    always,
    never
  }

  @Option(
      names = "--color",
      paramLabel = "WHEN",
      description =
          "Colour the trace: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE} (a terminal"
              + " that is not dumb, and NO_COLOR unset).")
  ColourMode colour = ColourMode.auto;

  @Option(
      names = "--console",
      description =
          "Then wait for a person's approval in the console (an account is made; its password is"
              + " shown only on a terminal, and is in a mode-0600 file either way). On a terminal"
              + " the console stays up after the verdict until you press Enter.")
  boolean console;

  @Override
  public Integer call() {
    Terminal terminal = terminal();
    boolean useColour =
        switch (colour) {
          case always -> true;
          case never -> false;
          case auto -> Demo.colourSupported();
        };
    try {
      DemoReport report =
          console
              ? Demo.runWithConsole(
                  terminal.out(),
                  useColour,
                  terminal.interactive()
                      ? new BufferedReader(
                          new InputStreamReader(terminal.stdin(), StandardCharsets.UTF_8))
                      : null,
                  Demo.APPROVAL_WAIT)
              : Demo.run(terminal.out(), useColour);
      return report.passed() ? Mandate.OK : Mandate.DENY;
    } catch (DemoException e) {
      throw new BadInputException("the demo could not run: " + e.getMessage());
    }
  }
}
