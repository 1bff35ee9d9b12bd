package dev.mandate.cli;

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;

/**
 * What a command may touch besides the files it is told about: standard streams, the clock and
 * randomness. Tests pass their own; {@link #system()} is the real process.
 *
 * @param stdin where tokens are read from
 * @param out where results go
 * @param err where diagnostics go
 * @param clock the time used for minting, expiry checks and proofs
 * @param random the randomness used for keys, token ids and proof nonces
 */
public record Terminal(
    InputStream stdin, PrintWriter out, PrintWriter err, Clock clock, SecureRandom random) {

  /** Requires every part. */
  public Terminal {
    Objects.requireNonNull(stdin, "stdin");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(random, "random");
  }

  /** The process's streams (UTF-8), the system UTC clock and a new {@link SecureRandom}. */
  public static Terminal system() {
    return new Terminal(
        System.in,
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true),
        Clock.systemUTC(),
        new SecureRandom());
  }
}
