package dev.mandate.gateway;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Replaces Mandate secrets that appear in upstream output, so a tool result cannot leak a
 * capability, a proof, an approval or a signing key into an agent's context: every {@code mnd1_},
 * {@code mndp2_} (or the retired {@code mndp1_}), {@code mnda1_} or {@code mndsk1_} followed by at
 * least one base64url character, and the characters that follow, becomes {@value #REPLACEMENT}.
 * Public keys ({@code mndpk1_}) are not secret and stay.
 *
 * <p>The streaming form keeps at most a prefix's worth of bytes back, so a token split across
 * writes (chunks) is still found and nothing is buffered beyond that.
 */
public final class TokenRedaction {
  /** What a redacted token is replaced with. */
  public static final String REPLACEMENT = "[REDACTED:mandate-token]";

  private static final byte[][] PREFIXES = {
    "mnd1_".getBytes(StandardCharsets.US_ASCII),
    "mndp2_".getBytes(StandardCharsets.US_ASCII),
    "mndp1_".getBytes(StandardCharsets.US_ASCII),
    "mnda1_".getBytes(StandardCharsets.US_ASCII),
    "mndsk1_".getBytes(StandardCharsets.US_ASCII)
  };
  private static final byte[] REPLACEMENT_BYTES = REPLACEMENT.getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_PREFIX = 7;

  private TokenRedaction() {}

  /** Returns {@code text} with every Mandate token replaced. */
  public static String redact(String text) {
    if (text == null || !text.contains("mnd")) {
      return text;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    try (OutputStream r = redacting(out)) {
      r.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("in-memory stream failed", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Wraps {@code out} so everything written through it is redacted. {@link OutputStream#flush()}
   * passes on everything except a possible partial prefix; {@link OutputStream#close()} writes that
   * too.
   */
  public static OutputStream redacting(OutputStream out) {
    return new Redactor(out, 8192);
  }

  /** As {@link #redacting(OutputStream)}, passing bytes on in pieces of at most {@code buffer}. */
  static OutputStream redacting(OutputStream out, int buffer) {
    return new Redactor(out, buffer);
  }

  static boolean tokenChar(int b) {
    return (b >= 'A' && b <= 'Z')
        || (b >= 'a' && b <= 'z')
        || (b >= '0' && b <= '9')
        || b == '_'
        || b == '-';
  }

  private static final class Redactor extends FilterOutputStream {
    /** Bytes that may be the start of a prefix. */
    private final byte[] held = new byte[MAX_PREFIX];

    private int heldLength;

    /** A whole prefix is held; the next byte decides whether it is a token. */
    private boolean prefixComplete;

    /** Inside a redacted token: drop token characters. */
    private boolean swallowing;

    private final byte[] buffer;
    private int buffered;

    Redactor(OutputStream out, int buffer) {
      super(out);
      this.buffer = new byte[buffer];
    }

    @Override
    public void write(int b) throws IOException {
      process((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      for (int i = off; i < off + len; i++) {
        // Fast path: bytes that cannot start or continue anything go straight to the buffer.
        byte c = b[i];
        if (heldLength == 0 && !swallowing && c != 'm') {
          emit(c);
        } else {
          process(c);
        }
      }
    }

    private void process(byte c) throws IOException {
      if (swallowing) {
        if (tokenChar(c)) {
          return;
        }
        swallowing = false;
      }
      if (prefixComplete) {
        prefixComplete = false;
        if (tokenChar(c)) {
          heldLength = 0;
          emit(REPLACEMENT_BYTES, REPLACEMENT_BYTES.length);
          swallowing = true;
          return;
        }
        emit(held, heldLength);
        heldLength = 0;
      }
      held[heldLength++] = c;
      // Release held bytes from the front until what remains could still begin a prefix.
      while (heldLength > 0) {
        int match = matchState();
        if (match == 2) {
          prefixComplete = true;
          return;
        }
        if (match == 1) {
          return;
        }
        emit(held[0]);
        System.arraycopy(held, 1, held, 0, heldLength - 1);
        heldLength--;
      }
    }

    /** 0: no prefix starts with the held bytes; 1: some prefix does; 2: they equal a prefix. */
    private int matchState() {
      int best = 0;
      for (byte[] p : PREFIXES) {
        if (heldLength > p.length) {
          continue;
        }
        boolean ok = true;
        for (int i = 0; i < heldLength; i++) {
          if (p[i] != held[i]) {
            ok = false;
            break;
          }
        }
        if (ok) {
          if (heldLength == p.length) {
            return 2;
          }
          best = 1;
        }
      }
      return best;
    }

    private void emit(byte b) throws IOException {
      if (buffered == buffer.length) {
        drain();
      }
      buffer[buffered++] = b;
    }

    private void emit(byte[] b, int len) throws IOException {
      for (int i = 0; i < len; i++) {
        emit(b[i]);
      }
    }

    private void drain() throws IOException {
      if (buffered > 0) {
        out.write(buffer, 0, buffered);
        buffered = 0;
      }
    }

    @Override
    public void flush() throws IOException {
      drain();
      out.flush();
    }

    @Override
    public void close() throws IOException {
      if (!swallowing) {
        emit(held, heldLength);
      }
      heldLength = 0;
      drain();
      out.close();
    }
  }
}
