package dev.mandate.gateway;

import java.util.Objects;

/**
 * A credential from the gateway's configuration (an upstream API key, the authority client secret,
 * a Redis URL with a password). {@link #toString()} never prints it; the only way to the value is
 * {@link #revealForUse()}, so every use is easy to find.
 */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  /**
   * Wraps a secret value.
   *
   * @throws NullPointerException if value is null
   */
  public static Secret of(String value) {
    return new Secret(Objects.requireNonNull(value, "value"));
  }

  /** Returns the secret itself, for sending it where it belongs. Never log the result. */
  public String revealForUse() {
    return value;
  }

  @Override
  public String toString() {
    return "<redacted>";
  }
}
