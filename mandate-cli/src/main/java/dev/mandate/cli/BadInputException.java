package dev.mandate.cli;

/**
 * Input a user can fix: a missing file, a malformed key or token, a bad option value. The message
 * is printed as one line after {@code mandate: } and should say how to fix it. No stack trace is
 * captured because none is ever shown.
 */
final class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BadInputException(String message) {
    super(message, null, false, false);
  }
}
