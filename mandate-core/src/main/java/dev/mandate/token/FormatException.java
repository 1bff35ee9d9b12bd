package dev.mandate.token;

/** A structural problem in token bytes; never escapes the verifier. */
final class FormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final Decision.Code code;

  FormatException(String message) {
    this(Decision.Code.MALFORMED, message);
  }

  FormatException(Decision.Code code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  Decision.Code code() {
    return code;
  }
}
