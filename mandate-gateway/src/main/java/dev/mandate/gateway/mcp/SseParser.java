package dev.mandate.gateway.mcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Splits a {@code text/event-stream} body, fed in chunks as it arrives, into the data of its
 * events: the {@code data:} lines of an event, joined with newlines, are handed over when the blank
 * line that ends the event arrives. {@code event:}, {@code id:}, {@code retry:} and comments carry
 * nothing the gateway needs and are skipped. Lines end with LF, CR or CRLF; splitting bytes is safe
 * for UTF-8, where neither byte occurs inside a character. Not thread-safe: one per stream. Public
 * for {@code mandate proxy}, which reads the gateway's streams the same way.
 */
public final class SseParser {
  private static final byte[] DATA = {'d', 'a', 't', 'a', ':'};

  private final long maxEventBytes;
  private final long maxLineBytes;
  private final Consumer<byte[]> onEvent;
  private byte[] line = new byte[128];
  private int lineLength;
  private byte[] data = new byte[256];
  private int dataLength;
  private boolean hasData;
  private boolean afterCr;

  /**
   * @param maxEventBytes the largest event (its data) and the longest line accepted
   * @param onEvent receives each event's data
   */
  public SseParser(long maxEventBytes, Consumer<byte[]> onEvent) {
    this.maxEventBytes = maxEventBytes;
    // Room for "data: " before the largest event that fits on one line.
    this.maxLineBytes = Math.min(Integer.MAX_VALUE - 8, maxEventBytes + DATA.length + 1);
    this.onEvent = onEvent;
  }

  /**
   * Consumes the chunk, handing over every event it completes.
   *
   * @throws IOException if a line or an event is larger than the bound
   */
  public void feed(ByteBuffer chunk) throws IOException {
    while (chunk.hasRemaining()) {
      byte b = chunk.get();
      if (b == '\n' && afterCr) {
        afterCr = false;
        continue;
      }
      afterCr = b == '\r';
      if (b == '\n' || b == '\r') {
        endLine();
      } else {
        if (lineLength >= maxLineBytes) {
          throw new IOException("a line is longer than " + maxEventBytes + " bytes of data");
        }
        if (lineLength == line.length) {
          line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, (long) lineLength * 2));
        }
        line[lineLength++] = b;
      }
    }
  }

  private void endLine() throws IOException {
    if (lineLength == 0) {
      if (dataLength > 0) {
        onEvent.accept(Arrays.copyOf(data, dataLength));
      }
      dataLength = 0;
      hasData = false;
      return;
    }
    if (startsWithData()) {
      int from = DATA.length;
      if (from < lineLength && line[from] == ' ') {
        from++;
      }
      int n = lineLength - from;
      int needed = dataLength + (hasData ? 1 : 0) + n;
      if (needed > maxEventBytes) {
        throw new IOException("an event is larger than " + maxEventBytes + " bytes");
      }
      if (needed > data.length) {
        data = Arrays.copyOf(data, Math.max(needed, data.length * 2));
      }
      if (hasData) {
        data[dataLength++] = '\n';
      }
      System.arraycopy(line, from, data, dataLength, n);
      dataLength += n;
      hasData = true;
    }
    lineLength = 0;
  }

  private boolean startsWithData() {
    if (lineLength < DATA.length) {
      return false;
    }
    for (int i = 0; i < DATA.length; i++) {
      if (line[i] != DATA[i]) {
        return false;
      }
    }
    return true;
  }
}
