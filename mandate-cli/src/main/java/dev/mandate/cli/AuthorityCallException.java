package dev.mandate.cli;

import java.util.Optional;

/**
 * A call to the authority that did not succeed: it could not be reached, or it answered with an
 * error. The message is one line that says what happened and, where possible, what to do; the
 * authority's own error code is kept so a command can treat a refusal (such as a policy denial)
 * differently from a failure.
 */
final class AuthorityCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final String authorityMessage;

  private AuthorityCallException(String message, int status, String code, String authorityMessage) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.authorityMessage = authorityMessage;
  }

  /** The authority could not be reached, or did not answer in time. */
  static AuthorityCallException unreachable(String message) {
    return new AuthorityCallException(message, 0, null, null);
  }

  /** The authority answered {@code status} with an error body {@code {error, message}}. */
  static AuthorityCallException answered(
      String message, int status, String code, String authorityMessage) {
    return new AuthorityCallException(message, status, code, authorityMessage);
  }

  /** The HTTP status, or 0 when there was no answer. */
  int status() {
    return status;
  }

  /** The authority's error code (e.g. {@code policy_denied}), if it sent one. */
  Optional<String> code() {
    return Optional.ofNullable(code);
  }

  /** The authority's own explanation, if it sent one. */
  Optional<String> authorityMessage() {
    return Optional.ofNullable(authorityMessage);
  }

  /**
   * Reports this answer as a refusal ({@code what}: the authority's explanation) on the terminal's
   * error stream, and returns the exit status of a refusal, {@link Mandate#DENY}.
   */
  int refusal(Terminal t, String what) {
    t.err().println("mandate: " + Mandate.oneLine(what + ": " + authorityMessage().orElse("")));
    return Mandate.DENY;
  }
}
