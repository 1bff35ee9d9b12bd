package dev.mandate.gateway;

/**
 * The gateway configuration is invalid or unreadable. The message names the file, the line and
 * column where known, the key, and what is allowed; it never contains a secret value.
 */
public class GatewayConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * For front ends validating their own section of the configuration, so that {@code mandate
   * gateway} reports their errors like the core's.
   *
   * @param message the key and what is allowed, without secret values
   */
  public GatewayConfigException(String message) {
    super(message);
  }

  /**
   * Like {@link #GatewayConfigException(String)}, keeping the underlying failure.
   *
   * @param message the key and what is allowed, without secret values
   * @param cause what failed underneath, or null
   */
  public GatewayConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
