package dev.mandate.token;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * The verifier's answer: an {@link Allow} carrying the {@link VerifiedCapability} that allowed the
 * call, or a {@link Deny} naming the code, the failing block, the check and a reason a person can
 * act on. Only a {@link Verifier} makes either. Immutable.
 */
public sealed interface Decision permits Decision.Allow, Decision.Deny {

  /** Why a decision came out the way it did. Stable names, used in the spec and the vectors. */
  enum Code {
    /** Every check passed. */
    ALLOW,
    /** The token or proof is not well-formed (bad prefix, base64, structure, or field). */
    MALFORMED,
    /** The token's format version is not one this verifier implements. */
    UNSUPPORTED_VERSION,
    /** The token or the request exceeds a configured limit, or a max-uses caveat is used up. */
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
    /** The proof is malformed, or its signature does not verify for this token and call. */
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
    APPROVAL_INVALID,
    /**
     * The verifier cannot decide safely right now: its replay guard or use counter failed, or a
     * max-uses caveat applies and no use counter is configured. Not the token's fault; the same
     * call may succeed later (or elsewhere).
     */
    UNAVAILABLE
  }

  /** The check that denied a call; {@link #label()} is the name the spec and the wire use. */
  enum Check {
    /** The token's structure (prefix, base64, fields, limits). */
    FORMAT("format"),
    /** A block's signature or the chain's final secret. */
    SIGNATURE("signature"),
    /** A block's revocation id. */
    REVOCATION("revocation"),
    /** An expiry caveat. */
    EXPIRY("expiry"),
    /** A not-before caveat. */
    NOT_BEFORE("not-before"),
    /** An audience caveat. */
    AUDIENCE("audience"),
    /** A block's grants. */
    GRANT("grant"),
    /** An argument caveat. */
    ARGUMENT("argument"),
    /** A condition caveat. */
    CONDITION("condition"),
    /** A max-depth caveat. */
    MAX_DEPTH("max-depth"),
    /** A max-uses caveat (used up, or the use counter failed or is missing). */
    MAX_USES("max-uses"),
    BUDGET("budget"),
    /** The holder proof (missing, malformed, stale, forged, replayed). */
    HOLDER("holder"),
    /** An approval caveat (approval missing, invalid, or already used). */
    APPROVAL("approval"),
    /** The size, nesting or canonical form of the request's arguments. */
    ARGS("args"),
    /** The request's strings, or a request that could not be evaluated. */
    REQUEST("request"),
    /** A request resource (for example a path that escapes its root). */
    RESOURCE("resource");

    private final String label;

    Check(String label) {
      this.label = label;
    }

    /** Returns the lower-case name the spec, the vectors and the gateway's answers use. */
    public String label() {
      return label;
    }
  }

  /** Returns true for an {@link Allow}. */
  boolean allowed();

  /** Returns the outcome code ({@link Code#ALLOW} for an allow). */
  Code code();

  /** Returns a sentence saying why; "allowed" for an allow. Never contains secrets. */
  String reason();

  /**
   * Returns the token id in hex once the token could be decoded, else null. For a denial it is what
   * the token claims, which is not authenticated when the signature check failed.
   */
  String tokenId();

  /** The call is allowed; carries what was verified, so nothing downstream decodes the token. */
  final class Allow implements Decision {
    private final VerifiedCapability capability;

    Allow(VerifiedCapability capability) {
      this.capability = Objects.requireNonNull(capability, "capability");
    }

    /** Returns the verified capability that allowed the call. */
    public VerifiedCapability capability() {
      return capability;
    }

    @Override
    public boolean allowed() {
      return true;
    }

    @Override
    public Code code() {
      return Code.ALLOW;
    }

    @Override
    public String reason() {
      return "allowed";
    }

    @Override
    public String tokenId() {
      return capability.tokenId();
    }

    @Override
    public String toString() {
      return "allow";
    }
  }

  /**
   * What is left of one budget or rate of a capability.
   *
   * @param block the index of the block that carries it
   * @param budget its text form ({@code sum(/amount)<=5000}, {@code calls<=10/1m})
   * @param limit its limit
   * @param remaining what is left of the limit now (for a rate: within the current window)
   */
  record BudgetLeft(int block, String budget, BigDecimal limit, BigDecimal remaining) {
    /** Checks the fields. */
    public BudgetLeft {
      Objects.requireNonNull(budget, "budget");
      Objects.requireNonNull(limit, "limit");
      Objects.requireNonNull(remaining, "remaining");
    }
  }

  /** The call is denied: the first check that failed, in the spec's order (§6). */
  final class Deny implements Decision {
    private final Code code;
    private final int block;
    private final Check check;
    private final String reason;
    private final String tokenId;
    private final List<String> revocationIds;
    private final List<String> approverGroups;
    private final BudgetLeft budget;

    Deny(
        Code code,
        int block,
        Check check,
        String reason,
        String tokenId,
        List<String> revocationIds,
        List<String> approverGroups,
        BudgetLeft budget) {
      if (code == Code.ALLOW) {
        throw new IllegalArgumentException("a denial needs a deny code");
      }
      this.code = Objects.requireNonNull(code, "code");
      this.block = block;
      this.check = Objects.requireNonNull(check, "check");
      this.reason = Objects.requireNonNull(reason, "reason");
      this.tokenId = tokenId;
      this.revocationIds = List.copyOf(revocationIds);
      this.approverGroups = List.copyOf(approverGroups);
      this.budget = budget;
    }

    @Override
    public boolean allowed() {
      return false;
    }

    @Override
    public Code code() {
      return code;
    }

    /** Returns the index of the failing block (0 is the authority block), or -1 if none applies. */
    public int block() {
      return block;
    }

    /** Returns the check that failed. */
    public Check check() {
      return check;
    }

    @Override
    public String reason() {
      return reason;
    }

    @Override
    public String tokenId() {
      return tokenId;
    }

    /** Returns the revocation ids of the token's blocks, in order, once decoded; else empty. */
    public List<String> revocationIds() {
      return revocationIds;
    }

    /**
     * For {@link Code#APPROVAL_REQUIRED}: the approver groups whose approval every approval caveat
     * of the capability accepts, in the order the first caveat lists them (empty if the caveats
     * share none, so no approval can satisfy them). Empty for every other code.
     */
    public List<String> approverGroups() {
      return approverGroups;
    }

    /**
     * For a call refused by a budget or a rate ({@link Check#BUDGET}, {@link Code#LIMIT_EXCEEDED}):
     * which one and what was left of it before the call; empty for every other denial.
     */
    public java.util.Optional<BudgetLeft> budget() {
      return java.util.Optional.ofNullable(budget);
    }

    @Override
    public String toString() {
      return "deny "
          + code
          + (block >= 0 ? " (block " + block + ", " + check.label() + ")" : "")
          + ": "
          + reason;
    }
  }
}
