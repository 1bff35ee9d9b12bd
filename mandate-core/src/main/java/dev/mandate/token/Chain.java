package dev.mandate.token;

import dev.mandate.caveat.Caveat;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A structurally decoded token (spec section "Binary form"). Decoding checks structure and limits,
 * not signatures; see {@link ChainCheck}.
 */
final class Chain {
  static final String TEXT_PREFIX = "mnd1_";
  static final int VERSION = 1;
  static final int KIND_AUTHORITY = 0;
  static final int KIND_ATTENUATION = 1;
  static final int FLAG_HOLDER = 1;
  static final int FLAG_SEALED = 2;

  /** With HOLDER: the next key is the RFC 7638 SHA-256 JWK thumbprint of a DPoP key (spec 7.2). */
  static final int FLAG_JKT = 4;

  static final int TRAILER_NONE = 0;
  static final int TRAILER_SECRET = 1;
  static final int KEY_BYTES = 32;
  static final int SIGNATURE_BYTES = 64;
  static final int TOKEN_ID_BYTES = 16;
  static final int MAX_KEY_ID_BYTES = 64;
  static final int COMMITMENT_BYTES = 16;
  static final byte[] NO_COMMITMENT = new byte[COMMITMENT_BYTES];

  static final byte[] BLOCK_DOMAIN = "mandate/v1/block\0".getBytes(StandardCharsets.US_ASCII);
  static final byte[] TOKEN_DOMAIN = "mandate/v1/token\0".getBytes(StandardCharsets.US_ASCII);
  static final byte[] SECRET_DOMAIN = "mandate/v1/secret\0".getBytes(StandardCharsets.US_ASCII);

  /** One block as it sits in the chain. */
  record Link(
      Block block,
      byte[] message,
      byte[] signature,
      byte[] nextKey,
      byte[] secretCommitment,
      int flags,
      byte[] digest,
      List<Caveat> caveats) {
    boolean holderBound() {
      return (flags & FLAG_HOLDER) != 0;
    }

    boolean sealed() {
      return (flags & FLAG_SEALED) != 0;
    }

    /** True if the holder is a DPoP key named by its JWK thumbprint (spec 7.2). */
    boolean jktBound() {
      return (flags & FLAG_JKT) != 0;
    }
  }

  final byte[] binary;
  final List<Link> links;
  final int trailerKind;
  final byte[] secret;
  final String tokenId;
  final String rootKeyId;
  final List<String> revocationIds;
  final byte[] tokenDigest;

  private Chain(byte[] binary, List<Link> links, int trailerKind, byte[] secret) {
    this.binary = binary;
    this.links = List.copyOf(links);
    this.trailerKind = trailerKind;
    this.secret = secret;
    this.tokenId = links.get(0).block().tokenId();
    this.rootKeyId = links.get(0).block().rootKeyId();
    this.revocationIds = links.stream().map(l -> l.block().revocationId()).toList();
    this.tokenDigest = sha256(TOKEN_DOMAIN, binary);
  }

  Link last() {
    return links.get(links.size() - 1);
  }

  /**
   * The current holder's Ed25519 key, or null when the token is a bearer token or bound to a DPoP
   * key ({@link #holderJkt()}).
   */
  byte[] holderKey() {
    Link last = last();
    return last.holderBound() && !last.jktBound() ? last.nextKey() : null;
  }

  /**
   * Whether the current holder's Ed25519 key signed {@code message} (false for a bearer or
   * DPoP-bound chain). The first proof of a chain is verified by the key's bytes; from the second
   * on, the key is decoded and validated once, so a chain the verification cache holds checks each
   * further proof without decompressing the key's point again (about a tenth of a verification).
   * Full validation costs about as much as a verification, which a chain checked once (a cold
   * verifier) would pay for nothing. A key that fails full validation (not in the prime-order
   * subgroup) is verified by its bytes as before, so this accepts exactly the signatures {@link
   * dev.mandate.internal.crypto.Ed25519#verify(byte[], byte[], int, int, byte[])} does.
   */
  boolean signedByHolder(byte[] message, byte[] signature) {
    byte[] key = holderKey();
    if (key == null) {
      return false;
    }
    Object decoded = holderPoint;
    if (decoded == null) {
      holderPoint = USED_ONCE;
      decoded = UNDECODED;
    } else if (decoded == USED_ONCE) {
      var point = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(key, 0);
      decoded = point != null ? point : UNDECODED;
      holderPoint = decoded;
    }
    return decoded instanceof org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point
        ? dev.mandate.internal.crypto.Ed25519.verify(point, message, 0, message.length, signature)
        : dev.mandate.internal.crypto.Ed25519.verify(key, message, 0, message.length, signature);
  }

