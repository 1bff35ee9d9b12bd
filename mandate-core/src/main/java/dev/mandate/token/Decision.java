package dev.mandate.token;

import java.util.List;
import java.util.Objects;

/**
 * The verifier's answer: allow, or deny with the failing block, the caveat and a reason a person
 * can act on. Immutable.
 */
public final class Decision {
  /** Why a decision came out the way it did. Stable names, used in the spec and the vectors. */
  public enum Code {
    /** Every check passed. */
    ALLOW,
    /** The token or proof is not well-formed (bad prefix, base64, structure, or field). */
    MALFORMED,
    /** The token's format version is not one this verifier implements. */
    UNSUPPORTED_VERSION,
    /** The token or the request exceeds a configured limit. */
    LIMIT_EXCEEDED,
    /** The authority block names a root key id this verifier does not trust. */
    UNKNOWN_KEY,
    /** A block's signature, or the chain's final secret, does not verify. */
    BAD_SIGNATURE,
    /** A block carries a caveat kind this verifier does not know. */
    UNKNOWN_CAVEAT,
    /** A block's revocation id is revoked. */
    REVOKED,
    /** An expiry caveat has passed. */
    EXPIRED,
    /** A not-before caveat has not been reached. */
    NOT_YET_VALID,
    /** The request's audience is not allowed. */
    AUDIENCE,
    /** No grant of some block covers the request's service, action and resource. */
    GRANT,
    /** An argument constraint is not satisfied. */
    ARGUMENT,
    /** A CEL condition is not satisfied. */
    CONDITION,
    /** More blocks follow a block than its max-depth caveat allows. */
    DEPTH,
    /** The token is bound to a holder key and the call carries no proof. */
    PROOF_REQUIRED,
    /** The proof is malformed or its signature does not verify for this token and request. */
    PROOF_INVALID,
    /** The proof's time is outside the accepted window. */
    PROOF_STALE,
    /** The proof was already used. */
    PROOF_REPLAYED,
    /** The request itself is invalid (for example a resource path that escapes its root). */
    INVALID_REQUEST,
    /** A block requires a person's approval of the call and the call carries none. */
    APPROVAL_REQUIRED,
    /**
     * The approval is malformed, not signed by a trusted key, for another capability, call or
     * group, expired, or already used.
     */
    APPROVAL_INVALID
  }

  /** A max-uses caveat the caller must enforce: at most {@code maxUses} calls per block. */
  public record UseLimit(String revocationId, long maxUses) {}

  private final Code code;
  private final int block;
  private final String caveat;
  private final String reason;
  private final String tokenId;
  private final List<String> revocationIds;
  private final List<UseLimit> useLimits;

  private Decision(
      Code code,
      int block,
      String caveat,
      String reason,
      String tokenId,
      List<String> revocationIds,
      List<UseLimit> useLimits) {
    this.code = code;
    this.block = block;
    this.caveat = caveat;
    this.reason = reason;
    this.tokenId = tokenId;
    this.revocationIds = revocationIds;
    this.useLimits = useLimits;
  }

  static Decision allow(String tokenId, List<String> revocationIds, List<UseLimit> useLimits) {
    return new Decision(
        Code.ALLOW, -1, null, "allowed", tokenId, revocationIds, List.copyOf(useLimits));
  }

  static Decision deny(Code code, int block, String caveat, String reason) {
    return deny(code, block, caveat, reason, null, List.of());
  }

  static Decision deny(
      Code code,
      int block,
      String caveat,
      String reason,
      String tokenId,
      List<String> revocationIds) {
    if (code == Code.ALLOW) {
      throw new IllegalArgumentException("a denial needs a deny code");
    }
    return new Decision(
        code, block, caveat, Objects.requireNonNull(reason), tokenId, revocationIds, List.of());
  }

  /** Returns true when the request is allowed. */
  public boolean allowed() {
    return code == Code.ALLOW;
  }

  /** Returns the outcome code ({@link Code#ALLOW} when allowed). */
  public Code code() {
    return code;
  }

  /** Returns the index of the failing block (0 is the authority block), or -1 if none applies. */
  public int block() {
    return block;
  }

  /** Returns the kind of caveat or check that failed (e.g. {@code expiry}), or null. */
  public String caveat() {
    return caveat;
  }

  /** Returns a sentence saying why; "allowed" when allowed. Never contains secrets. */
  public String reason() {
    return reason;
  }

  /** Returns the token id in hex once the token could be decoded, else null. */
  public String tokenId() {
    return tokenId;
  }

  /** Returns the revocation ids of the token's blocks, in order, once decoded; else empty. */
  public List<String> revocationIds() {
    return revocationIds;
  }

  /** Returns the max-uses caveats an allowed request must be counted against; else empty. */
  public List<UseLimit> useLimits() {
    return useLimits;
  }

  @Override
  public String toString() {
    if (allowed()) {
      return "allow";
    }
    return "deny "
        + code
        + (block >= 0 ? " (block " + block + (caveat != null ? ", " + caveat : "") + ")" : "")
        + ": "
        + reason;
  }
}
