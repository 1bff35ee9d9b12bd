package dev.mandate.authority;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.store.AnswerOutcome;
import dev.mandate.authority.store.ApprovalAnswer;
import dev.mandate.authority.store.ApprovalRequestRecord;
import dev.mandate.authority.store.TokenRecord;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Approval;
import dev.mandate.token.Request;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/approvals} (any client the policy lets approve): issues a person's approval of
 * exactly one call of one capability (spec §7.1), which a capability with an approval caveat needs
 * with that call.
 *
 * <p>Body: {@code {"tokenId": "<32 hex>", "group": "finance", "request": {"audience"?, "service",
 * "action", "resource", "args"?}, "ttl"?: "10m"}}; the request is the call exactly as the gateway
 * will build it. Answer 201: {@code {"approval": "mnda1_...", "approvalId", "requestDigest",
 * "expiresAt"}}.
 *
 * <ul>
 *   <li>400 for a malformed body, naming the field: a token id that is not 32 lowercase hex digits,
 *       a group that is not a group name, a missing or oversized request field, text with an
 *       unpaired surrogate, arguments over {@value #MAX_ARGS_BYTES} bytes of JSON or with a value
 *       the request digest cannot represent exactly (a number that is not finite, an integer beyond
 *       ±(2^53-1)), a ttl that is not a duration or is over {@code 1h} (default {@code 10m}).
 *   <li>403 {@code approval_denied} when the client's policy does not list the group in {@code
 *       approves} (audited as {@code approve.denied}), and 403 {@code self_approval} when the
 *       client minted the capability itself: an agent must not approve its own calls.
 *   <li>404 when the authority minted no token with that id; 409 {@code token_expired} when it has
 *       expired.
 * </ul>
 *
 * <p>The approval is signed by the active root key and audited as {@code approve} (approver, token
 * id, group, approval id, request digest, the call's audience, service, action and resource cut to
 * 1024 chars, expiry) before it is returned. The approval text itself is never stored or logged: it
 * is a bearer credential for that one call.
 */
final class ApprovalEndpoints extends Endpoints {
  /** Longest approval lifetime a client may ask for. */
  static final Duration MAX_TTL = Duration.ofHours(1);

  /** Lifetime of an approval when the request names none. */
  static final Duration DEFAULT_TTL = Duration.ofMinutes(10);

  /** Largest argument document, as compact JSON in UTF-8. */
  static final int MAX_ARGS_BYTES = 32 * 1024;

  static final int MAX_NAME = 256;
  static final int MAX_RESOURCE = 8192;
  static final int AUDITED_RESOURCE = 1024;

  private static final Pattern TOKEN_ID = Pattern.compile("[0-9a-f]{32}");

  private final ApprovalRequests requests;

  record ApproveBody(String tokenId, String group, CallBody request, String ttl) {}

  record CallBody(
      String audience, String service, String action, String resource, ObjectNode args) {}

  /**
   * The answer: the approval when one was issued, else (202) the request the approval was counted
   * in and each group's progress.
   */
  record Approved(
      String approval,
      String approvalId,
      String requestDigest,
      Instant expiresAt,
      String requestId,
      List<ApprovalRequests.GroupProgress> progress) {}

  ApprovalEndpoints(Parts parts, ApprovalRequests requests) {
    super(parts);
    this.requests = requests;
  }

  @Override
  List<Route> routes() {
    return List.of(new Route("POST", "/v1/approvals", Route.Access.CLIENT, this::approve));
  }

  private CompletionStage<Reply> approve(Call call) {
    ApproveBody body = call.body(ApproveBody.class);
    String approver = call.client().clientId();
    String tokenId = tokenId(body.tokenId());
    String group = group(body.group());
    Request request = request(body.request());
    Duration ttl = body.ttl() == null ? DEFAULT_TTL : CapabilityEndpoints.ttl(body.ttl());
    if (ttl.compareTo(MAX_TTL) > 0) {
      throw ApiException.badRequest(
          "invalid_field", "ttl: an approval lives at most 1h; ask for 1h or less (default 10m)");
    }
    String digest = Approval.requestDigest(request); // request() refused what has none

    boolean allowed = policy.current().client(approver).map(c -> c.mayApprove(group)).orElse(false);
    if (!allowed) {
      metrics.approval("denied");
      String reason =
          "client '"
              + approver
              + "' may not approve for group '"
              + group
              + "': its policy does not list it in approves";
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("reason", reason);
      detail.put("group", group);
      detail.put("requestDigest", digest);
      audit.record("approve.denied", approver, tokenId, approver, detail);
      throw ApiException.forbidden("approval_denied", reason);
    }
    TokenRecord token =
        store
            .token(tokenId)
            .orElseThrow(() -> ApiException.notFound("the authority minted no token " + tokenId));
    if (token.clientId().equals(approver)) {
      metrics.approval("denied");
      throw ApiException.forbidden(
          "self_approval",
          "client '"
              + approver
              + "' minted token "
              + tokenId
              + " and may not approve its calls; another approver of group '"
              + group
              + "' must");
    }
    Instant now = clock.instant();
    if (!now.isBefore(token.expiresAt())) {
      throw ApiException.conflict(
          "token_expired",
          "token " + tokenId + " expired at " + token.expiresAt() + "; nothing to approve");
    }

    ApprovalRequestRecord pending = store.pendingApprovalRequest(tokenId, digest, now).orElse(null);
    boolean quorum = policy.current().approvals().required(group) > 1;
    if (pending == null && !quorum) {
      return Reply.now(201, issue(approver, token, group, request, now, ttl));
    }
    // The call waits in a request (a gateway recorded it, or the group needs more approvers):
    // this approval is one answer to it, and the approval it may complete is the one the agent
    // polls for (the same text), so the call is approved once.
    if (pending == null) {
      pending =
          requests
              .record(
                  approver,
                  new ApprovalRequests.Submitted(
                      newRequestId(), tokenId, request, List.of(group), null, null))
              .request();
    } else if (!pending.groups().contains(group)) {
      throw ApiException.conflict(
          "group_not_asked",
          "the call waits in request "
              + pending.requestId()
              + " for an approver of "
              + String.join(" or ", pending.groups())
              + ", not of '"
              + group
              + "'");
    }
    Approver client =
        Approver.client(
            approver,
            java.util.Set.copyOf(
                policy.current().client(approver).map(c -> c.approves()).orElse(List.of())));
    AnswerOutcome outcome =
        requests.answer(
            client, pending.requestId(), ApprovalAnswer.Answer.APPROVE, group, null, ttl);
    ApprovalRequestRecord answered = outcome.request();
    if (outcome.kind() == AnswerOutcome.Kind.APPROVED) {
      String text =
          requests
              .approvalText(answered)
              .orElseThrow(() -> new IllegalStateException("the approval just issued is gone"));
      return Reply.now(
          201,
          new Approved(
              text,
              answered.approval().approvalId(),
              answered.requestDigest(),
              answered.approval().notAfter(),
              answered.requestId(),
              null));
    }
    return Reply.now(
        202,
        new Approved(
            null,
            null,
            answered.requestDigest(),
            null,
            answered.requestId(),
            requests.progress(answered)));
  }

