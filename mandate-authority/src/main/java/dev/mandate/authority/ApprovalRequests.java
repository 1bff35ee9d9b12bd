package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.store.AnswerOutcome;
import dev.mandate.authority.store.AnswerRules;
import dev.mandate.authority.store.ApprovalAnswer;
import dev.mandate.authority.store.ApprovalRequestOutcome;
import dev.mandate.authority.store.ApprovalRequestRecord;
import dev.mandate.authority.store.ApprovalRequestRecord.IssuedApproval;
import dev.mandate.authority.store.AuditEvent;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.TokenRecord;
import dev.mandate.crypto.SigningKey;
import dev.mandate.policy.ApprovalSettings;
import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import dev.mandate.token.Verifier;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Calls that wait for a person's approval, and their answers: what the JSON API and the console's
 * inbox share (docs/architecture.md, "Approval requests").
 *
 * <ul>
 *   <li>A gateway records a call it denied for want of an approval ({@link #record}); the same call
 *       recorded again while a request for it is open becomes another name of that request.
 *   <li>Approvers answer ({@link #answer}): an approver of one of the request's groups approves or
 *       refuses, once; a refusal refuses the request; an approval is counted towards each of the
 *       approver's groups the request names, and when the distinct approvers of one group reach the
 *       policy's {@code approvals.groups.G.required} (1 unless it says more) the approval is
 *       issued, exactly as {@code POST /v1/approvals} issues one (spec §7.1), naming that group. An
 *       approver outside the request's groups, or who minted the capability, is refused, and the
 *       refusal audited.
 *   <li>The agent whose capability it is learns the answer ({@link #entitled}, {@link
 *       #approvalText}): the approval's text is re-derived from its stored claims with the root key
 *       that signed it, so it is never stored.
 * </ul>
 *
 * Every recording, answer and refusal is audited ({@code approve.request}, {@code approve.answer},
 * {@code approve}, {@code approve.refuse}, {@code approve.denied}); answers and their audit records
 * are written in one transaction.
 */
final class ApprovalRequests {
  /** Most pending requests one capability may have at once (a gateway's flood stops here). */
  static final int MAX_PENDING_PER_TOKEN = 64;

  /** Most requests an approver's inbox lists. */
  static final int INBOX_LIMIT = 200;

  private final AuthorityStore store;
  private final RootKeys keys;
  private final PolicyReloader policy;
  private final AuditTrail audit;
  private final Metrics metrics;
  private final Clock clock;
  private final SecureRandom random;
  private final ApprovalChanges changes;
  private final Verifier verifier;

  /**
   * A call as a gateway recorded it.
   *
   * @param requestId the id the gateway gave it (and told the agent)
   * @param request the call exactly as decided, whose digest the approval must name
   * @param groups the approver groups any of which may approve it
   * @param display the gateway's account of it for people, or null
   * @param holder the holder key id of the capability, or null
   */
  record Submitted(
      String requestId,
      String tokenId,
      Request request,
      List<String> groups,
      ObjectNode display,
      String holder) {}

  /** One group's progress towards its quorum. */
  record GroupProgress(String group, int approvals, int required) {}

  ApprovalRequests(Endpoints.Parts parts, ApprovalChanges changes) {
    this.store = parts.store();
    this.keys = parts.keys();
    this.policy = parts.policy();
    this.audit = parts.audit();
    this.metrics = parts.metrics();
    this.clock = parts.clock();
    this.random = parts.random();
    this.changes = changes;
    this.verifier =
        Verifier.builder().trustedKeys(keys.trusted()).clock(clock).revoked(store::revoked).build();
  }

  ApprovalChanges changes() {
    return changes;
  }

  /**
   * Records a call waiting for approval, as {@code recordedBy} (a gateway, or an approver client).
   *
   * @throws ApiException 404 if the authority minted no such token, 409 {@code token_expired} if it
   *     has expired, 429 {@code too_many_pending} if it has {@value #MAX_PENDING_PER_TOKEN} pending
   *     requests already
   */
  ApprovalRequestOutcome record(String recordedBy, Submitted s) {
    TokenRecord token =
        store
            .token(s.tokenId())
            .orElseThrow(
                () -> ApiException.notFound("the authority minted no token " + s.tokenId()));
    Instant now = clock.instant();
    if (!now.isBefore(token.expiresAt())) {
      throw ApiException.conflict(
          "token_expired",
          "token " + s.tokenId() + " expired at " + token.expiresAt() + "; nothing to approve");
    }
    Instant expires = now.plus(policy.current().approvals().requestTtl());
    if (expires.isAfter(token.expiresAt())) {
      expires = token.expiresAt();
    }
    String digest = Approval.requestDigest(s.request());
    ApprovalRequestOutcome outcome =
        store.recordApprovalRequest(
            new ApprovalRequestRecord(
                s.requestId(),
                s.tokenId(),
                token.clientId(),
                digest,
                s.groups(),
                Json.write(callJson(s.request())),
                s.display() == null ? null : Json.write(s.display()),
                s.holder(),
                recordedBy,
                now,
                expires,
                ApprovalRequestRecord.Status.PENDING,
                null,
                null,
                List.of()),
            MAX_PENDING_PER_TOKEN);
    switch (outcome.kind()) {
      case LIMITED ->
          throw new ApiException(
              429,
              "too_many_pending",
              "token "
                  + s.tokenId()
                  + " already has "
                  + MAX_PENDING_PER_TOKEN
                  + " approval requests waiting; answer or let them expire first");
      case CREATED -> {
        Map<String, Object> detail = callDetail(outcome.request(), s.request());
        detail.put("approverGroups", s.groups());
        detail.put("expiresAt", expires.toString());
        audit.record("approve.request", recordedBy, s.tokenId(), token.clientId(), detail);
        changes.changed();
      }
      default -> {
        // EXISTING, ATTACHED: the call is already waiting; nothing new to tell anyone.
      }
    }
    return outcome;
  }

  /**
   * Returns the request an id names (its own or the one it was attached to).
   *
   * @throws ApiException 404 if there is none
   */
  ApprovalRequestRecord get(String requestId) {
    return store.approvalRequest(requestId).orElseThrow(() -> unknown(requestId));
  }

  /** The pending requests the approver may answer, newest first (at most {@value #INBOX_LIMIT}). */
  List<ApprovalRequestRecord> inbox(Approver approver) {
    if (approver.groups().isEmpty()) {
      return List.of();
    }
    return store.approvalRequests(approver.groups(), true, clock.instant(), INBOX_LIMIT);
  }

  /** Requests of every group, pending or not, newest first (an admin's view). */
  List<ApprovalRequestRecord> all(boolean pendingOnly, int limit) {
    return store.approvalRequests(null, pendingOnly, clock.instant(), limit);
  }

  /** The groups of the request the approver may answer for, in the request's order. */
  static List<String> eligible(Approver approver, ApprovalRequestRecord r) {
    return r.groups().stream().filter(approver.groups()::contains).toList();
  }

  /**
   * Records an approver's answer.
   *
   * @param group the one group to answer for, or null for each of the request's groups the approver
   *     may answer for
   * @param reason why (kept with a refusal and shown to the agent), or null
   * @param ttl how long an approval this answer issues holds (at most 1h)
   * @return what the answer did: {@code COUNTED}, {@code APPROVED} or {@code REFUSED}
   * @throws ApiException 404 for an unknown request; 403 {@code approval_denied} (audited) when the
   *     approver may answer for none of its groups (or not for {@code group}), 403 {@code
   *     self_approval} (audited) when the approver minted the capability; 409 {@code
   *     already_answered} or {@code request_closed} (approved, refused or expired)
   */
  AnswerOutcome answer(
      Approver approver,
      String requestId,
      ApprovalAnswer.Answer answer,
      String group,
      String reason,
      Duration ttl) {
    ApprovalRequestRecord r = get(requestId);
    List<String> groups = eligible(approver, r);
    if (group != null) {
      groups = groups.contains(group) ? List.of(group) : List.of();
    }
    if (groups.isEmpty()) {
      String why =
          approver.actor()
              + " may not answer request "
              + r.requestId()
              + ": it is for "
              + String.join(" or ", r.groups())
              + (group == null ? "" : " (asked to answer for '" + group + "')")
              + ", and "
              + (approver.groups().isEmpty()
                  ? "it approves for no group"
                  : "it approves for "
                      + String.join(", ", new java.util.TreeSet<>(approver.groups())));
      denied(approver, r, why);
      throw ApiException.forbidden("approval_denied", why);
    }
    TokenRecord token = store.token(r.tokenId()).orElseThrow(() -> unknown(requestId));
    if (approver.minted(token)) {
      String why =
          approver.actor()
              + " minted token "
              + r.tokenId()
              + " and may not approve its calls; another approver of "
              + String.join(" or ", r.groups())
              + " must";
      denied(approver, r, why);
      throw ApiException.forbidden("self_approval", why);
    }
    Instant now = clock.instant();
    List<ApprovalAnswer> answers = new ArrayList<>();
    for (String g : groups) {
      answers.add(new ApprovalAnswer(approver.id(), g, answer, reason, now));
    }
    AnswerOutcome outcome =
        store.answerApprovalRequest(r.requestId(), answers, rules(approver, ttl, now));
    switch (outcome.kind()) {
      case UNKNOWN -> throw unknown(requestId);
      case ALREADY_ANSWERED ->
          throw ApiException.conflict(
              "already_answered",
              approver.actor() + " has already answered request " + r.requestId());
      case CLOSED ->
          throw ApiException.conflict(
              "request_closed",
              "request "
                  + r.requestId()
                  + " is "
                  + outcome.request().statusAt(now).name().toLowerCase(java.util.Locale.ROOT)
                  + "; it takes no more answers");
      default -> {
        metrics.approval(
            switch (outcome.kind()) {
              case APPROVED -> "issued";
              case REFUSED -> "refused";
              default -> "counted";
            });
        changes.changed();
      }
    }
    return outcome;
  }

  private void denied(Approver approver, ApprovalRequestRecord r, String why) {
    metrics.approval("denied");
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("reason", why);
    detail.put("approver", approver.id());
    detail.put("requestId", r.requestId());
    detail.put("approverGroups", r.groups());
    detail.put("requestDigest", r.requestDigest());
    audit.record("approve.denied", approver.actor(), r.tokenId(), r.tokenClientId(), detail);
  }

  private AnswerRules rules(Approver approver, Duration ttl, Instant now) {
    ApprovalSettings settings = policy.current().approvals();
    return new AnswerRules() {
      @Override
      public int required(String group) {
        return settings.required(group);
      }

      @Override
      public IssuedApproval issue(String group, ApprovalRequestRecord r) {
        SigningKey key = keys.signing();
        byte[] id = new byte[16];
        random.nextBytes(id);
        Approval.Claims claims =
            new Approval.Claims(
                key.verifyingKey().keyId(),
                r.tokenId(),
                r.requestDigest(),
                group,
                HexFormat.of().formatHex(id),
                Instant.ofEpochSecond(now.plus(ttl).getEpochSecond()));
        Approval.sign(key, claims); // fails here, before anything is stored, if a claim is bad
        return new IssuedApproval(group, claims.approvalId(), claims.keyId(), claims.notAfter());
      }

      @Override
      public List<AuditEvent> audit(AnswerOutcome outcome) {
        ApprovalRequestRecord r = outcome.request();
        Request call = call(r);
        List<AuditEvent> events = new ArrayList<>();
        Map<String, Object> detail = callDetail(r, call);
        List<String> groups = new ArrayList<>();
        String reason = null;
        for (ApprovalAnswer a : r.answers()) {
          if (a.approver().equals(approver.id())) {
            groups.add(a.group());
            reason = a.reason();
          }
        }
        detail.put("approver", approver.id());
        detail.put("groups", groups);
        if (outcome.kind() == AnswerOutcome.Kind.REFUSED) {
          if (reason != null) {
            detail.put("reason", reason);
          }
          events.add(
              audit.event(
                  "approve.refuse", approver.actor(), r.tokenId(), r.tokenClientId(), detail));
          return events;
        }
        List<Map<String, Object>> progress = new ArrayList<>();
        for (GroupProgress p : progress(r)) {
          progress.add(
              Map.of("group", p.group(), "approvals", p.approvals(), "required", p.required()));
        }
        detail.put("progress", progress);
        events.add(
            audit.event(
                "approve.answer", approver.actor(), r.tokenId(), r.tokenClientId(), detail));
        if (outcome.kind() == AnswerOutcome.Kind.APPROVED) {
          IssuedApproval issued = r.approval();
          Map<String, Object> approve =
              ApprovalEndpoints.approveDetail(
                  issued.group(),
                  issued.approvalId(),
                  r.requestDigest(),
                  issued.keyId(),
                  call,
                  issued.notAfter());
          approve.put("requestId", r.requestId());
          approve.put("approvers", approvers(r, issued.group()));
          events.add(
              audit.event("approve", approver.actor(), r.tokenId(), r.tokenClientId(), approve));
        }
        return events;
      }
    };
  }

  /** The distinct approvers who approved for {@code group}, in the order they did. */
  static List<String> approvers(ApprovalRequestRecord r, String group) {
    Set<String> out = new LinkedHashSet<>();
    for (ApprovalAnswer a : r.answers()) {
      if (a.group().equals(group) && a.answer() == ApprovalAnswer.Answer.APPROVE) {
        out.add(a.approver());
      }
    }
    return List.copyOf(out);
  }

  /** Each group's approvals so far and the policy's quorum for it, in the request's order. */
  List<GroupProgress> progress(ApprovalRequestRecord r) {
    ApprovalSettings settings = policy.current().approvals();
    List<GroupProgress> out = new ArrayList<>();
    for (String g : r.groups()) {
      out.add(new GroupProgress(g, approvers(r, g).size(), settings.required(g)));
    }
    return out;
  }

  /**
   * Whether {@code presented} (a capability's text) entitles its holder to the request's answer: it
   * is a valid capability of this authority here (signature, not revoked, not expired, for the
   * call's audience) with the request's token id, which a holder's delegates share. Never throws.
   */
  boolean entitled(String presented, ApprovalRequestRecord r) {
    if (presented == null || presented.isEmpty()) {
      return false;
    }
    try {
      if (!Capability.decode(presented).tokenId().equals(r.tokenId())) {
        return false;
      }
      Decision d = verifier.authenticate(Presentation.of(presented), call(r));
      // A holder-bound capability is not asked for a proof here: the approval is of no use to
      // anyone who lacks the holder's key, which the gateway still requires with the call.
      return d.allowed() || d.code() == Decision.Code.PROOF_REQUIRED;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The approval an approved request issued, re-derived from its claims with the root key that
   * signed it; empty if the request is not approved, or that key was retired since (then the
   * approval would not verify anyway).
   */
  Optional<String> approvalText(ApprovalRequestRecord r) {
    IssuedApproval a = r.approval();
    if (a == null) {
      return Optional.empty();
    }
    return keys.signing(a.keyId())
        .map(
            key ->
                Approval.sign(
                        key,
                        new Approval.Claims(
                            a.keyId(),
                            r.tokenId(),
                            r.requestDigest(),
                            a.group(),
                            a.approvalId(),
                            a.notAfter()))
                    .text());
  }

  /** The call a request holds, as the gateway decided it. */
  static Request call(ApprovalRequestRecord r) {
    JsonNode n = Json.tree(r.requestJson());
    JsonNode args = n.get("args");
    return new Request(
        n.path("audience").isTextual() ? n.get("audience").textValue() : null,
        n.path("service").asText(),
        n.path("action").asText(),
        n.path("resource").asText(),
        args != null && args.isObject() ? (ObjectNode) args : null,
        null);
  }

  /** A call as JSON, in the shape {@code POST /v1/approvals} takes. */
  static ObjectNode callJson(Request request) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    if (request.audience() != null) {
      n.put("audience", request.audience());
    }
    n.put("service", request.service());
    n.put("action", request.action());
    n.put("resource", request.resource());
    n.set("args", request.args().deepCopy());
    return n;
  }

  /** What the audit trail says of a request's call (the resource cut to 1024 characters). */
  private static Map<String, Object> callDetail(ApprovalRequestRecord r, Request call) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("requestId", r.requestId());
    detail.put("requestDigest", r.requestDigest());
    detail.put("audience", call.audience());
    detail.put("service", call.service());
    detail.put("action", call.action());
    detail.put("resource", ApprovalEndpoints.audited(call.resource()));
    detail.put(
        "resourceTruncated",
        call.resource().length() > ApprovalEndpoints.AUDITED_RESOURCE ? Boolean.TRUE : null);
    return detail;
  }

  private static ApiException unknown(String requestId) {
    return new ApiException(
        404, "unknown_task", "there is no approval request " + Router.printable(requestId));
  }
}
