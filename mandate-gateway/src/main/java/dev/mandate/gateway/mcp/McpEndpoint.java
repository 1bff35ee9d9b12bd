package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.ApprovalHeader;
import dev.mandate.gateway.BodyRead;
import dev.mandate.gateway.CallGuard;
import dev.mandate.gateway.Denial;
import dev.mandate.gateway.Exchange;
import dev.mandate.gateway.Guard;
import dev.mandate.gateway.GuardResult;
import dev.mandate.gateway.Pipeline;
import dev.mandate.gateway.ProtectedResource;
import dev.mandate.gateway.mcp.CallMapping.Mapped;
import dev.mandate.gateway.mcp.CallMapping.Outcome;
import dev.mandate.gateway.mcp.CallMapping.Refused;
import dev.mandate.gateway.mcp.McpConfig.Http;
import dev.mandate.gateway.mcp.McpConfig.Stdio;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import dev.mandate.server.Tracing;
import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.wire.JsonRpcErrors;
import dev.mandate.wire.McpNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
 *
 * <p>Requests run through the {@link Pipeline}'s stages ({@code Stages}), refusals answered by
 * {@link JsonRpcDenials}: transport checks (Origin, method, size, media types), the capability from
 * the headers (a missing, malformed or forged one, or a stale revocation view, ends the request
 * before its body), the bounded read of the message, parse and map (JSON-RPC, protocol version,
 * session id, {@link MethodAllowlist}, {@link CallMapping}), verification (the guard for a guarded
 * call; {@link SessionAccess}, {@link SessionAdmission}, answers to server requests and {@link
 * Disclosure} for the rest), and the forward.
 */