  /** Issues an approval at once (no request waits for the call, one approver suffices). */
  private Approved issue(
      String approver,
      TokenRecord token,
      String group,
      Request request,
      Instant now,
      Duration ttl) {
    SigningKey rootKey = keys.signing();
    Approval issued =
        Approval.issue(rootKey, token.tokenId(), request, group, now.plus(ttl), random);
    String text = issued.text();
    Approval.Claims approval = issued.claims();
    Map<String, Object> detail =
        approveDetail(
            group,
            approval.approvalId(),
            approval.requestDigest(),
            approval.keyId(),
            request,
            approval.notAfter());
    // Audited before it is handed out: an approval nobody can account for never exists.
    audit.record("approve", approver, token.tokenId(), approver, detail);
    metrics.approval("issued");
    return new Approved(
        text, approval.approvalId(), approval.requestDigest(), approval.notAfter(), null, null);
  }

  /** What the audit trail says of an issued approval (never its text). */
  static Map<String, Object> approveDetail(
      String group,
      String approvalId,
      String requestDigest,
      String keyId,
      Request request,
      Instant notAfter) {
    String resource = request.resource();
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("group", group);
    detail.put("approvalId", approvalId);
    detail.put("requestDigest", requestDigest);
    detail.put("keyId", keyId);
    detail.put("audience", request.audience());
    detail.put("service", request.service());
    detail.put("action", request.action());
    detail.put("resource", audited(resource));
    detail.put("resourceTruncated", resource.length() > AUDITED_RESOURCE ? Boolean.TRUE : null);
    detail.put("expiresAt", notAfter.toString());
    return detail;
  }

  /** A new request id for a call an approver client brings before any gateway recorded it. */
  private String newRequestId() {
    byte[] id = new byte[16];
    random.nextBytes(id);
    return java.util.HexFormat.of().formatHex(id);
  }

  static String tokenId(String tokenId) {
    return Ids.required(
        "tokenId",
        tokenId,
        TOKEN_ID,
        "invalid_id",
        "tokenId must be 32 lowercase hex digits, as the authority issued it");
  }

  private static String group(String group) {
    if (group == null) {
      throw ApiException.badRequest(
          "missing_field", "the field 'group' is required: the approver group you approve for");
    }
    if (!Caveat.ApprovalRequired.GROUP.matcher(group).matches()) {
      throw ApiException.badRequest(
          "invalid_field",
          "group must be 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit");
    }
    return group;
  }

  static Request request(CallBody call) {
    if (call == null) {
      throw ApiException.badRequest(
          "missing_field",
          "the field 'request' is required: the call to approve, {audience, service, action,"
              + " resource, args}");
    }
    String audience = call.audience();
    if (audience != null) {
      text("request.audience", audience, 1, MAX_NAME);
    }
    text("request.service", call.service(), 1, MAX_NAME);
    text("request.action", call.action(), 1, MAX_NAME);
    text("request.resource", call.resource(), 0, MAX_RESOURCE);
    ObjectNode args = call.args();
    if (args != null) {
      int size = Json.write(args).getBytes(StandardCharsets.UTF_8).length;
      if (size > MAX_ARGS_BYTES) {
        throw ApiException.badRequest(
            "invalid_field",
            "request.args is " + size + " bytes as JSON; at most " + MAX_ARGS_BYTES + " allowed");
      }
    }
    Request request =
        new Request(audience, call.service(), call.action(), call.resource(), args, null);
    try {
      Approval.requestDigest(request);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "invalid_field",
          "request: "
              + e.getMessage()
              + "; the request digest cannot tell such a call from another, so it cannot be"
              + " approved");
    }
    return request;
  }

  /** At most {@value #AUDITED_RESOURCE} chars, never splitting a surrogate pair. */
  static String audited(String resource) {
    if (resource.length() <= AUDITED_RESOURCE) {
      return resource;
    }
    int end = AUDITED_RESOURCE;
    if (Character.isHighSurrogate(resource.charAt(end - 1))) {
      end--;
    }
    return resource.substring(0, end);
  }

  private static void text(String field, String value, int min, int max) {
    Ids.required(field, value);
    if (value.length() < min || value.length() > max) {
      throw ApiException.badRequest(
          "invalid_field", field + " must be " + min + " to " + max + " characters");
    }
  }
}
