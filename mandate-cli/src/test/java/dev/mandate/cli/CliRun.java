package dev.mandate.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@code mandate} in-process with captured streams and a clock the test controls. */
final class CliRun {
  static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  private Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private Map<String, String> environment = Map.of();
  private boolean interactive;

  /** What a run printed and returned. */
  record Result(int exit, String out, String err) {
    /** The single token (or other value) printed on stdout. */
    String value() {
      return out.strip();
    }
  }

  /** Moves the clock of later runs. */
  CliRun at(Instant instant) {
    clock = Clock.fixed(instant, ZoneOffset.UTC);
    return this;
  }

  CliRun after(Duration elapsed) {
    return at(clock.instant().plus(elapsed));
  }

  Result pipe(String stdin, String... args) {
    return pipe(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), args);
  }

  /** Sets the environment variables of later runs. */
  CliRun env(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
    return this;
  }

  /** Makes later runs see stdout as a terminal a person looks at (or not). */
  CliRun interactive(boolean interactive) {
    this.interactive = interactive;
    return this;
  }

  Result pipe(InputStream stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Terminal terminal =
        new Terminal(
            stdin,
            new PrintWriter(out),
            new PrintWriter(err),
            clock,
            new SecureRandom(),
            environment,
            interactive);
    int exit = Mandate.run(terminal, args);
    return new Result(exit, out.toString(), err.toString());
  }

  Result run(String... args) {
    return pipe("", args);
  }

  /**
   * A command line on the system clock whose subcommands a test can adjust before running, for
   * long-running commands ({@code serve}, {@code gateway}) whose {@code lifetime} the test
   * replaces.
   */
  static final class Live {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final Terminal terminal;
    private final CommandLine commandLine;

    /** Not a terminal (a pipe), no environment variables. */
    Live() {
      this(false, Map.of());
    }

    /**
     * @param interactive whether stdout is to be taken for a terminal a person looks at
     * @param environment the environment variables the command sees
     */
    Live(boolean interactive, Map<String, String> environment) {
      terminal =
          new Terminal(
              new ByteArrayInputStream(new byte[0]),
              new PrintWriter(out),
              new PrintWriter(err),
              Clock.systemUTC(),
              new SecureRandom(),
              environment,
              interactive);
      commandLine = Mandate.commandLine(terminal);
    }

    /** The object behind subcommand {@code name}. */
    <T> T command(String name) {
      return commandLine.getSubcommands().get(name).getCommand();
    }

    /** What the terminal has printed so far. */
    String out() {
      terminal.out().flush();
      return out.toString();
    }

    Result execute(String... args) {
      int exit = commandLine.execute(args);
      terminal.out().flush();
      terminal.err().flush();
      return new Result(exit, out.toString(), err.toString());
    }
  }

  /** A terminal whose output goes nowhere, for looking at the command model. */
  static Terminal quietTerminal() {
    return new Terminal(
        new ByteArrayInputStream(new byte[0]),
        new PrintWriter(new StringWriter()),
        new PrintWriter(new StringWriter()),
        Clock.fixed(NOW, ZoneOffset.UTC),
        new SecureRandom());
  }

  /** Writes an authority key pair into {@code dir} and returns the directory. */
  Path keygen(Path dir, String name) {
    Result r = run("keygen", "--out", dir.toString(), "--name", name);
    if (r.exit() != 0) {
      throw new AssertionError("keygen failed: " + r.err());
    }
    return dir;
  }

  /** A request JSON for {@code fs:read_text_file} on {@code path}, with args.path = path. */
  static String readFile(String path) {
    return "{\"service\":\"fs\",\"action\":\"read_text_file\",\"resource\":\""
        + path
        + "\",\"args\":{\"path\":\""
        + path
        + "\"}}";
  }
}