  /**
   * The holder key's point, validated, or {@link #UNDECODED}; null before the first proof, {@link
   * #USED_ONCE} after it.
   */
  private volatile Object holderPoint;

  /** One proof was checked by the key's bytes; the next decodes the key. */
  private static final Object USED_ONCE = new Object();

  /** A holder key that failed full validation: verified by its bytes. */
  private static final Object UNDECODED = new Object();

  /** Whether the holder key has been decoded (for tests). */
  boolean holderKeyDecoded() {
    return holderPoint instanceof org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint;
  }

  /** The JWK SHA-256 thumbprint of the current holder's DPoP key, or null if not DPoP-bound. */
  byte[] holderJkt() {
    Link last = last();
    return last.jktBound() ? last.nextKey() : null;
  }

  /** True if some holder, an Ed25519 key or a DPoP key, must prove every call. */
  boolean holderBound() {
    return last().holderBound();
  }

  /** The holder id of a DPoP-bound block: {@code jkt:} and the thumbprint in base64url. */
  static String jktKeyId(byte[] thumbprint) {
    return "jkt:" + Jkt.text(thumbprint);
  }

  String toText() {
    return TEXT_PREFIX + Base64Text.encode(binary);
  }

  // ---- decoding ----

  static Chain decodeText(String text, Limits limits) {
    if (text == null || text.isEmpty()) {
      throw new FormatException("no token was presented");
    }
    if (!text.startsWith(TEXT_PREFIX)) {
      throw new FormatException(
          "not a Mandate token: the text form starts with '" + TEXT_PREFIX + "'");
    }
    long maxChars = TEXT_PREFIX.length() + ((long) limits.maxTokenBytes() * 4 + 2) / 3;
    if (text.length() > maxChars) {
      throw new FormatException(
          Decision.Code.LIMIT_EXCEEDED,
          "token exceeds the size limit of " + limits.maxTokenBytes() + " bytes");
    }
    String body = text.substring(TEXT_PREFIX.length());
    byte[] binary = Base64Text.decodeOrNull(body);
    if (binary == null) {
      throw new FormatException("token is not valid URL-safe base64 after the prefix");
    }
    if (!Base64Text.isCanonical(binary, body)) {
      throw new FormatException(
          "token is not canonical URL-safe base64 (no padding, no stray bits)");
    }
    return decode(binary, limits);
  }

  static Chain decode(byte[] binary, Limits limits) {
    if (binary.length > limits.maxTokenBytes()) {
      throw new FormatException(
          Decision.Code.LIMIT_EXCEEDED,
          "token of " + binary.length + " bytes exceeds the limit of " + limits.maxTokenBytes());
    }
    ByteReader in = new ByteReader(binary, 0, binary.length);
    int version = in.u8("version");
    if (version != VERSION) {
      throw new FormatException(
          Decision.Code.UNSUPPORTED_VERSION,
          "token format version " + version + " is not supported (this verifier knows version 1)");
    }
    int count = in.u8("block count");
    if (count == 0) {
      throw new FormatException("token has no blocks");
    }
    if (count > limits.maxBlocks()) {
      throw new FormatException(
          Decision.Code.LIMIT_EXCEEDED,
          "token has " + count + " blocks, more than the limit of " + limits.maxBlocks());
    }
    List<Link> links = new ArrayList<>(count);
    byte[] previousDigest = new byte[32];
    for (int i = 0; i < count; i++) {
      int payloadStart = in.position() + 2;
      ByteReader payload = in.region("block " + i);
      byte[] signature = in.raw(SIGNATURE_BYTES, "block " + i + " signature");
      byte[] message = new byte[BLOCK_DOMAIN.length + 32 + payload.remaining()];
      System.arraycopy(BLOCK_DOMAIN, 0, message, 0, BLOCK_DOMAIN.length);
      System.arraycopy(previousDigest, 0, message, BLOCK_DOMAIN.length, 32);
      System.arraycopy(
          binary, payloadStart, message, BLOCK_DOMAIN.length + 32, payload.remaining());
      byte[] digest = sha256(message);
      try {
        links.add(readPayload(i, payload, signature, message, digest, limits));
      } catch (FormatException e) {
        throw new BlockFormatException(i, e);
      }
      previousDigest = digest;
    }
    int trailer = in.u8("trailer");
    byte[] secret = null;
    if (trailer == TRAILER_SECRET) {
      secret = in.raw(KEY_BYTES, "trailer secret");
    } else if (trailer != TRAILER_NONE) {
      throw new FormatException("unknown trailer kind " + trailer);
    }
    in.expectEnd("token");
    checkStructure(links, trailer);
    return new Chain(binary, links, trailer, secret);
  }

