package dev.mandate.token;

import dev.mandate.internal.JsonScalars;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Writes the canonical binary primitives of the spec (big-endian, length-prefixed). */
final class ByteWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
  private final boolean strictText;

  /** A writer whose {@link #str} replaces what UTF-8 cannot encode (proofs: refused earlier). */
  ByteWriter() {
    this(false);
  }

  /**
   * A writer for block content: with {@code strictText}, {@link #str} refuses text UTF-8 cannot
   * encode (an unpaired surrogate), which a decoder would refuse, rather than change it.
   */
  ByteWriter(boolean strictText) {
    this.strictText = strictText;
  }

  ByteWriter u8(int v) {
    if (v < 0 || v > 0xFF) {
      throw new IllegalArgumentException("value " + v + " does not fit in one byte");
    }
    out.write(v);
    return this;
  }

  ByteWriter u16(int v) {
    if (v < 0 || v > 0xFFFF) {
      throw new IllegalArgumentException("value " + v + " does not fit in two bytes");
    }
    out.write(v >>> 8);
    out.write(v);
    return this;
  }

  ByteWriter u32(long v) {
    if (v < 0 || v > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("value " + v + " does not fit in four bytes");
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
    return this;
  }

  ByteWriter i64(long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
    return this;
  }

  ByteWriter raw(byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    return this;
  }

  ByteWriter str(String s) {
    if (strictText) {
      requireEncodable(s);
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    u16(b.length);
    return raw(b);
  }

  ByteWriter strings(List<String> values) {
    u16(values.size());
    values.forEach(this::str);
    return this;
  }

  /** Writes a u16 length followed by the bytes. */
  ByteWriter lengthPrefixed(byte[] bytes) {
    u16(bytes.length);
    return raw(bytes);
  }

  int size() {
    return out.size();
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private static void requireEncodable(String s) {
    int i = JsonScalars.unpairedSurrogate(s);
    if (i >= 0) {
      char c = s.charAt(i);
      throw new IllegalArgumentException(
          "the text '"
              + (s.length() > 40 ? s.substring(0, 40) + "..." : s).replace(c, '?')
              + "' contains an unpaired surrogate (index "
              + i
              + "), which UTF-8 cannot encode");
    }
  }
}
