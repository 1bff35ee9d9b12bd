package dev.mandate.gateway.mcp;

/** The upstream cannot take a message now (it exited, is restarting, or is unreachable). */
final class UpstreamUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UpstreamUnavailableException(String message) {
    super(message);
  }

  UpstreamUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
