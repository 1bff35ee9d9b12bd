package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.ApprovalHeader;
import dev.mandate.gateway.CallGuard;
import dev.mandate.gateway.GuardResult;
import dev.mandate.gateway.UnreadBodies;
import dev.mandate.gateway.mcp.CallMapping.Mapped;
import dev.mandate.gateway.mcp.CallMapping.Outcome;
import dev.mandate.gateway.mcp.CallMapping.Refused;
import dev.mandate.gateway.mcp.McpConfig.Http;
import dev.mandate.gateway.mcp.McpConfig.Stdio;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import dev.mandate.server.ProblemResponses;
import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.wire.JsonRpcErrors;
import dev.mandate.wire.MandateHeaders;
import dev.mandate.wire.McpNames;
import dev.mandate.wire.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Streamable HTTP endpoint of one upstream: POST carries the agent's JSON-RPC messages, GET
 * opens the stream of the server's own messages, DELETE ends the session. A request is answered
 * from the thread that delivers the upstream's response, so no thread waits on a plain call; a
 * request that gets progress, server requests, keep-alive comments or its timeout first is handed
 * to a thread of the server's pool, which relays its messages until the response (bounded by the
 * call timeout and by the session limit). {@code initialize} is always relayed by a thread.
 */
final class McpEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(McpEndpoint.class);
  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";
  static final Set<String> PROTOCOL_VERSIONS =
      Set.of("2024-10-07", "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25");
  private static final long KEEP_ALIVE_SECONDS = 15;

  private final Upstream upstream;
  private final McpConfig config;
  private final CallGuard guard;
  private final HttpClient httpClient;
  private final Clock clock;
  private final Map<String, McpSession> sessions = new ConcurrentHashMap<>();
  // Admission and the insertion of an admitted session are one step, so a flood of initialize
  // requests cannot overshoot the session limits.
  private final Object admission = new Object();
  private final SessionAdmission.Limits limits;
  private final MethodAllowlist methods;
  private final ClientFeatures clientFeatures;
  private final Disclosure disclosure;
  private final SessionAccess sessionAccess;

  McpEndpoint(
      Upstream upstream, McpConfig config, CallGuard guard, HttpClient httpClient, Clock clock) {
    this.upstream = upstream;
    this.config = config;
    this.guard = guard;
    this.httpClient = httpClient;
    this.clock = clock;
    this.limits =
        new SessionAdmission.Limits(
            upstream.maxSessions(),
            upstream.maxSessionsPerOwner(),
            upstream.maxSessionsPerClient());
    this.methods = MethodAllowlist.standardAnd(upstream.allowMethods());
    this.clientFeatures = new ClientFeatures(upstream.roots());
    this.disclosure = new Disclosure(upstream);
    this.sessionAccess = new SessionAccess(guard, upstream.service());
  }

  String path() {
    return upstream.path();
  }

  int sessionCount() {
    return sessions.size();
  }

  /** Hands requests answered async whose keep-alive or timeout is due to threads. */
  void wakeOverdue() {
    for (McpSession s : sessions.values()) {
      s.wakeOverdue();
    }
  }

  /** Closes sessions idle for longer than the configured timeout. */
  void closeIdleSessions() {
    for (McpSession s : sessions.values()) {
      if (s.idleFor(config.sessionIdleTimeout())) {
        LOG.debug("closing idle session {} of {}", s.shortId(), upstream.service());
        end(s);
      }
    }
  }

  /**
   * Closes sessions whose capability was revoked (the revocation view denies one of its ids) or
   * expired; the agent must open a new one with a valid capability.
   */
  void closeEndedSessions() {
    Instant now = clock.instant();
    for (McpSession s : sessions.values()) {
      String why = s.capability().ended(now, guard::isRevoked);
      if (why != null) {
        LOG.debug("closing session {} of {}: {}", s.shortId(), upstream.service(), why);
        end(s);
      }
    }
  }

  void closeAll() {
    sessions.values().forEach(this::end);
  }

  private void end(McpSession s) {
    sessions.remove(s.id(), s);
    s.close();
  }

  private UpstreamConnection connect(UpstreamConnection.Listener listener) {
    if (upstream.transport() instanceof Stdio stdio) {
      return StdioUpstream.start(
          upstream.service(), stdio, listener, config.maxUpstreamMessageBytes());
    }
    return new HttpUpstream(
        upstream.service(),
        (Http) upstream.transport(),
        httpClient,
        listener,
        config.maxUpstreamMessageBytes(),
        config.callTimeout());
  }

  void handle(Request request, Response response, Callback callback) {
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin != null && !config.allowedOrigins().contains(origin)) {
      problem(
          response,
          callback,
          403,
          "origin_not_allowed",
          "the request's Origin is not in mcp.allowedOrigins");
      return;
    }
    switch (request.getMethod()) {
      case "POST" -> post(request, response, callback);
      case "GET" -> get(request, response, callback);
      case "DELETE" -> delete(request, response, callback);
      default -> {
        response.getHeaders().put(HttpHeader.ALLOW, "GET, POST, DELETE");
        problem(response, callback, 405, "method_not_allowed", "use POST, GET or DELETE");
      }
    }
  }

  // ---- POST ----------------------------------------------------------------------------------

  private void post(Request request, Response response, Callback callback) {
    long length = request.getLength();
    InputStream in = Content.Source.asInputStream(request);
    if (length > config.maxRequestBytes()) {
      refuseBody(in, response);
      rpcError(response, callback, 413, null, JsonRpc.INVALID_REQUEST, "request body too large");
      return;
    }
    String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (contentType == null
        || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      refuseBody(in, response);
      rpcError(response, callback, 415, null, JsonRpc.INVALID_REQUEST, "send application/json");
      return;
    }
    Accepts accepts = Accepts.of(request.getHeaders().get(HttpHeader.ACCEPT));
    if (!accepts.json && !accepts.sse) {
      refuseBody(in, response);
      rpcError(
          response,
          callback,
          406,
          null,
          JsonRpc.INVALID_REQUEST,
          "accept application/json and text/event-stream");
      return;
    }
    byte[] body;
    try {
      body = readBody(in, length);
    } catch (IOException e) {
      rpcError(response, callback, 400, null, JsonRpc.PARSE_ERROR, "could not read the body");
      return;
    }
    if (body == null) {
      refuseBody(in, response);
      rpcError(response, callback, 413, null, JsonRpc.INVALID_REQUEST, "request body too large");
      return;
    }
    JsonNode message;
    try {
      message = JsonRpc.parse(body);
    } catch (IOException e) {
      rpcError(response, callback, 400, null, JsonRpc.PARSE_ERROR, "the body is not valid JSON");
      return;
    }
    if (message == null || message.isArray()) {
      rpcError(
          response,
          callback,
          400,
          null,
          JsonRpc.INVALID_REQUEST,
          "send one JSON-RPC message per request (batches are not supported)");
      return;
    }
    boolean isRequest = JsonRpc.isRequest(message);
    if (!isRequest && !JsonRpc.isNotification(message) && !JsonRpc.isResponse(message)) {
      rpcError(
          response,
          callback,
          400,
          message.get("id"),
          JsonRpc.INVALID_REQUEST,
          "not a JSON-RPC request, notification or response");
      return;
    }
    JsonNode id = isRequest ? message.get("id") : null;
    String bearer = bearer(request);
    if (bearer == null) {
      unauthorized(response, callback, id, null);
      return;
    }
    String sessionId = request.getHeaders().get(SESSION_HEADER);
    String method = JsonRpc.isResponse(message) ? null : JsonRpc.method(message);
    if (isRequest && "initialize".equals(method)) {
      initialize(request, response, callback, message, bearer, sessionId, accepts);
      return;
    }
    String version = request.getHeaders().get(VERSION_HEADER);
    if (version != null && !PROTOCOL_VERSIONS.contains(version)) {
      rpcError(
          response,
          callback,
          400,
          id,
          JsonRpc.INVALID_REQUEST,
          "unsupported MCP-Protocol-Version; supported: " + String.join(", ", PROTOCOL_VERSIONS));
      return;
    }
    if (sessionId == null) {
      rpcError(response, callback, 400, id, JsonRpc.INVALID_REQUEST, "Mcp-Session-Id is required");
      return;
    }
    String sourceIp = Request.getRemoteAddr(request);
    boolean guardedCall = isRequest && McpNames.guarded(method);
    McpSession session;
    if (guardedCall) {
      // The call's own check below verifies the token and a proof over the call.
      session = sessions.get(sessionId);
      if (session == null || session.closed() || !heldBy(session, bearer)) {
        // A session of another owner is reported as unknown, so ids cannot be probed.
        rpcError(response, callback, 404, id, JsonRpc.INVALID_REQUEST, "session not found");
        return;
      }
    } else {
      SessionAccess.Outcome access =
          sessionAccess.check(
              bearer, request.getHeaders().get(MandateHeaders.PROOF), "POST", method, sourceIp);
      if (access instanceof SessionAccess.Denied denied) {
        deny(response, callback, id, denied.result(), true);
        return;
      }
      SessionAccess.Granted granted = (SessionAccess.Granted) access;
      session = sessions.get(sessionId);
      if (session == null || session.closed() || !session.owner().sameAs(granted.owner())) {
        rpcError(response, callback, 404, id, JsonRpc.INVALID_REQUEST, "session not found");
        return;
      }
      if (!authorizedHere(bearer)) {
        refuseNothingHere(response, callback, id, bearer, sourceIp);
        return;
      }
      session.usedBy(granted.capability());
    }
    session.touch();
    if (!isRequest) {
      if (method == null) {
        // Only to a request of the server that the gateway delivered to this agent, once.
        if (!session.claimAnswer(message)) {
          refuse(
              response,
              callback,
              400,
              null,
              bearer,
              sourceIp,
              audited("response", idText(message.get("id"))),
              Decision.Code.INVALID_REQUEST,
              "this response answers no request the server sent to this session");
          return;
        }
      } else {
        if (!methods.allows(method, true)) {
          refuseMethod(response, callback, 400, null, bearer, sourceIp, method);
          return;
        }
        if (ClientFeatures.owned(method)) {
          // The gateway owns roots: the agent's changes to them never reach the server.
          response.setStatus(202);
          callback.succeeded();
          return;
        }
      }
      try {
        session.send(message, null);
      } catch (UpstreamUnavailableException e) {
        LOG.debug("session {}: could not forward a message: {}", session.shortId(), e.getMessage());
      }
      response.setStatus(202);
      callback.succeeded();
      return;
    }
    if (!methods.allows(method, false)) {
      refuseMethod(response, callback, 200, id, bearer, sourceIp, method);
      return;
    }
    UnaryOperator<JsonNode> transform;
    if (guardedCall) {
      Outcome outcome =
          ResolvedPaths.resolve(upstream, CallMapping.map(upstream, method, message.get("params")));
      if (outcome instanceof Refused refused) {
        refuse(
            response,
            callback,
            200,
            id,
            bearer,
            sourceIp,
            audited(method, ""),
            Decision.Code.INVALID_REQUEST,
            refused.reason());
        return;
      }
      ApprovalHeader.Read approval = ApprovalHeader.read(request.getHeaders());
      if (approval.problem() != null) {
        rpcError(response, callback, 400, id, JsonRpc.INVALID_REQUEST, approval.problem());
        return;
      }
      String proof = request.getHeaders().get(MandateHeaders.PROOF);
      Mapped mapped = (Mapped) outcome;
      GuardResult result =
          guard.check(
              Presentation.of(bearer)
                  .withProof(proof == null ? null : Proof.of(proof))
                  .withCall(mapped.call())
                  .withApproval(
                      approval.approval() == null ? null : Approval.of(approval.approval())),
              mapped.request(),
              sourceIp);
      if (!result.allowed()) {
        deny(response, callback, id, result, false);
        return;
      }
      session.usedBy(SessionAccess.capability(((Decision.Allow) result.decision()).capability()));
      transform = UnaryOperator.identity();
    } else {
      Disclosure.Coverage coverage = coverage(bearer);
      JsonNode params = message.get("params");
      Disclosure.Refusal refusal = disclosure.refusal(method, params, coverage);
      if (refusal != null) {
        refuse(
            response,
            callback,
            200,
            id,
            bearer,
            sourceIp,
            audited(method, refusal.resource()),
            refusal.notCovered() ? Decision.Code.GRANT : Decision.Code.INVALID_REQUEST,
            refusal.reason());
        return;
      }
      transform = disclosure.answer(method, params, coverage);
    }
    forward(response, callback, session, message, accepts.sse, transform, null);
  }

  /**
   * Answers a denial of the guard: 503 with {@code Retry-After} when the gateway cannot decide now
   * (a stale revocation view, a failing store), never a token error a client might act on by
   * discarding a good token; 401 when the token or, for a session operation, its proof is not good;
   * else the JSON-RPC denial of the call.
   *
   * @param session whether a session operation (not a call) was denied
   */
  private void deny(
      Response response, Callback callback, JsonNode id, GuardResult result, boolean session) {
    if (result.httpStatus() == 503) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      ObjectNode answer =
          JsonRpc.error(
              id,
              JsonRpcErrors.UNAVAILABLE,
              "the gateway cannot decide right now: " + result.reason());
      ((ObjectNode) answer.get("error"))
          .putObject("data")
          .put(JsonRpcErrors.DATA_CODE, result.code());
      json(response, callback, 503, answer);
    } else if (session || result.unauthenticated()) {
      unauthorized(response, callback, id, result.reason());
    } else {
      json(response, callback, 200, deniedError(id, result));
    }
  }

  /** Refuses (401, audited) a token that could allow nothing on this upstream. */
  private void refuseNothingHere(
      Response response, Callback callback, JsonNode id, String bearer, String sourceIp) {
    String reason = "the token allows nothing on " + service();
    guard.recordRefusal(bearer, audited("session", ""), Decision.Code.GRANT, reason, sourceIp);
    unauthorized(response, callback, id, reason);
  }

  /** What the bearer's capability could be allowed on this upstream, for {@link Disclosure}. */
  private Disclosure.Coverage coverage(String bearer) {
    return new Disclosure.Coverage() {
      @Override
      public boolean couldCall(String action) {
        return guard.couldAllow(bearer, service(), action);
      }

      @Override
      public boolean covers(String action, String resource) {
        return guard.couldAllow(bearer, service(), action, resource);
      }
    };
  }

  /** Refuses a JSON-RPC method that is not on the upstream's allowlist. */
  private void refuseMethod(
      Response response,
      Callback callback,
      int status,
      JsonNode id,
      String bearer,
      String sourceIp,
      String method) {
    refuse(
        response,
        callback,
        status,
        id,
        bearer,
        sourceIp,
        audited(CallMapping.printable(method), ""),
        Decision.Code.INVALID_REQUEST,
        "method '" + CallMapping.printable(method) + "' is not allowed on " + service());
  }

  /**
   * Answers a refusal the front end made itself, recorded in the audit trail and the metrics like
   * the guard's own denials.
   *
   * @param status the HTTP status for the JSON-RPC error (200 for a request's denial)
   */
  private void refuse(
      Response response,
      Callback callback,
      int status,
      JsonNode id,
      String bearer,
      String sourceIp,
      dev.mandate.token.Request what,
      Decision.Code code,
      String reason) {
    GuardResult result = guard.recordRefusal(bearer, what, code, reason, sourceIp);
    if (result.httpStatus() == 503) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      status = 503;
    }
    json(response, callback, status, deniedError(id, result));
  }

  /** The request a refusal is audited as: this upstream's service, the action and resource. */
  private dev.mandate.token.Request audited(String action, String resource) {
    return new dev.mandate.token.Request(null, service(), action, resource, null, null);
  }

  private static String idText(JsonNode id) {
    return id == null ? "" : CallMapping.printable(id.asText());
  }

  private void initialize(
      Request request,
      Response response,
      Callback callback,
      JsonNode message,
      String bearer,
      String sessionId,
      Accepts accepts) {
    JsonNode id = message.get("id");
    if (sessionId != null) {
      rpcError(
          response,
          callback,
          400,
          id,
          JsonRpc.INVALID_REQUEST,
          "initialize starts a new session; send it without Mcp-Session-Id");
      return;
    }
    String client = Request.getRemoteAddr(request);
    SessionAccess.Outcome access =
        sessionAccess.check(
            bearer, request.getHeaders().get(MandateHeaders.PROOF), "POST", "initialize", client);
    if (access instanceof SessionAccess.Denied denied) {
      deny(response, callback, id, denied.result(), true);
      return;
    }
    if (!authorizedHere(bearer)) {
      refuseNothingHere(response, callback, id, bearer, client);
      return;
    }
    SessionAccess.Granted granted = (SessionAccess.Granted) access;
    McpSession.Owner owner = granted.owner();
    McpSession session =
        new McpSession(
            service(),
            owner,
            client == null ? "" : client,
            clientFeatures,
            this::connect,
            config.callTimeout());
    session.usedBy(granted.capability());
    SessionAdmission.Verdict<McpSession> verdict;
    synchronized (admission) {
      verdict =
          SessionAdmission.admit(limits, owner, session.client(), sessions.values(), service());
      if (verdict instanceof SessionAdmission.Admit<McpSession> admit) {
        admit.evict().forEach(evicted -> sessions.remove(evicted.id(), evicted));
        sessions.put(session.id(), session);
      }
    }
    if (verdict instanceof SessionAdmission.Refuse<McpSession> refused) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
      refuse(
          response,
          callback,
          refused.status(),
          id,
          bearer,
          client,
          audited("initialize", ""),
          Decision.Code.LIMIT_EXCEEDED,
          refused.reason());
      return;
    }
    for (McpSession evicted : ((SessionAdmission.Admit<McpSession>) verdict).evict()) {
      LOG.debug("evicting idle session {} of {} for a new one", evicted.shortId(), service());
      evicted.close();
    }
    session.rememberBearer(bearer);
    // The agent's roots never reach the server; JSON when the client takes it, so the session id
    // travels with the complete answer.
    forward(
        response,
        callback,
        session,
        clientFeatures.initialize(message),
        !accepts.json,
        disclosure.answer("initialize", null, coverage(bearer)),
        session);
  }

  /**
   * Sends a request upstream and writes what comes back: as one JSON body, or as an SSE stream that
   * carries related messages before the response.
   *
   * @param newSession the session being initialized (kept only if initialization succeeds), or null
   */
  private void forward(
      Response response,
      Callback callback,
      McpSession session,
      JsonNode message,
      boolean sse,
      UnaryOperator<JsonNode> transform,
      McpSession newSession) {
    JsonNode id = message.get("id");
    McpSession.Pending pending = session.expect(id, sse, progressToken(message));
    if (pending == null) {
      rpcError(
          response, callback, 200, id, JsonRpc.INVALID_REQUEST, "request id is already in use");
      return;
    }
    long start = System.nanoTime();
    long deadline = start + config.callTimeout().toNanos();
    long keepAlive = TimeUnit.SECONDS.toNanos(KEEP_ALIVE_SECONDS);
    // Requests other than initialize are answered without a thread waiting: the response is
    // written from the thread that delivers it. Only a request that gets anything else first
    // (progress, a server request, a keep-alive comment due, its timeout) is handed to a thread.
    boolean async = newSession == null;
    if (async) {
      pending.answerAsync(
          new McpSession.Async() {
            @Override
            public void response(JsonNode answer) {
              try {
                finish(response, callback, null, sse, transform.apply(answer), null);
              } catch (IOException | RuntimeException e) {
                callback.failed(e);
              }
            }

            @Override
            public void waitInstead() {
              try {
                response
                    .getRequest()
                    .getComponents()
                    .getExecutor()
                    .execute(
                        () ->
                            relay(
                                response, callback, session, pending, sse, transform, null,
                                deadline, start));
              } catch (RuntimeException e) {
                session.forget(pending);
                callback.failed(e);
              }
            }
          },
          start + (sse ? Math.min(keepAlive, deadline - start) : deadline - start));
    }
    try {
      session.send(message, pending);
    } catch (UpstreamUnavailableException e) {
      session.forget(pending);
      if (async && !pending.detach()) {
        return; // already answered (failed by a restart)
      }
      LOG.debug("session {}: {}", session.shortId(), e.getMessage());
      if (newSession != null) {
        end(newSession);
      }
      rpcError(
          response, callback, 200, id, JsonRpcErrors.UNAVAILABLE, session.unavailableMessage());
      return;
    }
    if (!async) {
      relay(response, callback, session, pending, sse, transform, newSession, deadline, start);
    }
  }

  /**
   * Waits for a sent request's messages and writes them: as one JSON body, or as an SSE stream that
   * carries related messages before the response. Blocks its thread until the response.
   */
  private void relay(
      Response response,
      Callback callback,
      McpSession session,
      McpSession.Pending pending,
      boolean sse,
      UnaryOperator<JsonNode> transform,
      McpSession newSession,
      long deadline,
      long start) {
    JsonNode id = pending.id;
    SseWriter stream = null;
    long keepAlive = TimeUnit.SECONDS.toNanos(KEEP_ALIVE_SECONDS);
    long lastWrite = start;
    try {
      while (true) {
        // An SSE answer gets a comment now and then, so idle timeouts between the agent and the
        // gateway do not cut off a long call.
        long wait = sse ? Math.min(deadline, lastWrite + keepAlive) : deadline;
        JsonNode next = session.next(pending, wait);
        if (next == null && System.nanoTime() - deadline < 0) {
          if (stream == null) {
            stream = SseWriter.start(response, sessionHeader(newSession));
          }
          stream.comment("waiting for " + service());
          lastWrite = System.nanoTime();
          continue;
        }
        if (next == null) {
          session.cancelUpstream(pending, "the gateway's call timeout passed");
          if (newSession != null) {
            end(newSession);
          }
          JsonNode error =
              JsonRpc.error(
                  id,
                  JsonRpcErrors.TIMEOUT,
                  "upstream "
                      + service()
                      + " did not answer within "
                      + config.callTimeout().toSeconds()
                      + " s");
          finish(response, callback, stream, sse, error, null);
          return;
        }
        boolean isResponse =
            JsonRpc.isResponse(next) && JsonRpc.idKey(next.get("id")).equals(pending.key);
        if (!isResponse) {
          if (stream == null) {
            stream = SseWriter.start(response, sessionHeader(newSession));
          }
          session.delivering(next);
          stream.event(next);
          lastWrite = System.nanoTime();
          continue;
        }
        String headerSession = null;
        if (newSession != null) {
          if (next.has("result")) {
            headerSession = newSession.id();
          } else {
            end(newSession);
          }
        }
        finish(response, callback, stream, sse, transform.apply(next), headerSession);
        return;
      }
    } catch (IOException e) {
      // The agent went away mid-stream; its request stays with the upstream until answered.
      session.forget(pending);
      if (newSession != null) {
        end(newSession);
      }
      callback.failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      session.forget(pending);
      if (newSession != null) {
        end(newSession);
      }
      callback.failed(e);
    }
  }

  private static String sessionHeader(McpSession newSession) {
    return newSession == null ? null : newSession.id();
  }

  private void finish(
      Response response,
      Callback callback,
      SseWriter stream,
      boolean sse,
      JsonNode message,
      String sessionHeader)
      throws IOException {
    if (stream != null || sse) {
      (stream != null ? stream : SseWriter.start(response, sessionHeader)).last(message, callback);
      return;
    }
    if (sessionHeader != null) {
      response.getHeaders().put(SESSION_HEADER, sessionHeader);
    }
    json(response, callback, 200, message);
  }

  private static String progressToken(JsonNode message) {
    JsonNode token = message.path("params").path("_meta").get("progressToken");
    return token != null && (token.isTextual() || token.isIntegralNumber())
        ? JsonRpc.idKey(token)
        : null;
  }

  // ---- GET -----------------------------------------------------------------------------------

  private void get(Request request, Response response, Callback callback) {
    Accepts accepts = Accepts.of(request.getHeaders().get(HttpHeader.ACCEPT));
    if (!accepts.sse) {
      problem(
          response,
          callback,
          406,
          "not_acceptable",
          "a GET stream needs Accept: text/event-stream");
      return;
    }
    McpSession session = authorizedSession(request, response, callback);
    if (session == null) {
      return;
    }
    if (!session.openGetStream()) {
      problem(response, callback, 409, "stream_open", "this session already has a GET stream");
      return;
    }
    String bearer = bearer(request);
    Server server = request.getConnectionMetaData().getConnector().getServer();
    try {
      SseWriter stream = SseWriter.start(response, null);
      // Answered at once, so the agent knows the stream is held before any message comes.
      stream.comment("stream open");
      long lastWrite = System.nanoTime();
      while (true) {
        JsonNode next = session.nextServerMessage(1, TimeUnit.SECONDS);
        // Checked every second, so a gateway shutting down is not held up by open streams.
        if (next == McpSession.END || server.isStopping() || !authorizedHere(bearer)) {
          stream.close(callback);
          return;
        }
        if (next != null) {
          session.touch();
          session.delivering(next);
          stream.event(next);
          lastWrite = System.nanoTime();
        } else if (System.nanoTime() - lastWrite > TimeUnit.SECONDS.toNanos(KEEP_ALIVE_SECONDS)) {
          // Writing is how a client that went away is noticed.
          session.touch();
          stream.comment("keep-alive");
          lastWrite = System.nanoTime();
        }
      }
    } catch (IOException e) {
      callback.failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      callback.failed(e);
    } finally {
      session.closeGetStream();
    }
  }

  // ---- DELETE --------------------------------------------------------------------------------

  private void delete(Request request, Response response, Callback callback) {
    McpSession session = authorizedSession(request, response, callback);
    if (session == null) {
      return;
    }
    end(session);
    response.setStatus(204);
    callback.succeeded();
  }

  /** The request's session if the token may use it; otherwise answers and returns null. */
  private McpSession authorizedSession(Request request, Response response, Callback callback) {
    String bearer = bearer(request);
    if (bearer == null) {
      unauthorized(response, callback, null, null);
      return null;
    }
    String sessionId = request.getHeaders().get(SESSION_HEADER);
    if (sessionId == null) {
      problem(response, callback, 400, "session_required", "Mcp-Session-Id is required");
      return null;
    }
    String sourceIp = Request.getRemoteAddr(request);
    SessionAccess.Outcome access =
        sessionAccess.check(
            bearer,
            request.getHeaders().get(MandateHeaders.PROOF),
            request.getMethod(),
            null,
            sourceIp);
    if (access instanceof SessionAccess.Denied denied) {
      deny(response, callback, null, denied.result(), true);
      return null;
    }
    SessionAccess.Granted granted = (SessionAccess.Granted) access;
    McpSession session = sessions.get(sessionId);
    if (session == null || session.closed() || !session.owner().sameAs(granted.owner())) {
      problem(response, callback, 404, "session_not_found", "session not found");
      return null;
    }
    if (!authorizedHere(bearer)) {
      refuseNothingHere(response, callback, null, bearer, sourceIp);
      return null;
    }
    session.usedBy(granted.capability());
    session.touch();
    return session;
  }

  // ---- helpers -------------------------------------------------------------------------------

  String service() {
    return upstream.service();
  }

  /**
   * Whether the capability could call anything on this upstream. Pass-through messages need this
   * much, so a token that is invalid, expired, revoked or for other services is refused on every
   * message, not only on guarded ones.
   */
  private boolean authorizedHere(String bearer) {
    for (String tool : upstream.tools().keySet()) {
      if (guard.couldAllow(bearer, service(), tool)) {
        return true;
      }
    }
    return upstream.resources()
            && guard.couldAllow(bearer, service(), McpNames.RESOURCES_READ_ACTION)
        || upstream.prompts() && guard.couldAllow(bearer, service(), McpNames.PROMPTS_GET_ACTION);
  }

  /**
   * For a guarded call, whose own check then verifies the token and its holder's proof over the
   * call: whether the token claims the session's owner (see {@link McpSession.Owner}). The text
   * last found to claim it is remembered, so an agent presenting the same token call after call is
   * not decoded again.
   */
  private static boolean heldBy(McpSession session, String bearer) {
    if (session.knownBearer(bearer)) {
      return true;
    }
    McpSession.Owner presented = owner(bearer);
    if (presented == null || !session.owner().sameAs(presented)) {
      return false;
    }
    session.rememberBearer(bearer);
    return true;
  }

  /** The owner a token claims (decoded, not verified), or null if it cannot be decoded. */
  private static McpSession.Owner owner(String bearer) {
    try {
      Capability cap = Capability.decode(bearer);
      return new McpSession.Owner(cap.tokenId(), cap.holderKeyId().orElse(null));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String denied(String reason) {
    return JsonRpcErrors.DENIED_MESSAGE_PREFIX + reason;
  }

  /**
   * The JSON-RPC error for a guard's denial: the reason in the message, and in {@code data} the
   * code and, for {@code APPROVAL_REQUIRED}, what a client needs to ask for the approval.
   */
  private static JsonNode deniedError(JsonNode id, GuardResult result) {
    ObjectNode answer = JsonRpc.error(id, JsonRpcErrors.DENIED, denied(result.reason()));
    ObjectNode data = ((ObjectNode) answer.get("error")).putObject("data");
    data.put(JsonRpcErrors.DATA_CODE, result.code());
    if (result.approvalNeeded() != null) {
      data.setAll(result.approvalNeeded().toJson());
    }
    return answer;
  }

  private static String bearer(Request request) {
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (auth == null || auth.length() < 8 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = auth.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  /** Reads at most the configured bytes; null if the body is larger. */
  /** Reads the whole body, or returns null if it is larger than the limit. */
  private byte[] readBody(InputStream in, long length) throws IOException {
    long max = config.maxRequestBytes();
    if (length >= 0 && length <= max) {
      // The declared length (checked against the bound before): read exactly that.
      byte[] bytes = new byte[(int) length];
      if (in.readNBytes(bytes, 0, bytes.length) != bytes.length) {
        throw new IOException("the body ended before its declared length");
      }
      return bytes;
    }
    byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
    return bytes.length > max ? null : bytes;
  }

  private void unauthorized(Response response, Callback callback, JsonNode id, String reason) {
    StringBuilder challenge = new StringBuilder("Bearer realm=\"mandate\"");
    if (reason != null) {
      challenge
          .append(", error=\"invalid_token\", error_description=\"")
          .append(headerSafe(reason))
          .append('"');
    }
    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, challenge.toString());
    rpcError(
        response,
        callback,
        401,
        id,
        JsonRpcErrors.DENIED,
        denied(reason == null ? "a capability is required (Authorization: Bearer)" : reason));
  }

  private static String headerSafe(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 200; i++) {
      char c = s.charAt(i);
      out.append(c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? '\'' : c);
    }
    return out.toString();
  }

  /**
   * Marks the connection to close after a refusal that leaves the request body unread, so the
   * client does not reuse a connection the server is about to drop.
   */
  /**
   * Before an error answer to a POST whose body is refused: drops a bounded rest of the body so the
   * client, still sending, reads the answer; past the bound the connection closes after it.
   */
  private static void refuseBody(InputStream unread, Response response) {
    if (!UnreadBodies.discard(unread)) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
  }

  private static void rpcError(
      Response response, Callback callback, int status, JsonNode id, int code, String message) {
    json(response, callback, status, JsonRpc.error(id, code, message));
  }

  private static void json(Response response, Callback callback, int status, JsonNode body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    byte[] bytes = JsonRpc.writeBytes(body);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  /** An HTTP-level refusal that is no JSON-RPC answer (no message was read): a problem body. */
  private static void problem(
      Response response, Callback callback, int status, String code, String detail) {
    ProblemResponses.send(response, callback, Problem.of(status, code, detail));
  }

  /** What the client's Accept header allows. */
  private record Accepts(boolean json, boolean sse) {
    static Accepts of(String header) {
      if (header == null || header.isBlank()) {
        return new Accepts(true, false);
      }
      String h = header.toLowerCase(Locale.ROOT);
      boolean any = h.contains("*/*");
      return new Accepts(
          any || h.contains("application/json"), any || h.contains("text/event-stream"));
    }
  }

  /** Writes an SSE response, blocking per event. */
  static final class SseWriter {
    private static final byte[] EVENT_PREFIX =
        "event: message\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private final Response response;

    private SseWriter(Response response) {
      this.response = response;
    }

    static SseWriter start(Response response, String sessionId) {
      response.setStatus(HttpStatus.OK_200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
      if (sessionId != null) {
        response.getHeaders().put(SESSION_HEADER, sessionId);
      }
      return new SseWriter(response);
    }

    void event(JsonNode message) throws IOException {
      Content.Sink.write(response, false, eventBytes(message));
    }

    void comment(String text) throws IOException {
      Content.Sink.write(response, false, bytes(": " + text + "\n\n"));
    }

    void last(JsonNode message, Callback callback) {
      response.write(true, eventBytes(message), callback);
    }

    /** One SSE event carrying the message (JSON has no raw newlines, so one data line). */
    private static ByteBuffer eventBytes(JsonNode message) {
      byte[] json = JsonRpc.writeBytes(message);
      byte[] out = new byte[EVENT_PREFIX.length + json.length + 2];
      System.arraycopy(EVENT_PREFIX, 0, out, 0, EVENT_PREFIX.length);
      System.arraycopy(json, 0, out, EVENT_PREFIX.length, json.length);
      out[out.length - 2] = '\n';
      out[out.length - 1] = '\n';
      return ByteBuffer.wrap(out);
    }

    void close(Callback callback) {
      response.write(true, ByteBuffer.allocate(0), callback);
    }

    private static ByteBuffer bytes(String s) {
      return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
  }
}
