package dev.mandate.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.token.Decision;
import dev.mandate.token.Request;
import java.util.List;
import java.util.Objects;

/**
 * The gateway's answer for one call: the verifier's {@link Decision} plus what only the gateway can
 * decide (a stale revocation view, exhausted uses, an unavailable audit spool or counter store),
 * with the HTTP status a front end should answer with. Immutable.
 *
 * <p>{@code code} is the name of a {@link Decision.Code} ({@code ALLOW}, {@code EXPIRED}, ...). The
 * verifier itself denies a used-up max-uses caveat (code {@code LIMIT_EXCEEDED}, caveat {@link
 * #CAVEAT_MAX_USES}, 403) and a failing replay guard or counter store ({@link #UNAVAILABLE}, 503).
 * Gateway-made denials reuse the closest core code and say what happened in {@code caveat} and
 * {@code reason}:
 *
 * <ul>
 *   <li>stale revocation view: code {@link #UNAVAILABLE}, caveat {@value #CAVEAT_REVOCATION_VIEW},
 *       503;
 *   <li>audit spool failing: code {@link #UNAVAILABLE}, caveat {@code audit}, 503.
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
 * @param approvalNeeded what a client needs to ask an approver for this call; given only with a
 *     denial coded {@code APPROVAL_REQUIRED}, else null
 */
public record GuardResult(
    boolean allowed,
    int httpStatus,
    String code,
    String caveat,
    String reason,
    String tokenId,
    Decision decision,
    ApprovalNeeded approvalNeeded) {

  /** Code of a denial because a dependency of the gateway (spool, Redis) is failing. */
  public static final String UNAVAILABLE = Decision.Code.UNAVAILABLE.name();

  /** Caveat named when the revocation view is older than the configured bound. */
  public static final String CAVEAT_REVOCATION_VIEW = "revocation-view";

  /** Caveat named when a max-uses caveat is exhausted. */
  public static final String CAVEAT_MAX_USES = Decision.Check.MAX_USES.label();

  /**
   * What an agent's runtime needs to ask for a person's approval of a call that was denied with
   * {@code APPROVAL_REQUIRED} (spec §7.1): an approver approves exactly this token id and request,
   * and the approval is presented with the same call in the {@code Mandate-Approval} header.
   *
   * @param tokenId the capability's token id (hex)
   * @param requestDigest the hex request digest of the call, as the approval must name it
   * @param groups the approver groups whose approval every approval caveat of the capability
   *     accepts, in the order the first caveat lists them; empty if the caveats share none (then no
   *     approval can satisfy them)
   * @param request the call exactly as the gateway decided it (with its audience); its digest is
   *     {@code requestDigest}
   * @param task the approval request the gateway recorded for the call at the authority, which the
   *     agent polls for the approval; null if none was recorded
   */
  public record ApprovalNeeded(
      String tokenId, String requestDigest, List<String> groups, Request request, Task task) {
    /**
     * @throws NullPointerException if a component but {@code task} is null
     */
    public ApprovalNeeded {
      Objects.requireNonNull(tokenId, "tokenId");
      Objects.requireNonNull(requestDigest, "requestDigest");
      groups = List.copyOf(groups);
      Objects.requireNonNull(request, "request");
    }

    /**
     * An approval request at the authority (an AuthZEN ARAP task handle): its id and where the
     * agent polls for the answer with its capability.
     *
     * @param id the request's id
     * @param statusEndpoint {@code GET} it with {@code Authorization: Bearer <capability>}
     */
    public record Task(String id, java.net.URI statusEndpoint) {
      /**
       * @throws NullPointerException if a component is null
       */
      public Task {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(statusEndpoint, "statusEndpoint");
      }
    }

    /** This call's needs, waiting in {@code task}. */
    public ApprovalNeeded withTask(Task task) {
      return new ApprovalNeeded(tokenId, requestDigest, groups, request, task);
    }

    /**
     * Returns the fields a client needs, as the front ends send them: {@code tokenId}, {@code
     * requestDigest}, {@code approverGroups}, {@code request} ({@code audience}, {@code service},
     * {@code action}, {@code resource}, {@code args}: the shape the authority's {@code POST
     * /v1/approvals} takes) and, when the gateway recorded the call at the authority, {@code
     * approvalTask} ({@code id}, {@code statusEndpoint}: where the agent polls for the approval).
     */
    public ObjectNode toJson() {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("tokenId", tokenId);
      n.put("requestDigest", requestDigest);
      ArrayNode approverGroups = n.putArray("approverGroups");
      groups.forEach(approverGroups::add);
      ObjectNode r = n.putObject("request");
      r.put("audience", request.audience());
      r.put("service", request.service());
      r.put("action", request.action());
      r.put("resource", request.resource());
      r.set("args", request.args().deepCopy());
      if (task != null) {
        n.putObject("approvalTask")
            .put("id", task.id())
            .put("statusEndpoint", task.statusEndpoint().toString());
      }
      return n;
    }
  }

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
    if (approvalNeeded != null && !Decision.Code.APPROVAL_REQUIRED.name().equals(code)) {
      throw new IllegalArgumentException("only an APPROVAL_REQUIRED denial says what approval");
    }
  }

  /** Wraps a verifier decision, choosing 200, 401, 403 or 503. */
  static GuardResult of(Decision d) {
    if (d instanceof Decision.Deny deny) {
      return new GuardResult(
          false,
          statusFor(deny),
          d.code().name(),
          deny.check().label(),
          d.reason(),
          d.tokenId(),
          d,
          null);
    }
    return new GuardResult(true, 200, d.code().name(), null, d.reason(), d.tokenId(), d, null);
  }

  /** Wraps a verifier's {@code APPROVAL_REQUIRED} denial with what a client needs to ask. */
  static GuardResult approvalRequired(Decision.Deny d, ApprovalNeeded needed) {
    return new GuardResult(
        false,
        statusFor(d),
        d.code().name(),
        d.check().label(),
        d.reason(),
        d.tokenId(),
        d,
        needed);
  }

  /** A gateway-made denial. */
  static GuardResult deny(
      int httpStatus, String code, String caveat, String reason, String tokenId, Decision d) {
    return new GuardResult(false, httpStatus, code, caveat, reason, tokenId, d, null);
  }

  /**
   * For a call refused by a budget or a rate: {@code {"budget": {"block", "budget", "limit",
   * "remaining"}}}, which budget and what is left of it (limit and remaining as JSON numbers); else
   * null. The front ends add it to the problem or to the JSON-RPC error's {@code data}.
   */
  public ObjectNode budgetJson() {
    if (!(decision instanceof Decision.Deny deny) || deny.budget().isEmpty()) {
      return null;
    }
    Decision.BudgetLeft left = deny.budget().get();
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    ObjectNode b = n.putObject("budget");
    b.put("block", left.block());
    b.put("budget", left.budget());
    b.put("limit", left.limit());
    b.put("remaining", left.remaining());
    return n;
  }

  /** Whether the token itself could not be authenticated (answer 401 with WWW-Authenticate). */
  public boolean unauthenticated() {
    return httpStatus == 401;
  }

  private static int statusFor(Decision.Deny d) {
    switch (d.code()) {
      case MALFORMED:
      case UNSUPPORTED_VERSION:
      case UNKNOWN_KEY:
      case BAD_SIGNATURE:
        return 401;
      case LIMIT_EXCEEDED:
        // An oversized token is as unusable as a malformed one; oversized arguments are a denial.
        return d.check() == Decision.Check.FORMAT ? 401 : 403;
      case UNAVAILABLE:
        return 503;
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
