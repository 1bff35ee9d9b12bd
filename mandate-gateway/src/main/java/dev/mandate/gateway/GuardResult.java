package dev.mandate.gateway;

import dev.mandate.token.Decision;
import java.util.Objects;

/**
 * The gateway's answer for one call: the verifier's {@link Decision} plus what only the gateway can
 * decide (a stale revocation view, exhausted uses, an unavailable audit spool or counter store),
 * with the HTTP status a front end should answer with. Immutable.
 *
 * <p>{@code code} is the name of a {@link Decision.Code} ({@code ALLOW}, {@code EXPIRED}, ...) or
 * {@link #UNAVAILABLE}. Gateway-made denials reuse the closest core code and say what happened in
 * {@code caveat} and {@code reason}:
 *
 * <ul>
 *   <li>max uses reached: code {@code LIMIT_EXCEEDED}, caveat {@value #CAVEAT_MAX_USES}, 403;
 *   <li>stale revocation view: code {@link #UNAVAILABLE}, caveat {@value #CAVEAT_REVOCATION_VIEW},
 *       503;
 *   <li>audit spool or shared counter store failing: code {@link #UNAVAILABLE}, 503.
 * </ul>
 *
 * @param allowed whether the call may proceed
 * @param httpStatus 200 when allowed; 401 for a missing or unverifiable token (malformed, forged,
 *     unknown key); 403 for a denied call; 503 when the gateway cannot decide safely
 * @param code the outcome code (see above)
 * @param caveat the failing caveat or check ({@code expiry}, {@code holder}, {@code max-uses},
 *     ...), or null
 * @param reason a sentence saying why, without secrets; "allowed" when allowed
 * @param tokenId the token id once the token could be decoded, else null
 * @param decision the verifier's decision, or null when the verifier was not consulted (no token,
 *     stale revocation view)
 */
public record GuardResult(
    boolean allowed,
    int httpStatus,
    String code,
    String caveat,
    String reason,
    String tokenId,
    Decision decision) {

  /** Code of a denial because a dependency of the gateway (spool, Redis) is failing. */
  public static final String UNAVAILABLE = "UNAVAILABLE";

  /** Caveat named when the revocation view is older than the configured bound. */
  public static final String CAVEAT_REVOCATION_VIEW = "revocation-view";

  /** Caveat named when a max-uses caveat is exhausted. */
  public static final String CAVEAT_MAX_USES = "max-uses";

  /**
   * @throws NullPointerException if code or reason is null
   * @throws IllegalArgumentException if allowed disagrees with the status or the decision
   */
  public GuardResult {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(reason, "reason");
    if (allowed != (httpStatus == 200)) {
      throw new IllegalArgumentException(
          "an allowed result has status 200 and a denied one not; got " + httpStatus);
    }
    if (allowed && (decision == null || !decision.allowed())) {
      throw new IllegalArgumentException("an allowed result needs an allowing decision");
    }
  }

  /** Wraps a verifier decision, choosing 200, 401 or 403. */
  static GuardResult of(Decision d) {
    return new GuardResult(
        d.allowed(),
        d.allowed() ? 200 : statusFor(d),
        d.code().name(),
        d.caveat(),
        d.reason(),
        d.tokenId(),
        d);
  }

  /** A gateway-made denial. */
  static GuardResult deny(
      int httpStatus, String code, String caveat, String reason, String tokenId, Decision d) {
    return new GuardResult(false, httpStatus, code, caveat, reason, tokenId, d);
  }

  /** Whether the token itself could not be authenticated (answer 401 with WWW-Authenticate). */
  public boolean unauthenticated() {
    return httpStatus == 401;
  }

  private static int statusFor(Decision d) {
    switch (d.code()) {
      case MALFORMED:
      case UNSUPPORTED_VERSION:
      case UNKNOWN_KEY:
      case BAD_SIGNATURE:
        return 401;
      case LIMIT_EXCEEDED:
        // An oversized token is as unusable as a malformed one; oversized arguments are a denial.
        return "format".equals(d.caveat()) ? 401 : 403;
      default:
        return 403;
    }
  }

  @Override
  public String toString() {
    return allowed
        ? "allow"
        : "deny " + code + (caveat != null ? " (" + caveat + ")" : "") + ": " + reason;
  }
}
