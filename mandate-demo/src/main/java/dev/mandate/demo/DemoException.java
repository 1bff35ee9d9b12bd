package dev.mandate.demo;

/**
 * Thrown when the demo cannot run at all (a server does not start, the npm servers are not
 * installed). The message says what failed and how to fix it; it never contains token text or
 * secrets.
 */
public final class DemoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  DemoException(String message) {
    super(message);
  }

  DemoException(String message, Throwable cause) {
    super(message, cause);
  }
}
