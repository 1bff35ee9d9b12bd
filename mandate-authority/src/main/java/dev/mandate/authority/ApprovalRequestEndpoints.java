package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.store.ApprovalAnswer;
import dev.mandate.authority.store.ApprovalRequestOutcome;
import dev.mandate.authority.store.ApprovalRequestRecord;
import dev.mandate.authority.store.ApprovalRequestRecord.Status;
import dev.mandate.caveat.Caveat;
import dev.mandate.policy.ClientPolicy;
import dev.mandate.token.Request;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Approval requests over HTTP (docs/architecture.md, "Approval requests"). The agent's side follows
 * the OpenID AuthZEN Access Request and Approval Profile (ARAP, draft 1) where it fits: the gateway
 * is the PEP that submits the request, the request id it puts in its denial is the task handle, and
 * the task status endpoint answers {@code pending}, {@code approved} (with a {@code reevaluate}
 * result whose {@code approval_context} carries the approval the retry presents), {@code denied}
 * (refused) or {@code expired}.
 *
 * <ul>
 *   <li>{@code POST /v1/approval-requests} (clients with {@code role: gateway}, else 403 {@code
 *       not_a_gateway}, the body unread): records a call the gateway denied for want of an
 *       approval: {@code {"requestId", "tokenId", "approverGroups": [..], "request": {audience,
 *       service, action, resource, args}, "display"?: {..}, "holder"?}}. 201 when recorded, 200
 *       when the id or the call was already waiting (the answer names the request the id now stands
 *       for); 429 {@code too_many_pending}.
 *   <li>{@code GET /v1/approval-requests/{id}/task} (the capability the request is for, in {@code
 *       Authorization: Bearer} or {@code DPoP}; no client credentials): the ARAP task; {@code
 *       ?wait=MS} (at most {@value RevocationEndpoints#MAX_WAIT_MS}) waits for a pending task to
 *       change, and {@code Accept: text/event-stream} streams it ({@code event: task}) until it
 *       ends. 404 {@code unknown_task} for an unknown id and for a capability that is not the
 *       request's (or not valid here) alike.
 *   <li>{@code GET /v1/approval-requests} (approver clients: pending requests of the groups their
 *       policy {@code approves}; an admin with {@code ?all=true}: every request, newest first) and
 *       {@code GET /v1/approval-requests/{id}} (an approver of one of its groups, or an admin): the
 *       request with its call, the gateway's account of it, each group's progress and every answer;
 *       never the approval.
 *   <li>{@code POST /v1/approval-requests/{id}/approve} ({@code {"group"?, "ttl"?}}) and {@code
 *       .../refuse} ({@code {"reason"?}}) (approver clients): answers it; see {@link
 *       ApprovalRequests#answer}. The approval goes to the agent, not to the approver.
 * </ul>
 */
final class ApprovalRequestEndpoints extends Endpoints {
  static final String PATH = "/v1/approval-requests";
  static final String TASK_PATH = "/task";
  static final Duration STREAM_LIFE = Duration.ofMinutes(10);
  static final int MAX_DISPLAY_BYTES = 64 * 1024;
  private static final Pattern REQUEST_ID = Pattern.compile("[0-9a-z_-]{16,64}");

  private final ApprovalRequests requests;
  private final Executor executor;
  private final Supplier<String> baseUrl;

  record CreateBody(
      String requestId,
      String tokenId,
      List<String> approverGroups,
      ApprovalEndpoints.CallBody request,
      ObjectNode display,
      String holder) {}

  /**
   * A recorded request: the id it goes by, its status, where the agent polls, and how long it stays
   * open (seconds; ARAP's {@code expires_in}), which a gateway keeps reusing the id for.
   */
  record Recorded(
      String requestId, String status, String statusEndpoint, Instant expiresAt, long expiresIn) {}

  record AnswerBody(String group, String ttl, String reason) {}

  record AnswerView(String approver, String group, String answer, String reason, Instant at) {}

  /** A request as an approver sees it (never the approval's text). */
  record RequestView(
      String requestId,
      String status,
      String tokenId,
      String client,
      String holder,
      String requestedBy,
      Instant requestedAt,
      Instant expiresAt,
      Instant decidedAt,
      List<String> approverGroups,
      String requestDigest,
      JsonNode request,
      JsonNode display,
      List<ApprovalRequests.GroupProgress> progress,
      List<AnswerView> answers,
      String approvalId,
      Instant approvalExpiresAt) {}

  record Inbox(List<RequestView> requests) {}

  ApprovalRequestEndpoints(
      Parts parts, ApprovalRequests requests, Executor executor, Supplier<String> baseUrl) {
    super(parts);
    this.requests = requests;
    this.executor = executor;
    this.baseUrl = baseUrl;
  }

  @Override
  List<Route> routes() {
    return List.of(
        new Route("POST", "/v1/approval-requests", Route.Access.CLIENT, this::create),
        new Route("GET", "/v1/approval-requests", Route.Access.CLIENT, this::list),
        new Route("GET", "/v1/approval-requests/{id}", Route.Access.CLIENT, this::get),
        new Route(
            "POST",
            "/v1/approval-requests/{id}/approve",
            Route.Access.CLIENT,
            call -> answer(call, ApprovalAnswer.Answer.APPROVE)),
        new Route(
            "POST",
            "/v1/approval-requests/{id}/refuse",
            Route.Access.CLIENT,
            call -> answer(call, ApprovalAnswer.Answer.REFUSE)),
        new Route("GET", PATH + "/{id}" + TASK_PATH, Route.Access.PUBLIC, this::task));
  }

  // ---- the gateway's side ----

  private CompletionStage<Reply> create(Call call) {
    // Checked before the body is read: only a gateway saw the denied call.
    String client = requireGateway(call, "record approval requests");
    CreateBody body = call.body(CreateBody.class);
    String requestId = requestId(body.requestId());
    String tokenId = ApprovalEndpoints.tokenId(body.tokenId());
    List<String> groups = groups(body.approverGroups());
    Request request = ApprovalEndpoints.request(body.request());
    ObjectNode display = body.display();
    if (display != null
        && Json.write(display).getBytes(StandardCharsets.UTF_8).length > MAX_DISPLAY_BYTES) {
      throw ApiException.badRequest(
          "invalid_field", "display is larger than " + MAX_DISPLAY_BYTES + " bytes as JSON");
    }
    String holder = body.holder();
    if (holder != null && (holder.isEmpty() || holder.length() > 256)) {
      throw ApiException.badRequest("invalid_field", "holder must be 1 to 256 characters");
    }
    ApprovalRequestOutcome outcome =
        requests.record(
            client,
            new ApprovalRequests.Submitted(requestId, tokenId, request, groups, display, holder));
    ApprovalRequestRecord r = outcome.request();
    return Reply.now(
        outcome.kind() == ApprovalRequestOutcome.Kind.CREATED ? 201 : 200,
        new Recorded(
            r.requestId(),
            status(r),
            statusEndpoint(requestId),
            r.expiresAt(),
            Math.max(0, Duration.between(clock.instant(), r.expiresAt()).getSeconds())));
  }

  private static String requestId(String id) {
    return Ids.required(
        "requestId",
        id,
        REQUEST_ID,
        "invalid_id",
        "requestId must be 16 to 64 of a-z 0-9 _ -, as the gateway made it");
  }

  private static List<String> groups(List<String> groups) {
    if (groups == null || groups.isEmpty() || groups.size() > ApprovalRequestRecord.MAX_GROUPS) {
      throw ApiException.badRequest(
          groups == null ? "missing_field" : "invalid_field",
          "approverGroups must hold 1 to "
              + ApprovalRequestRecord.MAX_GROUPS
              + " approver groups, those the capability's approval caveats accept");
    }
    for (String g : groups) {
      if (g == null || !Caveat.ApprovalRequired.GROUP.matcher(g).matches()) {
        throw ApiException.badRequest(
            "invalid_field",
            "approverGroups: each is 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit");
      }
    }
    return List.copyOf(new java.util.LinkedHashSet<>(groups));
  }

  // ---- the agent's side (ARAP task) ----

  private CompletionStage<Reply> task(Call call) {
    String id = call.path("id");
    String capability = capability(call.header(HttpHeader.AUTHORIZATION));
    if (capability == null) {
      return CompletableFuture.completedFuture(
          Replies.unauthenticated(
              "Bearer realm=\"mandate\"",
              "present the capability the approval request is for: Authorization: Bearer"
                  + " <capability>"));
    }
    if (!REQUEST_ID.matcher(id).matches()) {
      throw unknownTask();
    }
    // The version before the state is read: a change from here on wakes a long-poll's wait at once.
    long since = requests.changes().version();
    ApprovalRequestRecord first = entitledRequest(id, capability);
    if (ServerSentEvents.requested(call.request())) {
      String[] last = {null};
      return CompletableFuture.completedFuture(
          new EventStream(
                  requests.changes(),
                  executor,
                  STREAM_LIFE,
                  firstFrame -> {
                    // Read again even for the first frame: the stream's wait starts from the
                    // version read just before this, so a change since `first` was read is shown.
                    ApprovalRequestRecord r = entitledRequest(id, capability);
                    String json = Json.write(taskJson(id, r));
                    boolean ended = !status(r).equals("pending");
                    if (json.equals(last[0])) {
                      return new EventStream.Frame("", ended);
                    }
                    last[0] = json;
                    return new EventStream.Frame(EventStream.event("task", json), ended);
                  })
              .reply());
    }
    long waitMs =
        RevocationEndpoints.longParam(call, "wait", 0, RevocationEndpoints.MAX_WAIT_MS, 0);
    String seen = Json.write(taskJson(id, first));
    if (waitMs == 0 || !status(first).equals("pending")) {
      return Reply.now(200, Json.tree(seen));
    }
    Runnable release = requests.changes().watch();
    CompletionStage<Reply> answer;
    try {
      answer =
          requests
              .changes()
              .awaitChange(
                  () -> Json.write(taskJson(id, entitledRequest(id, capability))),
                  seen,
                  since,
                  Duration.ofMillis(waitMs),
                  executor)
              .thenApply(json -> Reply.of(200, Json.tree(json)));
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    return answer.whenComplete((reply, failure) -> release.run());
  }

  /** The request, if the capability entitles its presenter to it; else 404, as for none. */
  private ApprovalRequestRecord entitledRequest(String id, String capability) {
    ApprovalRequestRecord r;
    try {
      r = requests.get(id);
    } catch (ApiException e) {
      throw unknownTask();
    }
    if (!requests.entitled(capability, r)) {
      throw unknownTask();
    }
    return r;
  }

  /** The capability in {@code Authorization: Bearer} or {@code DPoP}, or null. */
  static String capability(String authorization) {
    if (authorization == null) {
      return null;
    }
    String a = authorization.strip();
    int space = a.indexOf(' ');
    if (space < 0) {
      return null;
    }
    String scheme = a.substring(0, space).toLowerCase(Locale.ROOT);
    String value = a.substring(space + 1).strip();
    return (scheme.equals("bearer") || scheme.equals("dpop")) && !value.isEmpty() ? value : null;
  }

  private static ApiException unknownTask() {
    return new ApiException(
        404,
        "unknown_task",
        "no approval request with this id is known for the capability presented");
  }

  /**
   * The task as ARAP shapes it: {@code task} ({@code id}, {@code status}, {@code status_endpoint},
   * {@code expires_at}, {@code progress.awaiting}, {@code display}, and Mandate's {@code
   * dev.mandate/quorum}), and for an approved task the {@code reevaluate} {@code result}.
   */
  ObjectNode taskJson(String id, ApprovalRequestRecord r) {
    String status = status(r);
    ObjectNode out = Json.MAPPER.createObjectNode();
    ObjectNode task = out.putObject("task");
    task.put("id", id);
    task.put("status", status);
    task.put("status_endpoint", statusEndpoint(id));
    task.put("expires_at", r.expiresAt().toString());
    List<ApprovalRequests.GroupProgress> progress = requests.progress(r);
    ArrayNode quorum = task.putArray("dev.mandate/quorum");
    List<String> awaiting = new ArrayList<>();
    for (ApprovalRequests.GroupProgress p : progress) {
      quorum
          .addObject()
          .put("group", p.group())
          .put("approvals", p.approvals())
          .put("required", p.required());
      if (p.approvals() < p.required()) {
        awaiting.add(p.group());
      }
    }
    ObjectNode display = task.putObject("display");
    switch (status) {
      case "pending" -> {
        ArrayNode a = task.putObject("progress").putArray("awaiting");
        awaiting.forEach(a::add);
        display.put("title", "Waiting for a person's approval");
        display.put(
            "description",
            "an approver of "
                + String.join(" or ", r.groups())
                + " is asked to approve this exact call; retry it with the approval once approved");
      }
      case "approved" -> {
        display.put("title", "Approved");
        display.put(
            "description", "retry the call once with the approval in result.approval_context");
        ObjectNode result = out.putObject("result");
        result.put("mode", "reevaluate");
        ObjectNode approval = result.putObject("approval");
        approval.put("id", r.approval().approvalId());
        approval.put("approved_at", r.decidedAt().toString());
        approval.put("approved_until", r.approval().notAfter().toString());
        result
            .putObject("approval_context")
            .put("mandate_approval", requests.approvalText(r).orElseThrow());
      }
      case "denied" -> {
        display.put("title", "Refused");
        String reason = refusalReason(r);
        display.put(
            "description", "an approver refused this call" + (reason == null ? "" : ": " + reason));
        task.put("dev.mandate/refused_at", r.decidedAt().toString());
      }
      default -> {
        display.put("title", "Expired");
        display.put(
            "description",
            r.status() == Status.APPROVED
                ? "the approval expired unused; call again to ask anew"
                : "no approver answered in time; call again to ask anew");
      }
    }
    return out;
  }

  /**
   * ARAP's status of a request now: {@code pending}, {@code approved}, {@code denied} (refused) or
   * {@code expired} (also an approval past its expiry, or signed by a key retired since).
   */
  String status(ApprovalRequestRecord r) {
    Instant now = clock.instant();
    return switch (r.statusAt(now)) {
      case PENDING -> "pending";
      case REFUSED -> "denied";
      case EXPIRED -> "expired";
      case APPROVED ->
          now.isBefore(r.approval().notAfter()) && requests.approvalText(r).isPresent()
              ? "approved"
              : "expired";
    };
  }

  private static String refusalReason(ApprovalRequestRecord r) {
    for (ApprovalAnswer a : r.answers()) {
      if (a.answer() == ApprovalAnswer.Answer.REFUSE && a.reason() != null) {
        return a.reason();
      }
    }
    return null;
  }

  String statusEndpoint(String id) {
    return baseUrl.get() + "/v1/approval-requests/" + id + TASK_PATH;
  }

  // ---- the approvers' side ----

  private Approver approver(Call call) {
    String id = call.client().clientId();
    Set<String> approves =
        Set.copyOf(policy.current().client(id).map(ClientPolicy::approves).orElse(List.of()));
    return Approver.client(id, approves);
  }

  private CompletionStage<Reply> list(Call call) {
    boolean all = "true".equals(call.query("all"));
    if (all && !call.admin()) {
      throw ApiException.forbidden("admin_required", "?all=true lists every request: admins only");
    }
    List<ApprovalRequestRecord> found =
        all ? requests.all(false, ApprovalRequests.INBOX_LIMIT) : requests.inbox(approver(call));
    return Reply.now(200, new Inbox(found.stream().map(this::view).toList()));
  }

  private CompletionStage<Reply> get(Call call) {
    ApprovalRequestRecord r = requests.get(call.path("id"));
    if (!call.admin() && ApprovalRequests.eligible(approver(call), r).isEmpty()) {
      // Not told apart from an unknown id: a request shows agents' calls to their approvers only.
      throw new ApiException(
          404, "unknown_task", "there is no approval request " + Router.printable(call.path("id")));
    }
    return Reply.now(200, view(r));
  }

  private CompletionStage<Reply> answer(Call call, ApprovalAnswer.Answer answer) {
    AnswerBody body = call.optionalBody(AnswerBody.class);
    String group = body == null ? null : body.group();
    if (group != null && !Caveat.ApprovalRequired.GROUP.matcher(group).matches()) {
      throw ApiException.badRequest(
          "invalid_field",
          "group must be 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit");
    }
    Duration ttl = ApprovalEndpoints.DEFAULT_TTL;
    if (body != null && body.ttl() != null) {
      ttl = CapabilityEndpoints.ttl(body.ttl());
      if (ttl.compareTo(ApprovalEndpoints.MAX_TTL) > 0) {
        throw ApiException.badRequest(
            "invalid_field", "ttl: an approval lives at most 1h; ask for 1h or less (default 10m)");
      }
    }
    String reason = body == null ? null : Ids.reason(body.reason(), false);
    if (answer == ApprovalAnswer.Answer.APPROVE && reason != null) {
      throw ApiException.badRequest("invalid_field", "reason is for a refusal");
    }
    var outcome = requests.answer(approver(call), call.path("id"), answer, group, reason, ttl);
    return Reply.now(200, view(outcome.request()));
  }

  RequestView view(ApprovalRequestRecord r) {
    List<AnswerView> answers =
        r.answers().stream()
            .map(
                a ->
                    new AnswerView(
                        a.approver(),
                        a.group(),
                        a.answer().name().toLowerCase(Locale.ROOT),
                        a.reason(),
                        a.at()))
            .toList();
    return new RequestView(
        r.requestId(),
        r.statusAt(clock.instant()).name().toLowerCase(Locale.ROOT),
        r.tokenId(),
        r.tokenClientId(),
        r.holder(),
        r.requestedBy(),
        r.requestedAt(),
        r.expiresAt(),
        r.decidedAt(),
        r.groups(),
        r.requestDigest(),
        Json.tree(r.requestJson()),
        r.displayJson() == null ? null : Json.tree(r.displayJson()),
        requests.progress(r),
        answers,
        r.approval() == null ? null : r.approval().approvalId(),
        r.approval() == null ? null : r.approval().notAfter());
  }
}
