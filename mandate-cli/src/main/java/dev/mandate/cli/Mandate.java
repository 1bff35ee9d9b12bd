package dev.mandate.cli;

import dev.mandate.token.InvalidTokenException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code mandate} command. Exit status: 0 success (or allow, for {@code check}), 1 deny (or a
 * policy denial, a failed policy check or test, a broken audit chain), 2 bad usage, bad input or a
 * failed call to the authority. Every failure is one line on stderr, {@code mandate: <what and how
 * to fix>}; no stack trace reaches the user.
 */
@Command(
    name = "mandate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = {
      "Capability tokens for AI agents: keygen, mint, attenuate, inspect, check;",
      "the authority: serve, clients, people, keys, revoke, approve, audit, policy, admin;",
      "and trust: keys export, bootstrap."
    },
    subcommands = {
      KeygenCommand.class,
      MintCommand.class,
      AttenuateCommand.class,
      InspectCommand.class,
      CheckCommand.class,
      ServeCommand.class,
      GatewayCommand.class,
      ProxyCommand.class,
      RevokeCommand.class,
      ApproveCommand.class,
      AuditCommand.class,
      PolicyCommand.class,
      KeysCommand.class,
      ClientsCommand.class,
      PeopleCommand.class,
      AdminCommand.class,
      BootstrapCommand.class,
      DemoCommand.class,
      ScenariosCommand.class,
      VersionCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit status: 0 success or allow; 1 deny (check, a policy denial, a failed",
      "policy check or test, a broken audit chain); 2 bad usage, unreadable input,",
      "or an authority that cannot be reached or refuses.",
      "",
      "Environment: MANDATE_AUTHORITY, MANDATE_CLIENT and MANDATE_SECRET_FILE stand",
      "in for --authority, --client and --secret-file. Secrets are read from files,",
      "and tokens from stdin, so they do not show up in process listings.",
      "MANDATE_LOG_FORMAT=json makes serve and gateway log one JSON object a line.",
      "",
      "Shell completion: source <(mandate completion)"
    })
public final class Mandate implements Callable<Integer> {
  /** Exit status for success, and for an allowed check. */
  public static final int OK = 0;

  /** Exit status for a denied check, a policy denial, a failed policy test or audit check. */
  public static final int DENY = 1;

  /** Exit status for bad usage or bad input. */
  public static final int USAGE = 2;

  /** The environment variable that picks the log format of serve and gateway: text or json. */
  static final String LOG_FORMAT = "MANDATE_LOG_FORMAT";

  private final Terminal terminal;

  @Spec CommandSpec spec;

  Mandate(Terminal terminal) {
    this.terminal = Objects.requireNonNull(terminal, "terminal");
  }

  /** Runs {@code mandate} in this process and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(Terminal.system(), args));
  }

  /**
   * Runs {@code mandate} with these arguments against this terminal.
   *
   * @return the exit status
   */
  public static int run(Terminal terminal, String... args) {
    String logFormat = terminal.environment().get(LOG_FORMAT);
    if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
      // The logging configuration picks its output by this name; any other leaves no log at all.
      report(terminal.err(), LOG_FORMAT + " must be text or json, got '" + logFormat + "'");
      terminal.err().flush();
      return USAGE;
    }
    CommandLine cli = commandLine(terminal);
    try {
      return cli.execute(args);
    } finally {
      terminal.out().flush();
      terminal.err().flush();
    }
  }

  static CommandLine commandLine(Terminal terminal) {
    CommandLine cli = new CommandLine(new Mandate(terminal));
    // 'mandate completion' prints a bash/zsh completion script for every command and option.
    CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
    completion.getCommandSpec().name("completion").usageMessage().hidden(false);
    cli.addSubcommand("completion", completion);
    cli.setOut(terminal.out());
    cli.setErr(terminal.err());
    // An argument such as --request @file is ours to interpret, not picocli's argument-file syntax.
    cli.setExpandAtFiles(false);
    cli.setParameterExceptionHandler(Mandate::onBadUsage);
    cli.setExecutionExceptionHandler(Mandate::onFailure);
    for (String name : new String[] {"mint", "attenuate"}) {
      var usage = cli.getSubcommands().get(name).getCommandSpec().usageMessage();
      String[] footer = usage.footer();
      String[] all = Arrays.copyOf(footer, footer.length + CaveatText.ARGUMENT_HELP.length);
      System.arraycopy(
          CaveatText.ARGUMENT_HELP, 0, all, footer.length, CaveatText.ARGUMENT_HELP.length);
      usage.footer(all);
    }
    return cli;
  }

  Terminal terminal() {
    return terminal;
  }

  /** The terminal of the {@code mandate} command that {@code spec} belongs to. */
  static Terminal terminalOf(CommandSpec spec) {
    return ((Mandate) spec.root().userObject()).terminal();
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "no command given");
  }

  private static int onBadUsage(ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    String help = "mandate " + helpHint(cli) + "--help";
    report(cli.getErr(), oneLine(e.getMessage()) + " (see '" + help + "')");
    return USAGE;
  }

  private static String helpHint(CommandLine cli) {
    String qualified = cli.getCommandSpec().qualifiedName(" ");
    return qualified.equals("mandate") ? "" : qualified.substring("mandate ".length()) + " ";
  }

  private static int onFailure(Exception e, CommandLine cli, ParseResult parsed) {
    PrintWriter err = cli.getErr();
    if (e instanceof BadInputException || e instanceof AuthorityCallException) {
      report(err, e.getMessage());
    } else if (e instanceof InvalidTokenException) {
      report(
          err,
          "the token on stdin is malformed: "
              + e.getMessage()
              + "; pass the token exactly as mandate mint or attenuate printed it");
    } else if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
      // The core library's builders validate their input and say what is wrong in the message.
      report(err, e.getMessage());
    } else if (e instanceof UncheckedIOException io) {
      report(err, "input/output error: " + Errors.describe(io.getCause()));
    } else if (e instanceof IOException io) {
      report(err, "input/output error: " + Errors.describe(io));
    } else {
      report(
          err,
          "internal error: "
              + (e.getMessage() == null ? "no detail" : e.getMessage())
              + " (please report it)");
    }
    return USAGE;
  }

  private static void report(PrintWriter err, String message) {
    err.println("mandate: " + oneLine(message));
    err.flush();
  }

  /**
   * Folds a message onto one line and escapes control characters, so input echoed back in an error
   * can neither forge extra lines nor drive the terminal.
   */
  static String oneLine(String message) {
    if (message == null || message.isBlank()) {
      return "failed (no detail available)";
    }
    return Printable.escape(message.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; "));
  }
}
