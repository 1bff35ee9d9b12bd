package dev.mandate.token;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.crypto.SigningKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Objects;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * A per-call proof of possession of the holder key of a holder-bound capability (spec §7). It signs
 * the token digest, the {@link Call} as the client sends it (audience, protocol, service, method,
 * target, and the canonical (RFC 8785) digest of the arguments), the time and a random nonce, so it
 * is good for exactly one call. It signs nothing of the gateway's mapping of the call: the gateway
 * derives the resources from the signed call itself.
 *
 * <p>Text form: {@code mndp2_} and the unpadded URL-safe base64 of: version (1 byte, 2), time (8
 * bytes, Unix milliseconds), nonce (16 bytes), Ed25519 signature (64 bytes). Version 1 ({@code
 * mndp1_}), which signed the gateway's mapped request, is refused.
 */
public final class Proof {
  /** Prefix of the text form of a proof. */
  public static final String TEXT_PREFIX = "mndp2_";

  /** Prefix of version 1 proofs, which signed the gateway's mapped request; refused. */
  private static final String V1_PREFIX = "mndp1_";

  private final String text;
  private final String httpMethod;
  private final String httpUri;

  static final int VERSION = 2;
  static final int NONCE_BYTES = 16;
  static final int BINARY_BYTES = 1 + 8 + NONCE_BYTES + 64;
  private static final byte[] DOMAIN = "mandate/v2/proof\0".getBytes(StandardCharsets.US_ASCII);

  record Parsed(long timeMillis, byte[] nonce, byte[] signature) {}

  private Proof(String text, String httpMethod, String httpUri) {
    this.text = text;
    this.httpMethod = httpMethod;
    this.httpUri = httpUri;
  }

  /**
   * A proof as presented with a call (for example the {@code Mandate-Proof} header). Not checked
   * here: the {@link Verifier} denies a malformed or forged one.
   *
   * @throws NullPointerException if text is null
   */
  public static Proof of(String text) {
    return new Proof(Objects.requireNonNull(text, "text"), null, null);
  }

  /**
   * A DPoP proof (RFC 9449, the {@code DPoP} header's JWT) as presented with a call to a capability
   * bound to a DPoP key (spec section 7.2), with the HTTP request it came with: the proof's {@code
   * htm} and {@code htu} must name them. Not checked here: the {@link Verifier} denies a malformed
   * or forged one.
   *
   * @param jwt the {@code DPoP} header's value
   * @param httpMethod the request's method as received, such as {@code POST}
   * @param httpUri the request's absolute URI as the client addressed it ({@code
   *     https://gw.example/mcp/fs}); its query and fragment are ignored
   * @throws NullPointerException if an argument is null
   */
  public static Proof dpop(String jwt, String httpMethod, String httpUri) {
    return new Proof(
        Objects.requireNonNull(jwt, "jwt"),
        Objects.requireNonNull(httpMethod, "httpMethod"),
        Objects.requireNonNull(httpUri, "httpUri"));
  }

  /** Returns the text form, {@code mndp2_...}, or a DPoP proof's JWT. */
  public String text() {
    return text;
  }

  /** Returns true for a DPoP proof ({@link #dpop}), false for a Mandate proof. */
  public boolean isDPoP() {
    return httpMethod != null;
  }

  /** The HTTP method a DPoP proof came with, or null for a Mandate proof. */
  String httpMethod() {
    return httpMethod;
  }

  /** The HTTP URI a DPoP proof came with, or null for a Mandate proof. */
  String httpUri() {
    return httpUri;
  }