  private static Link readPayload(
      int index, ByteReader in, byte[] signature, byte[] message, byte[] digest, Limits limits) {
    int kind = in.u8("block kind");
    String tokenId = null;
    String rootKeyId = null;
    Instant issuedAt = null;
    if (index == 0) {
      if (kind != KIND_AUTHORITY) {
        throw new FormatException("the first block must be an authority block");
      }
      tokenId = HexFormat.of().formatHex(in.raw(TOKEN_ID_BYTES, "token id"));
      rootKeyId = in.str("root key id");
      if (rootKeyId.isEmpty() || rootKeyId.length() > MAX_KEY_ID_BYTES) {
        throw new FormatException("root key id must be 1 to 64 chars");
      }
      issuedAt = in.epochSeconds("issued at");
    } else if (kind != KIND_ATTENUATION) {
      throw new FormatException("only the first block may be an authority block");
    }
    int grantCount = atMost(in.u16("grant count"), limits.maxGrantsPerBlock(), "grants");
    List<Grant> grants = new ArrayList<>(grantCount);
    for (int g = 0; g < grantCount; g++) {
      String text = in.str("grant");
      try {
        grants.add(Grant.parse(text));
      } catch (IllegalArgumentException e) {
        throw new FormatException(e.getMessage());
      }
    }
    int caveatCount = atMost(in.u8("caveat count"), limits.maxCaveatsPerBlock(), "caveats");
    List<Caveat> caveats = new ArrayList<>(caveatCount);
    // A grant's own caveats follow the block's, by grant index (spec 5.3): one binary form.
    int lastGrant = -1;
    for (int c = 0; c < caveatCount; c++) {
      CaveatCodec.Entry entry = CaveatCodec.readEntry(in, grantCount, limits);
      if (entry.grant() < 0) {
        if (lastGrant >= 0) {
          throw new FormatException("a block caveat follows a grant caveat");
        }
        caveats.add(entry.caveat());
      } else {
        if (entry.grant() < lastGrant) {
          throw new FormatException("grant caveats are not in grant order");
        }
        lastGrant = entry.grant();
        grants.set(lastGrant, grants.get(lastGrant).with(entry.caveat()));
      }
    }
    byte[] nextKey = in.raw(KEY_BYTES, "next key");
    byte[] secretCommitment = in.raw(COMMITMENT_BYTES, "secret commitment");
    int flags = in.u8("flags");
    if ((flags & ~(FLAG_HOLDER | FLAG_SEALED | FLAG_JKT)) != 0) {
      throw new FormatException("block has unknown flags " + flags);
    }
    if ((flags & FLAG_JKT) != 0 && (flags & FLAG_HOLDER) == 0) {
      throw new FormatException("a DPoP key thumbprint (flag JKT) needs the HOLDER flag");
    }
    if ((flags & (FLAG_HOLDER | FLAG_SEALED)) != 0
        && !java.util.Arrays.equals(secretCommitment, NO_COMMITMENT)) {
      throw new FormatException(
          "a holder-bound or sealed block commits to no secret (its commitment must be zero)");
    }
    in.expectEnd("block");
    String holderKeyId =
        (flags & FLAG_JKT) != 0
            ? jktKeyId(nextKey)
            : (flags & FLAG_HOLDER) != 0
                ? dev.mandate.internal.crypto.Ed25519.keyId(nextKey)
                : null;
    Block block =
        new Block(
            index,
            tokenId,
            rootKeyId,
            issuedAt,
            grants,
            caveats,
            holderKeyId,
            (flags & FLAG_SEALED) != 0,
            HexFormat.of().formatHex(digest));
    return new Link(
        block, message, signature, nextKey, secretCommitment, flags, digest, List.copyOf(caveats));
  }

  /** A count read from a block, refused when it is above its limit. */
  private static int atMost(int count, int limit, String what) {
    if (count > limit) {
      throw new FormatException(
          Decision.Code.LIMIT_EXCEEDED, count + " " + what + " exceed the limit of " + limit);
    }
    return count;
  }

