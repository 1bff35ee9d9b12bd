package dev.mandate.token;

import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.SigningKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A person's approval of exactly one call, which a capability with an approval caveat needs (spec
 * §7.1). The authority issues it, signed by one of its root keys, after an approver of the named
 * group said yes to the call; the agent presents it with that call. It names the capability's token
 * id, the digest of the request (audience, service, action, resource, canonical arguments), the
 * group, a random approval id and an expiry ({@link Claims}). A verifier accepts it once.
 *
 * <p>An instance holds the text form as issued or presented; it is checked only by a {@link
 * Verifier}. Immutable; {@link #toString()} never prints the text.
 *
 * <p>Text form: {@code mnda1_} and the unpadded URL-safe base64 of: version (1 byte, 1), key id
 * (str), token id (16 bytes), request digest (32 bytes), group (str), approval id (16 bytes),
 * not-after (8 bytes, Unix seconds), Ed25519 signature (64 bytes) over {@code "mandate/v1/approval"
 * || 0x00 ||} everything before it.
 */
public final class Approval {
  /** Prefix of the text form of an approval. */
  public static final String TEXT_PREFIX = "mnda1_";

  static final int VERSION = 1;
  private static final int MAX_TEXT = 512;
  private static final byte[] DOMAIN = "mandate/v1/approval\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] REQUEST_DOMAIN =
      "mandate/v1/request\0".getBytes(StandardCharsets.US_ASCII);

  private final String text;

  /**
   * What an approval says, as read from its text without checking its signature.
   *
   * @param keyId the id of the root key that signed it
   * @param tokenId the token id (hex) of the capability it is for
   * @param requestDigest the hex SHA-256 request digest of the call it approves
   * @param group the approver group that approved
   * @param approvalId a random id (hex), for the audit trail and single use
   * @param notAfter when it stops being accepted (whole seconds)
   */
  public record Claims(
      String keyId,
      String tokenId,
      String requestDigest,
      String group,
      String approvalId,
      Instant notAfter) {}

  /** A parsed approval with the bytes its signature covers. */
  record Signed(Claims claims, byte[] message, byte[] signature) {}

  private Approval(String text) {
    this.text = text;
  }

  /**
   * An approval as presented with a call (for example the {@code Mandate-Approval} header). Not
   * checked here: the {@link Verifier} denies a malformed or forged one.
   *
   * @throws NullPointerException if text is null
   */
  public static Approval of(String text) {
    return new Approval(Objects.requireNonNull(text, "text"));
  }

  /** Returns the text form, {@code mnda1_...}. */
  public String text() {
    return text;
  }

  /**
   * Reads what the approval says without checking its signature (for display and for the audit
   * trail). A verifier checks the signature; this does not.
   *
   * @throws IllegalArgumentException if the text is not a well-formed approval
   */
  public Claims claims() {
    try {
      return parse(text).claims();
    } catch (FormatException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  /**
   * Returns the request digest of a call, as an approval names it: the hex SHA-256 of {@code
   * "mandate/v1/request" || 0x00 || str audience || str service || str action || str resource ||
   * SHA-256(JCS args)}.
   *
   * @throws IllegalArgumentException if the request holds what the digest could not tell apart from
   *     another request (spec §8: an integer beyond ±(2^53−1), a non-finite or over-precise number,
   *     an unpaired surrogate); the message says which
   */
  public static String requestDigest(Request request) {
    Objects.requireNonNull(request, "request");
    String problem = CanonicalForm.problem(request);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    try {
      return HexFormat.of().formatHex(requestDigestBytes(request));
    } catch (FormatException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  static byte[] requestDigestBytes(Request request) {
    return Chain.sha256(
        new ByteWriter()
            .raw(REQUEST_DOMAIN)
            .str(request.audience() == null ? "" : request.audience())
            .str(request.service())
            .str(request.action())
            .str(request.resource())
            .raw(Proof.argsDigest(request.argsTree()))
            .toByteArray());
  }

  /**
   * Issues an approval (for the authority).
   *
   * @param rootKey the authority root key that signs it; verifiers must trust it
   * @param tokenId the hex token id of the capability
   * @param request the call approved, exactly as the gateway will build it
   * @param group the approver group, matching {@link Caveat.ApprovalRequired#GROUP}
   * @param notAfter when it expires (truncated to seconds)
   * @param random the source of the approval id
   * @return the approval
   * @throws IllegalArgumentException if the token id is not 32 hex digits, the group is not valid,
   *     or the arguments cannot be put in canonical JSON form
   */
  public static Approval issue(
      SigningKey rootKey,
      String tokenId,
      Request request,
      String group,
      Instant notAfter,
      SecureRandom random) {
    Objects.requireNonNull(rootKey, "rootKey");
    tokenIdBytes(tokenId);
    byte[] id = new byte[16];
    random.nextBytes(id);
    return sign(
        rootKey,
        new Claims(
            rootKey.verifyingKey().keyId(),
            tokenId,
            requestDigest(request),
            group,
            HexFormat.of().formatHex(id),
            notAfter));
  }

  /**
   * Signs an approval that says exactly {@code claims} (for the authority). Ed25519 signatures are
   * deterministic, so the same key and claims always give the same text: an authority can keep an
   * approval's claims and re-derive its text when it delivers it, rather than store the text.
   *
   * @param rootKey the authority root key named by {@code claims.keyId()}
   * @param claims what the approval says; {@code notAfter} is truncated to seconds
   * @return the approval
   * @throws IllegalArgumentException if the key id is not the key's, the token id or approval id is
   *     not 32 hex digits, the request digest not 64, or the group is not a valid group name
   */
  public static Approval sign(SigningKey rootKey, Claims claims) {
    Objects.requireNonNull(rootKey, "rootKey");
    Objects.requireNonNull(claims, "claims");
    if (!rootKey.verifyingKey().keyId().equals(claims.keyId())) {
      throw new IllegalArgumentException(
          "the approval names key " + claims.keyId() + ", not the signing key's id");
    }
    byte[] token = tokenIdBytes(claims.tokenId());
    String group = claims.group();
    if (group == null || !Caveat.ApprovalRequired.GROUP.matcher(group).matches()) {
      throw new IllegalArgumentException(
          "an approver group is 1 to 64 of a-z 0-9 . _ - starting with a letter or digit, got '"
              + group
              + "'");
    }
    byte[] digest = hex(claims.requestDigest(), 32, "request digest");
    byte[] id = hex(claims.approvalId(), 16, "approval id");
    byte[] body =
        new ByteWriter()
            .u8(VERSION)
            .str(claims.keyId())
            .raw(token)
            .raw(digest)
            .str(group)
            .raw(id)
            .i64(claims.notAfter().getEpochSecond())
            .toByteArray();
    byte[] signature = rootKey.sign(new ByteWriter().raw(DOMAIN).raw(body).toByteArray());
    byte[] bytes = new ByteWriter().raw(body).raw(signature).toByteArray();
    return new Approval(TEXT_PREFIX + Base64Text.encode(bytes));
  }

  private static byte[] hex(String value, int bytes, String what) {
    if (value == null || value.length() != 2 * bytes || !value.matches("[0-9a-f]+")) {
      throw new IllegalArgumentException(what + " must be " + 2 * bytes + " lowercase hex digits");
    }
    return HexFormat.of().parseHex(value);
  }

  static Signed parse(String text) {
    if (text == null || !text.startsWith(TEXT_PREFIX)) {
      throw invalid("an approval starts with '" + TEXT_PREFIX + "'");
    }
    if (text.length() > MAX_TEXT) {
      throw invalid("the approval is longer than " + MAX_TEXT + " chars");
    }
    String body = text.substring(TEXT_PREFIX.length());
    byte[] bytes = Base64Text.decodeOrNull(body);
    if (bytes == null) {
      throw invalid("the approval is not valid base64");
    }
    if (bytes.length < 64 + 1 || !Base64Text.isCanonical(bytes, body)) {
      throw invalid("the approval is not in canonical form");
    }
    int signed = bytes.length - 64;
    ByteReader in = new ByteReader(bytes, 0, signed);
    Claims claims;
    try {
      int version = in.u8("approval version");
      if (version != VERSION) {
        throw invalid("approval version " + version + " is not supported");
      }
      String keyId = in.str("approval key id");
      String tokenId = HexFormat.of().formatHex(in.raw(16, "approval token id"));
      String digest = HexFormat.of().formatHex(in.raw(32, "approval request digest"));
      String group = in.str("approval group");
      String id = HexFormat.of().formatHex(in.raw(16, "approval id"));
      long notAfter = in.i64("approval expiry");
      in.expectEnd("approval");
      if (!Caveat.ApprovalRequired.GROUP.matcher(group).matches()
          || notAfter < 0
          || notAfter > 253_402_300_799L) {
        throw invalid("the approval's group or expiry is out of range");
      }
      claims = new Claims(keyId, tokenId, digest, group, id, Instant.ofEpochSecond(notAfter));
    } catch (FormatException e) {
      throw e.code() == Decision.Code.APPROVAL_INVALID ? e : invalid(e.getMessage());
    }
    byte[] message = new ByteWriter().raw(DOMAIN).raw(Arrays.copyOf(bytes, signed)).toByteArray();
    byte[] signature = new byte[64];
    System.arraycopy(bytes, signed, signature, 0, 64);
    return new Signed(claims, message, signature);
  }

  private static byte[] tokenIdBytes(String tokenId) {
    if (tokenId == null || tokenId.length() != 32) {
      throw new IllegalArgumentException("a token id is 32 hex digits, got '" + tokenId + "'");
    }
    try {
      return HexFormat.of().parseHex(tokenId);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a token id is 32 hex digits, got '" + tokenId + "'");
    }
  }

  private static FormatException invalid(String why) {
    return new FormatException(Decision.Code.APPROVAL_INVALID, why);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Approval a && text.equals(a.text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** Never prints the approval: with the token, it allows its call until it is used. */
  @Override
  public String toString() {
    return "Approval[redacted]";
  }
}
