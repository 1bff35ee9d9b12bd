package dev.mandate.gateway;

/** The gateway cannot start: its spool, port or a front end is unusable. The message says why. */
public final class GatewayStartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  GatewayStartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
