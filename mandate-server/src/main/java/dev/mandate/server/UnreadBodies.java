package dev.mandate.server;

import java.io.IOException;
import java.io.InputStream;

/**
 * What both servers do with an authenticated sender's request body they refuse unread (too large,
 * wrong type): read and drop a bounded amount, so a client still sending sees the error answer
 * rather than a reset connection, and closes the connection past that bound.
 */
public final class UnreadBodies {
  /** How much of a refused body is read and dropped before the connection is closed instead. */
  public static final long DISCARD_LIMIT = 8L << 20;

  private UnreadBodies() {}

  /**
   * Reads and drops what is left of {@code unread}, at most {@link #DISCARD_LIMIT} bytes. Returns
   * true if the body ended within that bound (the connection may be kept), false if it did not or
   * the client went away (close the connection after the answer).
   */
  public static boolean discard(InputStream unread) {
    try {
      return unread.skip(DISCARD_LIMIT) < DISCARD_LIMIT && unread.read() < 0;
    } catch (IOException e) {
      return false;
    }
  }
}
