package dev.mandate.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads the token a command expects on standard input. */
final class Stdin {
  /** At most this much is read; a token is far smaller (the verifier's limit is 16 KiB). */
  static final int MAX_BYTES = 1 << 20;

  private Stdin() {}

  /**
   * Reads at most {@link #MAX_BYTES} + 1 bytes and strips surrounding whitespace. Oversized input
   * comes back oversized, so the token decoder or verifier refuses it with its own size message.
   *
   * @throws BadInputException if stdin cannot be read
   */
  static String readToken(InputStream in) {
    try {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      return new String(bytes, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new BadInputException("cannot read the token from stdin: " + e.getMessage());
    }
  }

  /**
   * As {@link #readToken} but refuses empty input with a hint.
   *
   * @throws BadInputException if stdin is empty or cannot be read
   */
  static String requireToken(InputStream in, String command) {
    String token = readToken(in);
    if (token.isEmpty()) {
      throw new BadInputException(
          "no token on stdin; pipe one in, e.g. 'mandate mint ... | mandate " + command + "'");
    }
    return token;
  }
}
