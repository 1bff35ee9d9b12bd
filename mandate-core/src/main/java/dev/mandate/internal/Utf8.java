package dev.mandate.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding, for tokens, request bodies and configuration files: malformed or
 * unmappable input is refused, never replaced with U+FFFD.
 */
public final class Utf8 {
  private Utf8() {}

  /** The bytes as strict UTF-8 text, or null if they are not valid UTF-8. */
  public static String strict(byte[] bytes) {
    return strict(bytes, 0, bytes.length);
  }

  /** {@code length} bytes from {@code offset} as strict UTF-8 text, or null if not valid UTF-8. */
  public static String strict(byte[] bytes, int offset, int length) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, offset, length))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
