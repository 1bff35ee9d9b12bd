package dev.mandate.authority.store;

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
  private static final byte[] DOMAIN = "mandate.audit.v1".getBytes(StandardCharsets.UTF_8);

  /**
   * One digest per thread: {@code MessageDigest.getInstance} looks the provider up each time, and
   * the authority hashes every record it appends.
   */
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(AuditChain::newSha256);

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
    MessageDigest d = SHA256.get();
    d.reset();
    byte[] scratch = new byte[8];
    writeBytes(d, scratch, DOMAIN);
    writeLong(d, scratch, sequence);
    writeString(d, scratch, previousHash);
    writeString(d, scratch, type);
    writeString(d, scratch, actor);
    writeString(d, scratch, tokenId);
    writeString(d, scratch, clientId);
    writeLong(d, scratch, atMillis);
    writeString(d, scratch, detailJson);
    return HEX.formatHex(d.digest());
  }

  private static void writeString(MessageDigest d, byte[] scratch, String s) {
    if (s == null) {
      writeInt(d, scratch, -1);
      return;
    }
    writeBytes(d, scratch, s.getBytes(StandardCharsets.UTF_8));
  }

  /** A string field's encoding from its UTF-8 bytes: their length, then the bytes. */
  private static void writeBytes(MessageDigest d, byte[] scratch, byte[] bytes) {
    writeInt(d, scratch, bytes.length);
    d.update(bytes);
  }

  private static void writeInt(MessageDigest d, byte[] scratch, int v) {
    for (int i = 0; i < 4; i++) {
      scratch[i] = (byte) (v >>> (24 - 8 * i));
    }
    d.update(scratch, 0, 4);
  }

  private static void writeLong(MessageDigest d, byte[] scratch, long v) {
    for (int i = 0; i < 8; i++) {
      scratch[i] = (byte) (v >>> (56 - 8 * i));
    }
    d.update(scratch, 0, 8);
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