  private static void checkStructure(List<Link> links, int trailer) {
    Link authority = links.get(0);
    if (authority.block().grants().isEmpty()) {
      throw new BlockFormatException(0, new FormatException("the authority block grants nothing"));
    }
    if (authority.caveats().stream().noneMatch(c -> c instanceof Caveat.Expiry)) {
      throw new BlockFormatException(
          0, new FormatException("the authority block has no expiry, which is mandatory"));
    }
    boolean bound = false;
    for (int i = 0; i < links.size(); i++) {
      Link link = links.get(i);
      if (link.sealed() && i != links.size() - 1) {
        throw new BlockFormatException(
            i + 1, new FormatException("a block follows a sealed block"));
      }
      if (link.jktBound() && i != links.size() - 1) {
        throw new BlockFormatException(
            i + 1,
            new FormatException(
                "a block follows a block bound to a DPoP key, which cannot sign a block"));
      }
      if (bound && !link.holderBound()) {
        throw new BlockFormatException(
            i, new FormatException("a block drops the holder binding of an earlier block"));
      }
      bound |= link.holderBound();
    }
    Link last = links.get(links.size() - 1);
    boolean needsSecret = !last.holderBound() && !last.sealed();
    if (needsSecret && trailer != TRAILER_SECRET) {
      throw new FormatException("an unsealed bearer token must end with its attenuation secret");
    }
    if (!needsSecret && trailer != TRAILER_NONE) {
      throw new FormatException("a sealed or holder-bound token must not carry a secret");
    }
  }

  // ---- encoding ----

  /** Encodes the payload of a block (spec section "Block payload"). */
  static byte[] payload(
      int index,
      byte[] tokenId,
      String rootKeyId,
      Instant issuedAt,
      List<Grant> grants,
      List<Caveat> caveats,
      byte[] nextKey,
      byte[] secretCommitment,
      int flags) {
    ByteWriter out = new ByteWriter(true);
    if (index == 0) {
      out.u8(KIND_AUTHORITY).raw(tokenId).str(rootKeyId).i64(issuedAt.getEpochSecond());
    } else {
      out.u8(KIND_ATTENUATION);
    }
    out.u16(grants.size());
    grants.forEach(g -> out.str(g.toString()));
    int grantCaveats = grants.stream().mapToInt(g -> g.caveats().size()).sum();
    out.u8(caveats.size() + grantCaveats);
    caveats.forEach(c -> CaveatCodec.write(out, c));
    for (int g = 0; g < grants.size(); g++) {
      for (Caveat c : grants.get(g).caveats()) {
        CaveatCodec.writeForGrant(out, g, c);
      }
    }
    out.raw(nextKey).raw(secretCommitment).u8(flags);
    return out.toByteArray();
  }

  /**
   * The commitment a block makes to the seed of its ephemeral next key: the first 16 bytes of
   * SHA-256("mandate/v1/secret" || 0x00 || seed). Checking a trailer secret against it costs one
   * hash instead of a scalar multiplication.
   */
  static byte[] commitment(byte[] seed) {
    return java.util.Arrays.copyOf(sha256(SECRET_DOMAIN, seed), COMMITMENT_BYTES);
  }

  /** The message a block's signature covers: domain, previous block digest, payload. */
  static byte[] message(byte[] previousDigest, byte[] payload) {
    byte[] message = new byte[BLOCK_DOMAIN.length + 32 + payload.length];
    System.arraycopy(BLOCK_DOMAIN, 0, message, 0, BLOCK_DOMAIN.length);
    System.arraycopy(previousDigest, 0, message, BLOCK_DOMAIN.length, 32);
    System.arraycopy(payload, 0, message, BLOCK_DOMAIN.length + 32, payload.length);
    return message;
  }

  /** Assembles token bytes from signed payloads. */
  static byte[] assemble(List<byte[]> payloads, List<byte[]> signatures, byte[] secret) {
    ByteWriter out = new ByteWriter();
    out.u8(VERSION).u8(payloads.size());
    for (int i = 0; i < payloads.size(); i++) {
      out.lengthPrefixed(payloads.get(i)).raw(signatures.get(i));
    }
    if (secret == null) {
      out.u8(TRAILER_NONE);
    } else {
      out.u8(TRAILER_SECRET).raw(secret);
    }
    return out.toByteArray();
  }

  /** Payload bytes of block i, as found in this token. */
  byte[] payloadOf(int i) {
    byte[] message = links.get(i).message();
    byte[] payload = new byte[message.length - BLOCK_DOMAIN.length - 32];
    System.arraycopy(message, BLOCK_DOMAIN.length + 32, payload, 0, payload.length);
    return payload;
  }

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is required by the Java platform", e);
            }
          });

  static byte[] sha256(byte[]... parts) {
    MessageDigest sha = SHA256.get();
    sha.reset();
    for (byte[] p : parts) {
      sha.update(p);
    }
    return sha.digest();
  }

  /** A format problem located in one block. */
  static final class BlockFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int block;
    final FormatException cause;

    BlockFormatException(int block, FormatException cause) {
      super(cause.getMessage(), null, false, false);
      this.block = block;
      this.cause = cause;
    }
  }
}
