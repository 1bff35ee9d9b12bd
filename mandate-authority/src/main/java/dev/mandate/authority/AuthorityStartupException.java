package dev.mandate.authority;

/**
 * The authority cannot start: its data directory, master key, database or policy is missing,
 * unreadable or inconsistent. The message says what is wrong and what to do; it never contains a
 * secret.
 */
public final class AuthorityStartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with an actionable message. */
  public AuthorityStartupException(String message) {
    super(message);
  }

  /** Creates an exception with an actionable message and the underlying cause. */
  public AuthorityStartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
