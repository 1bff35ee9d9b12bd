package dev.mandate.token;

import dev.mandate.internal.Utf8;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the canonical binary primitives of the spec. Every read is bounds-checked; a violation
 * throws {@link FormatException}, which the verifier turns into a deny.
 */
final class ByteReader {
  private final byte[] data;
  private int pos;
  private final int end;

  ByteReader(byte[] data, int offset, int length) {
    this.data = data;
    this.pos = offset;
    this.end = offset + length;
  }

  int position() {
    return pos;
  }

  int remaining() {
    return end - pos;
  }

  private void need(int n, String what) {
    if (n < 0 || end - pos < n) {
      throw new FormatException("token is truncated: " + what + " runs past the end");
    }
  }

  int u8(String what) {
    need(1, what);
    return data[pos++] & 0xFF;
  }

  /** Returns the next byte without consuming it. */
  int peekU8(String what) {
    need(1, what);
    return data[pos] & 0xFF;
  }

  int u16(String what) {
    need(2, what);
    int v = ((data[pos] & 0xFF) << 8) | (data[pos + 1] & 0xFF);
    pos += 2;
    return v;
  }

  long u32(String what) {
    return bigEndian(4, what);
  }

  long i64(String what) {
    return bigEndian(8, what);
  }

  private long bigEndian(int bytes, String what) {
    need(bytes, what);
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v = (v << 8) | (data[pos++] & 0xFF);
    }
    return v;
  }

  /** Reads an i64 of Unix seconds; the spec admits 0 to 253402300799 (year 9999). */
  java.time.Instant epochSeconds(String what) {
    long v = i64(what);
    if (v < 0 || v > 253_402_300_799L) {
      throw new FormatException(what + " is outside 1970-01-01 to 9999-12-31");
    }
    return java.time.Instant.ofEpochSecond(v);
  }

  byte[] raw(int n, String what) {
    need(n, what);
    byte[] out = new byte[n];
    System.arraycopy(data, pos, out, 0, n);
    pos += n;
    return out;
  }

  String str(String what) {
    int n = u16(what + " length");
    need(n, what);
    String s = Utf8.strict(data, pos, n);
    if (s == null) {
      throw new FormatException(what + " is not valid UTF-8");
    }
    pos += n;
    return s;
  }

  List<String> strings(String what, int max) {
    int n = u16(what + " count");
    if (n > max) {
      throw new FormatException(what + ": " + n + " entries exceed the limit of " + max);
    }
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(str(what));
    }
    return out;
  }

  /** Returns a reader over the next u16-length-prefixed region and skips past it. */
  ByteReader region(String what) {
    int n = u16(what + " length");
    need(n, what);
    ByteReader r = new ByteReader(data, pos, n);
    pos += n;
    return r;
  }

  void expectEnd(String what) {
    if (pos != end) {
      throw new FormatException(what + " has " + (end - pos) + " unexpected trailing bytes");
    }
  }
}
