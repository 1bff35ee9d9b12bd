package dev.mandate.gateway;

import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;

/**
 * The gateway's enforcement point for one call: verifies the presented capability against the
 * request, counts uses, checks proofs for replay, and reports the decision to the audit trail. The
 * MCP and HTTP front ends both call it. Thread-safe; never throws on bad input.
 */
public interface CallGuard {
  /**
   * Decides one call. The guard sets the request's audience to this gateway's and adds {@code
   * sourceIp} to its context, so front ends need not. An approval is used up by the call it allows;
   * the audit record names its id, never its text.
   *
   * @param presented the token from {@code Authorization: Bearer} (null if none was sent), with the
   *     proof from the {@code Mandate-Proof} header and the approval from the {@link
   *     ApprovalHeader} (at most {@link ApprovalHeader#MAX_CHARS} chars) if sent, and the call as
   *     received (which the proof signs; the guard sets its audience to this gateway's)
   * @param request the call as mapped from that call (service, action, resource, args)
   * @param sourceIp the caller's address, for conditions and the audit trail; may be null
   * @return the result, already audited and counted; act on it only if {@link
   *     GuardResult#allowed()}, and answer a denial with {@link GuardResult#httpStatus()} (and, for
   *     {@code APPROVAL_REQUIRED}, with {@link GuardResult#approvalNeeded()})
   */
  GuardResult check(Presentation presented, Request request, String sourceIp);

  /**
   * Decides an operation that no grant names, such as opening, using or ending an MCP session: the
   * capability must be valid here (signature, revocation, expiry, audience) and, if holder-bound,
   * presented with its holder's proof over {@code request}; grants are not consulted. A denial is
   * audited and counted like a call's; an allow is neither (it allows no call).
   *
   * @param presented the token and its proof, if any, and the operation as received (the call the
   *     proof signs; its audience is set to this gateway's)
   * @param request the operation as decided (its audience is set to this gateway's)
   * @param sourceIp the caller's address; may be null
   * @return an allowed result carrying the verifier's {@link Decision.Allow}; a 503 denial while
   *     the revocation view is stale; otherwise the verifier's denial
   */
  GuardResult checkSession(Presentation presented, Request request, String sourceIp);

  /**
   * Authenticates the capability a request presents in its headers, before its body is read: it
   * must be present, well-formed, signed under a trusted key, unrevoked, within its validity and
   * for this gateway's audience. Grants and arguments are not consulted, and a holder-bound
   * capability's proof, which signs the body, is left to {@link #check}. Neither audited nor
   * counted: a front end that answers with the denial records it ({@link #record}).
   *
   * @param bearer the token from {@code Authorization: Bearer}, or null if none was sent
   * @param request the operation as far as the headers tell it (its audience is set to this
   *     gateway's)
   * @return null if the capability is usable here; else the denial (401 for a missing or
   *     unverifiable token, 403 for an expired or revoked one, 503 while the revocation view is
   *     stale)
   */
  GuardResult authenticate(String bearer, Request request);

  /**
   * Whether this token's signature chain verified here before and is remembered under a root key
   * held in memory, so that deciding a call with it checks no chain signature and fetches no key.
   * Nothing else is checked (revocation, time, grants and proofs are the call's). For a front end
   * deciding whether a call may be handled on a thread that must not wait. The default, false, is
   * always safe. Never throws.
   */
  default boolean hasVerified(String bearer) {
    return false;
  }

  /**
   * Records a denial in the audit trail and the metrics, as {@link #check} does its own.
   *
   * @param denial a denial, such as one of {@link #authenticate}
   * @param request the call as far as it could be built; its audience is set to this gateway's
   * @param sourceIp the caller's address; may be null
   * @return the denial, or a 503 denial when it could not be recorded
   * @throws IllegalArgumentException if the result allows
   */
  GuardResult record(GuardResult denial, Request request, String sourceIp);

  /**
   * Tells whether the capability could allow some call of {@code action} on {@code service} (for
   * filtering tool lists). False when the revocation view is stale. Not audited. Never throws.
   */
  boolean couldAllow(String bearer, String service, String action);

  /**
   * Tells whether the capability could allow {@code action} on {@code resource} at {@code service}:
   * as {@link #couldAllow(String, String, String)}, and the grants of every block cover the
   * resource (a path is normalised first). Arguments, conditions, proofs, approvals and uses are
   * not considered. For filtering lists of resources and prompts. False when the revocation view is
   * stale. Not audited. Never throws.
   */
  boolean couldAllow(String bearer, String service, String action, String resource);

  /**
   * Whether the revocation view denies this revocation id (revoked or suspended), however old the
   * view is. For ending the sessions of a capability that was revoked. Never throws.
   */
  boolean isRevoked(String revocationId);

  /**
   * Records a request that a front end refused itself (no route, a malformed body, a tool that is
   * not configured, a resource argument outside the configured root, a refused session, ...), so
   * that it reaches the audit trail and the metrics like the guard's own denials. Counts no use and
   * consults no verifier; the token id in the record is the one the token claims, unverified.
   *
   * @param bearer the token from {@code Authorization: Bearer}, or null if none was sent
   * @param request the call as far as it could be built; its audience is set to this gateway's
   * @param code the closest {@link Decision.Code} (for example {@code GRANT} or {@code
   *     INVALID_REQUEST}); not {@code ALLOW}
   * @param reason a sentence safe to show the caller, without secrets
   * @param status the HTTP status of the refusal (recorded with it); not 200
   * @param sourceIp the caller's address; may be null
   * @return the denial to answer with, or a 503 denial when it could not be recorded
   * @throws IllegalArgumentException if code is {@code ALLOW} or the status is 200
   */
  GuardResult recordRefusal(
      String bearer,
      Request request,
      Decision.Code code,
      String reason,
      int status,
      String sourceIp);
}
