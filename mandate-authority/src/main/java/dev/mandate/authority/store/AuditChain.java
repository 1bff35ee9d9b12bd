package dev.mandate.authority.store;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The audit chain's hash.
 *
 * <p>Canonical encoding, hashed with SHA-256 and written as 64 lowercase hex digits:
 *
 * <pre>
 *   "mandate.audit.v1"                 domain tag, as a string field
 *   sequence                           int64, big-endian
 *   previousHash                       string field
 *   type, actor, tokenId, clientId     string fields
 *   at                                 int64 epoch milliseconds, big-endian
 *   detailJson                         string field
 * </pre>
 *
 * A string field is an int32 big-endian byte length followed by the UTF-8 bytes; {@code null} is
 * the length -1 with no bytes, so {@code null} and {@code ""} differ and no two field lists encode
 * alike. Every stored column is covered, so editing any of them (sequence included) changes the
 * hash.
 */
final class AuditChain {
  /** The previous hash of the first record. */
  static final String GENESIS = "0".repeat(64);

  private static final HexFormat HEX = HexFormat.of();

  private AuditChain() {}

  static String hash(
      long sequence,
      String previousHash,
      String type,
      String actor,
      String tokenId,
      String clientId,
      long atMillis,
      String detailJson) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    writeString(out, "mandate.audit.v1");
    writeLong(out, sequence);
    writeString(out, previousHash);
    writeString(out, type);
    writeString(out, actor);
    writeString(out, tokenId);
    writeString(out, clientId);
    writeLong(out, atMillis);
    writeString(out, detailJson);
    return HEX.formatHex(sha256().digest(out.toByteArray()));
  }

  private static void writeString(ByteArrayOutputStream out, String s) {
    if (s == null) {
      writeInt(out, -1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    writeInt(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.write(v >>> shift);
    }
  }

  private static void writeLong(ByteArrayOutputStream out, long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
