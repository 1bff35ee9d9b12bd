package dev.mandate.authority;

/**
 * A request the authority refuses, with the HTTP status, a stable machine-readable code and a
 * sentence saying what is wrong. Sent as a {@link dev.mandate.wire.Problem} whose {@code code} is
 * the code and whose {@code detail} is the message.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;

  ApiException(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static ApiException badRequest(String code, String message) {
    return new ApiException(400, code, message);
  }

  static ApiException notFound(String message) {
    return new ApiException(404, "not_found", message);
  }

  static ApiException forbidden(String code, String message) {
    return new ApiException(403, code, message);
  }

  static ApiException conflict(String code, String message) {
    return new ApiException(409, code, message);
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }
}