  /**
   * Creates a proof for one call.
   *
   * @param holder the holder key the capability is bound to
   * @param token the capability's text form, exactly as it will be presented
   * @param call the call, exactly as it will be sent
   * @param time the current time
   * @param random the source of the nonce
   * @return the proof
   * @throws InvalidTokenException if the token is not well-formed
   * @throws IllegalArgumentException if the call cannot be put in its signed form (an unpaired
   *     surrogate, a string over 65 535 UTF-8 bytes, arguments without a canonical JSON form)
   */
  public static Proof create(
      SigningKey holder, String token, Call call, Instant time, SecureRandom random) {
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(call, "call");
    Chain chain = Capability.decode(token).chain();
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    long millis = time.toEpochMilli();
    byte[] message;
    try {
      message = message(chain.tokenDigest, call, millis, nonce);
    } catch (FormatException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    byte[] signature = holder.sign(message);
    ByteWriter out = new ByteWriter().u8(VERSION).i64(millis).raw(nonce).raw(signature);
    return new Proof(TEXT_PREFIX + Base64Text.encode(out.toByteArray()), null, null);
  }

  static Parsed parse(String text) {
    if (text != null && text.startsWith(V1_PREFIX)) {
      throw new FormatException(
          Decision.Code.PROOF_INVALID,
          "proof version 1 (mndp1_) signed the gateway's mapped request and is no longer accepted;"
              + " a proof now signs the call as sent (mndp2_): update the client's Mandate SDK");
    }
    if (text == null || !text.startsWith(TEXT_PREFIX)) {
      throw new FormatException(
          Decision.Code.PROOF_INVALID, "a proof starts with '" + TEXT_PREFIX + "'");
    }
    if (text.length() > TEXT_PREFIX.length() + 128) {
      throw new FormatException(Decision.Code.PROOF_INVALID, "the proof is too long");
    }
    String body = text.substring(TEXT_PREFIX.length());
    byte[] bytes = Base64Text.decodeOrNull(body);
    if (bytes == null) {
      throw new FormatException(Decision.Code.PROOF_INVALID, "the proof is not valid base64");
    }
    if (bytes.length != BINARY_BYTES || !Base64Text.isCanonical(bytes, body)) {
      throw new FormatException(
          Decision.Code.PROOF_INVALID, "the proof is not " + BINARY_BYTES + " canonical bytes");
    }
    ByteReader in = new ByteReader(bytes, 0, bytes.length);
    int version = in.u8("proof version");
    if (version != VERSION) {
      throw new FormatException(
          Decision.Code.PROOF_INVALID, "proof version " + version + " is not supported");
    }
    return new Parsed(
        in.i64("proof time"), in.raw(NONCE_BYTES, "nonce"), in.raw(64, "proof signature"));
  }

  static byte[] message(byte[] tokenDigest, Call call, long timeMillis, byte[] nonce) {
    return new ByteWriter()
        .raw(DOMAIN)
        .raw(tokenDigest)
        .str(call.audience() == null ? "" : call.audience())
        .str(call.protocol().wireName())
        .str(call.service())
        .str(call.method())
        .str(call.target())
        .raw(argsDigest(call.argsTree()))
        .i64(timeMillis)
        .raw(nonce)
        .toByteArray();
  }

  /** SHA-256 of the RFC 8785 (JCS) canonical form of the arguments. */
  static byte[] argsDigest(JsonNode args) {
    try {
      String json = CaveatCodec.JSON.writeValueAsString(args);
      byte[] canonical = new JsonCanonicalizer(json).getEncodedUTF8();
      return Chain.sha256(canonical);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("arguments always serialise", e);
    } catch (IOException | RuntimeException e) {
      throw new FormatException(
          Decision.Code.INVALID_REQUEST, "the arguments cannot be put in canonical JSON form");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Proof p
        && text.equals(p.text)
        && Objects.equals(httpMethod, p.httpMethod)
        && Objects.equals(httpUri, p.httpUri);
  }

  @Override
  public int hashCode() {
    return Objects.hash(text, httpMethod, httpUri);
  }

  /** Never prints the proof: with the token, it allows its call until it is used. */
  @Override
  public String toString() {
    return "Proof[redacted]";
  }
}
