package dev.mandate.cli;

import java.io.Console;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * What a command may touch besides the files it is told about: standard streams, the clock,
 * randomness, the environment and whether a person is at a terminal. Tests pass their own; {@link
 * #system()} is the real process.
 *
 * @param stdin where tokens are read from
 * @param out where results go
 * @param err where diagnostics go
 * @param clock the time used for minting, expiry checks and proofs
 * @param random the randomness used for keys, token ids and proof nonces
 * @param environment the environment variables ({@code MANDATE_AUTHORITY} and the like)
 * @param interactive whether stdin and stdout are a terminal, so a one-time secret may be shown
 *     there; when false, secrets go only to files the user names
 */
public record Terminal(
    InputStream stdin,
    PrintWriter out,
    PrintWriter err,
    Clock clock,
    SecureRandom random,
    Map<String, String> environment,
    boolean interactive) {

  /** Requires every part; copies the environment. */
  public Terminal {
    Objects.requireNonNull(stdin, "stdin");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(random, "random");
    environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
  }

  /** A terminal without environment variables that is not interactive (a pipe or a file). */
  public Terminal(
      InputStream stdin, PrintWriter out, PrintWriter err, Clock clock, SecureRandom random) {
    this(stdin, out, err, clock, random, Map.of(), false);
  }

  /**
   * The process's streams (UTF-8), the system UTC clock, a new {@link SecureRandom}, the process's
   * environment, and interactive when {@link System#console()} is a terminal.
   */
  public static Terminal system() {
    return new Terminal(
        System.in,
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true),
        Clock.systemUTC(),
        new SecureRandom(),
        System.getenv(),
        isTerminal(System.console()));
  }

  /** The value of an environment variable, or null when it is unset or blank. */
  String env(String name) {
    String value = environment.get(name);
    return value == null || value.isBlank() ? null : value.strip();
  }

  /**
   * Up to Java 21 a console exists only when stdin and stdout are a terminal; from Java 22 one may
   * exist for redirected streams too, and {@code Console.isTerminal()} tells them apart.
   */
  static boolean isTerminal(Console console) {
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
