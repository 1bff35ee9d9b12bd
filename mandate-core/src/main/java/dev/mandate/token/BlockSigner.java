package dev.mandate.token;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;

/**
 * A block about to be signed: its restrictions ({@link BlockSpec}) and the clock and randomness it
 * is signed with. {@link Capability.Minter} signs an authority block, {@link Capability.Attenuator}
 * an attenuation block.
 *
 * @param <B> the concrete builder, for chaining
 */
public abstract sealed class BlockSigner<B extends BlockSigner<B>> extends BlockSpec<B>
    permits Capability.Minter, Capability.Attenuator {
  Clock clock = Clock.systemUTC();
  private SecureRandom random;

  BlockSigner() {}

  /** Uses this clock for the ttl and, when minting, the issue time (default: system UTC). */
  public B clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /**
   * Uses this randomness for the chain key and, when minting, the token id (default: a new
   * SecureRandom).
   */
  public B random(SecureRandom random) {
    this.random = Objects.requireNonNull(random, "random");
    return self();
  }

  /** The randomness given, or a new SecureRandom. */
  SecureRandom randomness() {
    return random != null ? random : new SecureRandom();
  }
}