final class McpEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(McpEndpoint.class);
  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";
  static final Set<String> PROTOCOL_VERSIONS = Revisions.SESSION_VERSIONS;
  private static final long KEEP_ALIVE_SECONDS = 15;

  /**
   * What the handler gives each of its endpoints.
   *
   * @param config the MCP section of the gateway's configuration
   * @param guard decides calls and session operations
   * @param httpClient reaches HTTP upstreams
   * @param tracing traces upstream calls
   * @param clock for capability expiry
   * @param resource the gateway's protected-resource metadata, for 401 and 403 answers
   */
  record Common(
      McpConfig config,
      CallGuard guard,
      HttpClient httpClient,
      Tracing tracing,
      Clock clock,
      ProtectedResource resource) {}

  private final Upstream upstream;
  private final Common common;
  private final HostPaths hostPaths;
  private final McpConfig config;
  private final CallGuard guard;
  private final Map<String, McpSession> sessions = new ConcurrentHashMap<>();
  // Admission and the insertion of an admitted session are one step, so a flood of initialize
  // requests cannot overshoot the session limits.
  private final Object admission = new Object();
  private final SessionAdmission.Limits limits;
  private final MethodAllowlist methods;
  private final ClientFeatures clientFeatures;
  private final McpSession.Shared sessionShared;
  private final Disclosure disclosure;
  private final SessionAccess sessionAccess;
  private final Pipeline<Admitted, Call> pipeline;
  // 2026-07-28 requests go to the upstream one POST each; null if it speaks only 2025-11-25.
  private final StatelessUpstream stateless;

  McpEndpoint(Upstream upstream, Common common) {
    this.upstream = upstream;
    this.common = common;
    this.config = common.config();
    this.guard = common.guard();
    this.hostPaths = HostPaths.of(upstream);
    this.limits =
        new SessionAdmission.Limits(
            upstream.maxSessions(),
            upstream.maxSessionsPerOwner(),
            upstream.maxSessionsPerClient());
    this.methods = MethodAllowlist.standardAnd(upstream.allowMethods());
    this.clientFeatures = new ClientFeatures(upstream.roots());
    this.sessionShared =
        new McpSession.Shared(
            upstream.service(), clientFeatures, this::connect, config.startTimeout(), hostPaths);
    this.disclosure = new Disclosure(upstream);
    this.sessionAccess = new SessionAccess(guard, upstream.service());
    this.pipeline = new Pipeline<>(new Stages(), guard, new JsonRpcDenials());
    this.stateless =
        upstream.speaksStateless() ? new StatelessUpstream(httpTarget(), hostPaths) : null;
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
    Instant now = common.clock().instant();
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
    return new HttpUpstream(httpTarget(), common.tracing(), listener);
  }

  private HttpTarget httpTarget() {
    return HttpTarget.of(
        upstream.service(),
        (Http) upstream.transport(),
        common.httpClient(),
        config.maxUpstreamMessageBytes(),
        config.callTimeout());
  }

  void handle(Request request, Response response, Callback callback) {
    pipeline.handle(new Exchange(request, response, callback, common.resource(), upstream.path()));
  }

  /**
   * What the transport checks admit.
   *
   * @param httpMethod POST (a JSON-RPC message), GET (the server's stream) or DELETE (the end)
   * @param accepts what the client takes
   */
  private record Admitted(String httpMethod, Accepts accepts) {}

  /** One request in the making: mapped by stage 4, given its session and answer by 5 to 7. */
  private static final class Call {
    final Admitted admitted;
    final String sessionId;
    JsonNode message;
    boolean isRequest;
    String method;
    JsonNode id;
    boolean guarded;
    dev.mandate.token.Request request;
    // The guarded call as sent, which a holder proof signs; request is derived from it.
    dev.mandate.token.Call sent;
    McpSession session;
    UnaryOperator<JsonNode> transform = UnaryOperator.identity();
    // A 2026-07-28 request: what its envelope says of the client (null for a session message).
    StatelessRequest.Envelope envelope;
    // A 2026-07-28 notification: accepted and dropped (the revision has none over HTTP).
    boolean statelessNotification;
    // A retry answering the gateway's approval round, or null.
    ApprovalRound.Retry retry;

    Call(Admitted admitted, String sessionId) {
      this.admitted = admitted;
      this.sessionId = sessionId;
    }

    boolean post() {
      return "POST".equals(admitted.httpMethod());
    }

    boolean initialize() {
      return isRequest && "initialize".equals(method);
    }
  }

  /** The MCP front end's stages, in the order {@link Pipeline} calls them. */
  private final class Stages implements Pipeline.FrontEnd<Admitted, Call> {
    @Override
    public Admitted admit(Exchange x) {
      Request request = x.request();
      String origin = request.getHeaders().get(HttpHeader.ORIGIN);
      if (origin != null && !config.allowedOrigins().contains(origin)) {
        throw httpRefusal(
            403, "origin_not_allowed", "the request's Origin is not in mcp.allowedOrigins");
      }
      Accepts accepts = Accepts.of(request.getHeaders().get(HttpHeader.ACCEPT));
      switch (request.getMethod()) {
        case "POST" -> {
          x.answerInJsonRpc();
          if (request.getLength() > config.maxRequestBytes()) {
            throw BodyRead.tooLarge(config.maxRequestBytes());
          }
          String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
          if (contentType == null
              || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw invalid(415, "send application/json").body(Denial.Body.DISCARD);
          }
          if (!accepts.json && !accepts.sse) {
            throw invalid(406, "accept application/json and text/event-stream")
                .body(Denial.Body.DISCARD);
          }
        }
        case "GET" -> {
          if (!accepts.sse) {
            throw httpRefusal(
                406, "not_acceptable", "a GET stream needs Accept: text/event-stream");
          }
        }
        case "DELETE" -> {}
        default -> {
          x.response().getHeaders().put(HttpHeader.ALLOW, "GET, POST, DELETE");
          throw httpRefusal(405, "method_not_allowed", "use POST, GET or DELETE");
        }
      }
      return new Admitted(request.getMethod(), accepts);
    }

    @Override
    public dev.mandate.token.Request authenticatedAs(Exchange x, Admitted call) {
      return audited(McpNames.SESSION_ACTION, McpNames.operation(call.httpMethod(), null));
    }

    @Override
    public boolean refusedBeforeBody(GuardResult denial) {
      // An expired or revoked capability is authentic: its denial is answered in the terms of the
      // message (a JSON-RPC error with the request's id), so the message is read first.
      return denial.unauthenticated() || denial.httpStatus() == 503;
    }

    @Override
    public long bodyLimit(Admitted call) {
      return "POST".equals(call.httpMethod()) ? config.maxRequestBytes() : -1;
    }

    @Override
    public Call map(Exchange x, Admitted admitted, byte[] body) {
      Call c = new Call(admitted, x.request().getHeaders().get(SESSION_HEADER));
      if (!c.post()) {
        if (c.sessionId == null) {
          throw httpRefusal(400, "session_required", "Mcp-Session-Id is required");
        }
        return c;
      }
      JsonNode message;
      try {
        message = JsonRpc.parse(body);
      } catch (IOException e) {
        throw Denial.protocol(
            400,
            "bad_request",
            JsonRpc.PARSE_ERROR,
            Decision.Code.INVALID_REQUEST,
            "the body is not valid JSON");
      }
      if (message == null || message.isArray()) {
        throw invalid(400, "send one JSON-RPC message per request (batches are not supported)");
      }
      c.message = message;
      c.isRequest = JsonRpc.isRequest(message);
      if (!c.isRequest && !JsonRpc.isNotification(message) && !JsonRpc.isResponse(message)) {
        x.rpcId(message.get("id"));
        throw invalid(400, "not a JSON-RPC request, notification or response");
      }
      c.id = c.isRequest ? message.get("id") : null;
      x.rpcId(c.id);
      c.method = JsonRpc.isResponse(message) ? null : JsonRpc.method(message);
      if (c.method != null
          && Revisions.stateless(x.request().getHeaders().get(VERSION_HEADER), message)) {
        return mapStateless(x, c);
      }
      if (c.initialize() && !upstream.speaksSessions()) {
        // A 2026-07-28-only upstream: the client is told which revision to speak instead.
        throw StatelessRequest.unsupported(
            Revisions.served(upstream), message.path("params").path("protocolVersion").asText(""));
      }
      if (c.initialize()) {
        if (c.sessionId != null) {
          throw invalid(400, "initialize starts a new session; send it without Mcp-Session-Id");
        }
        return c;
      }
      String version = x.request().getHeaders().get(VERSION_HEADER);
      if (version != null && !PROTOCOL_VERSIONS.contains(version)) {
        throw invalid(
            400,
            "unsupported MCP-Protocol-Version; supported: " + String.join(", ", PROTOCOL_VERSIONS));
      }
      if (c.sessionId == null) {
        throw invalid(400, "Mcp-Session-Id is required");
      }
      if (c.method != null && !methods.allows(c.method, !c.isRequest)) {
        throw Denial.refused(
                c.isRequest ? 200 : 400,
                "method_not_allowed",
                Decision.Code.INVALID_REQUEST,
                "method '" + CallMapping.printable(c.method) + "' is not allowed on " + service())
            .auditedAs(audited(CallMapping.printable(c.method), ""));
      }
      c.guarded = c.isRequest && McpNames.guarded(c.method);
      if (c.guarded) {
        mapGuarded(x, c);
      }
      return c;
    }

    /**
     * Stage 4 of a 2026-07-28 request: the revision's checks of its envelope and routing headers
     * ({@link StatelessRequest}) before anything else, then the methods the revision has, then the
     * guarded call's mapping. A session id it may carry is ignored.
     */
    private Call mapStateless(Exchange x, Call c) {
      x.request().setAttribute(JsonRpcDenials.STATELESS, Boolean.TRUE);
      if (!c.isRequest) {
        c.statelessNotification = true;
        return c;
      }
      c.envelope = StatelessRequest.check(x.request().getHeaders(), c.message, upstream);
      if (!StatelessRequest.REQUESTS.contains(c.method)
          && !upstream.allowMethods().contains(c.method)) {
        throw Denial.refused(
                200,
                "method_not_allowed",
                Decision.Code.INVALID_REQUEST,
                "method '"
                    + CallMapping.printable(c.method)
                    + "' is not allowed on "
                    + service()
                    + " in MCP "
                    + Revisions.STATELESS)
            .auditedAs(audited(CallMapping.printable(c.method), ""));
      }
      c.guarded = McpNames.guarded(c.method);
      if (c.guarded) {
        c.retry = ApprovalRound.take(c.message.get("params"));
        // A person who declined is not asked again: the retry is then denied as it stands.
        if (c.envelope.elicitsForms() && (c.retry == null || c.retry.approval() != null)) {
          x.request().setAttribute(JsonRpcDenials.ASK_APPROVAL, service());
        }
        mapGuarded(x, c);
      }
      return c;
    }

    /** Builds the call as sent and the request it is decided on, for a guarded message. */
    private void mapGuarded(Exchange x, Call c) {
      if (McpNames.TOOLS_CALL.equals(c.method)
          && upstream.toolDenials().asResult(c.envelope != null)) {
        x.request().setAttribute(JsonRpcDenials.AS_TOOL_RESULT, Boolean.TRUE);
      }
      Outcome outcome =
          ResolvedPaths.resolve(
              upstream, CallMapping.map(upstream, c.method, c.message.get("params")));
      if (outcome instanceof Refused refused) {
        throw Denial.refused(200, "bad_request", Decision.Code.INVALID_REQUEST, refused.reason())
            .auditedAs(audited(c.method, ""));
      }
      c.request = ((Mapped) outcome).request();
      c.sent = ((Mapped) outcome).call();
      if (c.envelope != null && c.envelope.traceparent() != null) {
        // Kept in the decision's audit record (Guard.TRACE_CONTEXT).
        dev.mandate.token.Request r = c.request;
        c.request =
            new dev.mandate.token.Request(
                r.audience(),
                r.service(),
                r.action(),
                r.resource(),
                r.args(),
                Map.of(Guard.TRACE_CONTEXT, c.envelope.traceparent()),
                r.moreResources());
      }
    }

    @Override
    public void verify(Exchange x, Call c) {
      if (c.statelessNotification) {
        return; // nothing is forwarded
      }
      if (c.envelope != null) {
        verifyStateless(x, c);
        return;
      }
      if (!c.post()) {
        c.session = sessionOf(x, c, null);
      } else if (c.initialize()) {
        c.session = open(x, c);
      } else if (c.guarded) {
        c.session = sessions.get(c.sessionId);
        if (c.session == null || c.session.closed() || !heldBy(c.session, x.bearer())) {
          // The token is decided first: a revoked or expired capability gets its own answer,
          // whether or not the sweeper has ended its session yet (a stale view was answered 503
          // before the body was read).
          if (guard.authenticate(x.bearer(), c.request) != null) {
            decide(x, c);
          }
          // A session of another owner is reported as unknown, so ids cannot be probed.
          throw invalid(404, "session not found");
        }
        GuardResult result = decide(x, c);
        c.session.usedBy(
            SessionAccess.capability(((Decision.Allow) result.decision()).capability()));
      } else {
        c.session = sessionOf(x, c, c.method);
        if (!c.isRequest && c.method == null && !c.session.claimAnswer(c.message)) {
          // Only to a request of the server that the gateway delivered to this agent, once.
          throw Denial.refused(
                  400,
                  "bad_request",
                  Decision.Code.INVALID_REQUEST,
                  "this response answers no request the server sent to this session")
              .auditedAs(audited("response", idText(c.message.get("id"))));
        }
        if (c.isRequest) {
          c.transform = disclosed(x, c);
        }
      }
      c.session.touch();
    }

    /**
     * Stages 5 to 7 of a 2026-07-28 request, decided on its own: a guarded call by the guard with
     * its proof and approval; anything else needs the capability valid here with its holder's proof
     * over the operation, as a session operation does, every time (there is no session to remember
     * it).
     */
    private void verifyStateless(Exchange x, Call c) {
      if (c.guarded) {
        decide(x, c);
        return;
      }
      granted(sessionAccess.check(x.bearer(), x.proof(), "POST", c.method, x.sourceIp()));
      if (!authorizedHere(x.bearer())) {
        throw nothingHere();
      }
      if ("server/discover".equals(c.method)) {
        c.transform = McpEndpoint.this::discovered;
      } else {
        UnaryOperator<JsonNode> filter = disclosed(x, c);
        c.transform = c.method.endsWith("/list") ? privately(filter) : filter;
      }
    }

    /**
     * Decides a guarded call: its proof over the call as sent, and its approval (the {@code
     * Mandate-Approval} header, or a retry's answer to the gateway's approval round).
     *
     * @return the allowing result
     * @throws Denial the guard's denial (a JSON-RPC answer in a 200, or a 401 or 503)
     */
    private GuardResult decide(Exchange x, Call c) {
      ApprovalHeader.Read approval = ApprovalHeader.read(x.request().getHeaders());
      if (approval.problem() != null) {
        throw invalid(400, approval.problem());
      }
      String approvalText = approval.approval();
      if (c.retry != null && c.retry.approval() != null) {
        if (approvalText != null) {
          throw invalid(400, "send the approval in Mandate-Approval or in the retry, not both");
        }
        approvalText = c.retry.approval();
      }
      GuardResult result =
          guard.check(
              Presentation.of(x.bearer())
                  .withProof(x.proof())
                  .withCall(c.sent)
                  .withApproval(approvalText == null ? null : Approval.of(approvalText)),
              c.request,
              x.sourceIp());
      x.decided(c.request, result);
      if (!result.allowed()) {
        throw Denial.of(result)
            .answeredWith(
                result.unauthenticated() || result.httpStatus() == 503
                    ? result.httpStatus()
                    : common.resource().answers403(x, result.code()) ? 403 : 200);
      }
      return result;
    }

    /**
     * What a request that is not a guarded call may see ({@link Disclosure}): refused if it asks
     * for what the capability does not cover, else the filter of its answer.
     */
    private UnaryOperator<JsonNode> disclosed(Exchange x, Call c) {
      Disclosure.Coverage coverage = coverage(x.bearer());
      JsonNode params = c.message.get("params");
      Disclosure.Refusal refusal = disclosure.refusal(c.method, params, coverage);
      if (refusal != null) {
        throw Denial.refused(
                200,
                "bad_request",
                refusal.notCovered() ? Decision.Code.GRANT : Decision.Code.INVALID_REQUEST,
                refusal.reason())
            .auditedAs(audited(c.method, refusal.resource()));
      }
      return disclosure.answer(c.method, params, coverage);
    }

    @Override
    public void forward(Exchange x, Call c) {
      Response response = x.response();
      Callback callback = x.callback();
      if (c.statelessNotification) {
        response.setStatus(202);
        callback.succeeded();
        return;
      }
      if (c.envelope != null) {
        forwardStateless(x, c);
        return;
      }
      switch (c.admitted.httpMethod()) {
        case "GET" -> stream(x, c.session);
        case "DELETE" -> {
          end(c.session);
          response.setStatus(204);
          callback.succeeded();
        }
        default -> {
          if (c.initialize()) {
            // The agent's roots never reach the server; JSON when the client takes it, so the
            // session id travels with the complete answer.
            McpEndpoint.this.forward(
                response,
                callback,
                c.session,
                clientFeatures.initialize(c.message),
                !c.admitted.accepts().json,
                disclosure.answer("initialize", null, coverage(x.bearer())),
                c.session);
          } else if (c.isRequest) {
            McpEndpoint.this.forward(
                response,
                callback,
                c.session,
                c.message,
                c.admitted.accepts().sse,
                c.transform,
                null);
          } else {
            // The gateway owns roots: the agent's changes to them never reach the server.
            if (c.method == null || !ClientFeatures.owned(c.method)) {
              try {
                c.session.send(c.message, null);
              } catch (UpstreamUnavailableException e) {
                LOG.debug(
                    "session {}: could not forward a message: {}",
                    c.session.shortId(),
                    e.getMessage());
              }
            }
            response.setStatus(202);
            callback.succeeded();
          }
        }
      }
    }

    @Override
    public dev.mandate.token.Request auditedAs(Exchange x) {
      return audited(McpNames.SESSION_ACTION, McpNames.operation(x.request().getMethod(), null));
    }
  }

  /**
   * Relays a decided 2026-07-28 request to the upstream and its answer, filtered, to the agent.
   * Lists are per capability, so neither their result ({@code cacheScope}) nor the HTTP answer may
   * be kept by a shared cache.
   */
  private void forwardStateless(Exchange x, Call c) {
    Response response = x.response();
    Callback callback = x.callback();
    // Every answer is for this capability only, lists and discovery most of all.
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "private, no-store");
    UnaryOperator<JsonNode> transform = c.transform;
    stateless.send(
        c.message,
        x.request().getHeaders(),
        (status, answer) -> {
          try {
            JsonRpcDenials.json(
                response,
                callback,
                status,
                answer.get("result") != null && answer.get("result").isObject()
                    ? transform.apply(answer)
                    : answer);
          } catch (RuntimeException e) {
            callback.failed(e);
          }
        });
  }

  /**
   * The answer to {@code server/discover}: the revisions this endpoint serves for the upstream, and
   * its capabilities less what the gateway does not relay (resources or prompts not enabled, list
   * change subscriptions), private to the caller (2026-07-28 server/discover).
   */
  private JsonNode discovered(JsonNode answer) {
    ObjectNode result = (ObjectNode) answer.get("result");
    ArrayNode versions = result.putArray("supportedVersions");
    Revisions.served(upstream).forEach(versions::add);
    JsonNode caps = result.get("capabilities");
    if (caps instanceof ObjectNode capabilities) {
      if (!upstream.resources()) {
        capabilities.remove("resources");
      }
      if (!upstream.prompts()) {
        capabilities.remove("prompts");
      }
      for (String feature : List.of("tools", "resources", "prompts")) {
        if (capabilities.get(feature) instanceof ObjectNode f) {
          f.remove("listChanged");
          f.remove("subscribe");
        }
      }
    }
    result.put("cacheScope", "private");
    return answer;
  }

  /**
   * A list's filter, and its result marked {@code cacheScope: private} (2026-07-28 basic/index,
   * caching hints): what one capability sees is not for a shared cache to give another.
   */
  private static UnaryOperator<JsonNode> privately(UnaryOperator<JsonNode> filter) {
    return answer -> {
      JsonNode out = filter.apply(answer);
      if (out.get("result") instanceof ObjectNode result) {
        result.put("cacheScope", "private");
      }
      return out;
    };
  }

  /**
   * The session an operation that is not a guarded call acts on, once the capability and its
   * holder's proof over the operation are verified ({@link SessionAccess}).
   *
   * @param jsonRpcMethod the POSTed message's method, or null
   * @throws Denial 401 (or 503) if access is refused; 404 if the session is not the caller's
   */
  private McpSession sessionOf(Exchange x, Call c, String jsonRpcMethod) {
    SessionAccess.Granted granted =
        granted(
            sessionAccess.check(
                x.bearer(), x.proof(), c.admitted.httpMethod(), jsonRpcMethod, x.sourceIp()));
    McpSession session = sessions.get(c.sessionId);
    if (session == null || session.closed() || !session.owner().sameAs(granted.owner())) {
      throw c.post()
          ? invalid(404, "session not found")
          : httpRefusal(404, "session_not_found", "session not found");
    }
    if (!authorizedHere(x.bearer())) {
      throw nothingHere();
    }
    session.usedBy(granted.capability());
    return session;
  }

  /** A granted session operation, or the denial of a refused one (503 or 401). */
  private static SessionAccess.Granted granted(SessionAccess.Outcome access) {
    if (access instanceof SessionAccess.Denied denied) {
      GuardResult r = denied.result();
      throw Denial.of(r).answeredWith(r.httpStatus() == 503 ? 503 : 401);
    }
    return (SessionAccess.Granted) access;
  }

  /**
   * Admits a new session for an initialize request: the capability verified with its holder's
   * proof, something allowed on this upstream, and room within the session limits (idle sessions
   * are evicted for it).
   */
  private McpSession open(Exchange x, Call c) {
    String client = x.sourceIp();
    SessionAccess.Granted granted =
        granted(sessionAccess.check(x.bearer(), x.proof(), "POST", "initialize", client));
    if (!authorizedHere(x.bearer())) {
      throw nothingHere();
    }
    McpSession.Owner owner = granted.owner();
    McpSession session = new McpSession(sessionShared, owner, client == null ? "" : client);
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
      x.response().getHeaders().put(HttpHeader.RETRY_AFTER, "5");
      throw Denial.refused(
              refused.status(), "session_limit", Decision.Code.LIMIT_EXCEEDED, refused.reason())
          .auditedAs(audited("initialize", ""));
    }
    for (McpSession evicted : ((SessionAdmission.Admit<McpSession>) verdict).evict()) {
      LOG.debug("evicting idle session {} of {} for a new one", evicted.shortId(), service());
      evicted.close();
    }
    session.rememberBearer(x.bearer());
    return session;
  }

  /** The refusal (401, audited) of a token that could allow nothing on this upstream. */
  private Denial nothingHere() {
    return Denial.refused(
            401, "invalid_token", Decision.Code.GRANT, "the token allows nothing on " + service())
        .auditedAs(audited("session", ""));
  }

  /** A JSON-RPC protocol error: an invalid request. */
  private static Denial invalid(int status, String reason) {
    return Denial.protocol(
        status, "bad_request", JsonRpc.INVALID_REQUEST, Decision.Code.INVALID_REQUEST, reason);
  }

  /** An HTTP-level refusal that is no JSON-RPC answer (no message is read): a problem body. */
  private static Denial httpRefusal(int status, String error, String reason) {
    return Denial.protocol(
        status, error, JsonRpc.INVALID_REQUEST, Decision.Code.INVALID_REQUEST, reason);
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

  /** The request a refusal is audited as: this upstream's service, the action and resource. */
  private dev.mandate.token.Request audited(String action, String resource) {
    return new dev.mandate.token.Request(null, service(), action, resource, null, null);
  }

  private static String idText(JsonNode id) {
    return id == null ? "" : CallMapping.printable(id.asText());
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
      throw invalid(200, "request id is already in use");
    }
    long start = System.nanoTime();
    // Opening a session may start the upstream's process: it has the start bound, not the calls'.
    long deadline = start + timeout(newSession).toNanos();
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
      JsonRpcDenials.json(
          response,
          callback,
          200,
          JsonRpc.error(id, JsonRpcErrors.UNAVAILABLE, session.unavailableMessage()));
      return;
    }
    if (!async) {
      relay(response, callback, session, pending, sse, transform, newSession, deadline, start);
    }
  }

  /** How long a request may wait for its answer: a session's initialize has the start bound. */
  private Duration timeout(McpSession newSession) {
    return newSession == null ? config.callTimeout() : config.startTimeout();
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
                      + timeout(newSession).toSeconds()
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
    JsonRpcDenials.json(response, callback, 200, message);
  }

  private static String progressToken(JsonNode message) {
    JsonNode token = message.path("params").path("_meta").get("progressToken");
    return token != null && (token.isTextual() || token.isIntegralNumber())
        ? JsonRpc.idKey(token)
        : null;
  }

  // ---- GET -----------------------------------------------------------------------------------

  /** Relays the session's own messages on the GET stream, until it or the session ends. */
  private void stream(Exchange x, McpSession session) {
    if (!session.openGetStream()) {
      throw httpRefusal(409, "stream_open", "this session already has a GET stream");
    }
    Response response = x.response();
    Callback callback = x.callback();
    String bearer = x.bearer();
    Server server = x.request().getConnectionMetaData().getConnector().getServer();
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
