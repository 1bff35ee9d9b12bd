package dev.mandate.authority.store;

/**
 * The authority store could not do what was asked: the database is unreachable, a migration failed,
 * or a state rule was broken (for example retiring the active signing key). The message says what
 * went wrong and, where possible, what to do about it; it never contains secrets.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with an actionable message. */
  public StoreException(String message) {
    super(message);
  }

  /** Creates an exception with an actionable message and the underlying cause. */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
