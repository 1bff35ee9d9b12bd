package dev.mandate.gateway;

/**
 * The gateway configuration is invalid or unreadable. The message names the file, the line and
 * column where known, the key, and what is allowed; it never contains a secret value.
 */
public final class GatewayConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  GatewayConfigException(String message) {
    super(message);
  }

  GatewayConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
