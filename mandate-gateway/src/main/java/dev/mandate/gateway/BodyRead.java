package dev.mandate.gateway;

import dev.mandate.internal.Utf8;
import dev.mandate.token.Decision;
import java.io.IOException;
import java.io.InputStream;

/**
 * Stage 3 of the {@link Pipeline}: reads a request body whole, up to a limit, for the front ends
 * whose body carries the call (a JSON-RPC message, a JSON or form body whose fields are arguments).
 */
public final class BodyRead {
  private static final int CHUNK = 8192;

  private BodyRead() {}

  /**
   * Reads the body.
   *
   * @param in the body
   * @param declaredLength its {@code Content-Length}, or -1 if not declared
   * @param limit the most bytes accepted
   * @return the body's bytes (empty if there is none)
   * @throws Denial 413 (the rest left to drop) if the body is larger than the limit; 400 if it
   *     could not be read (the client went away, or sent more slowly than the server's minimum
   *     rate)
   */
  public static byte[] read(InputStream in, long declaredLength, long limit) {
    if (declaredLength > limit) {
      throw tooLarge(limit);
    }
    try {
      if (declaredLength >= 0) {
        // Declared and within the bound: read exactly that much.
        byte[] bytes = new byte[(int) declaredLength];
        if (in.readNBytes(bytes, 0, bytes.length) != bytes.length) {
          throw unreadable();
        }
        return bytes;
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[CHUNK];
      long total = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        total += n;
        if (total > limit) {
          throw tooLarge(limit);
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      // An ordinary refusal, not a gateway failure worth a stack trace per connection.
      throw unreadable();
    }
  }

  /** The denial of a body larger than {@code limit} bytes, its rest left to drop. */
  public static Denial tooLarge(long limit) {
    return Denial.protocol(
            413,
            "body_too_large",
            Denial.RPC_INVALID_REQUEST,
            Decision.Code.LIMIT_EXCEEDED,
            "the request body is larger than the gateway's limit of " + limit + " bytes")
        .body(Denial.Body.DISCARD);
  }

  private static Denial unreadable() {
    return Denial.protocol(
        400,
        "bad_request",
        Denial.RPC_PARSE_ERROR,
        Decision.Code.INVALID_REQUEST,
        "the request body could not be read");
  }

  /** The bytes as strict UTF-8 (malformed or unmappable input refused), or null. */
  public static String strictUtf8(byte[] bytes) {
    return Utf8.strict(bytes);
  }
}
