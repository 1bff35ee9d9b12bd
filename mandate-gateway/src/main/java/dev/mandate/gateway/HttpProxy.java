package dev.mandate.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.server.ProblemResponses;
import dev.mandate.token.Approval;
import dev.mandate.token.Call;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import dev.mandate.wire.MandateHeaders;
import dev.mandate.wire.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP reverse proxy: matches {@code METHOD /path/{param}} routes, asks the {@link CallGuard},
 * and forwards allowed calls with the upstream's credentials, redacting Mandate tokens and those
 * credentials ({@link SecretRedaction}) from the answer.
 *
 * <p>Before the guard: a method or URL override is refused ({@link RequestOverrides}, 400), a body
 * the route does not take is refused ({@link BodyType}, 415), and arguments the upstream may read
 * as a checked argument are refused ({@link ArgumentAliasing}, 400).
 *
 * <p>The request the guard decides is built as: {@code service} and {@code action} from the route;
 * {@code resource} from the route's resource template with path parameters substituted; {@code
 * args} a JSON object of the path parameters, then the query parameters (one value: a string;
 * repeated: an array of strings), then the body's fields: a JSON body's (a non-object body goes
 * under {@code body}) or a form body's (as query parameters). A name given twice is a 400, so a
 * query parameter can never shadow a path parameter. A holder proof signs the call as sent, not
 * this request: the HTTP {@link Call} of the method, the path and query exactly as received, and
 * the body's arguments (spec §7), from which this request is derived.
 *
 * <p>A proof ({@code Mandate-Proof}) and an approval ({@link ApprovalHeader}) are passed to the
 * guard; more than one approval header, or one longer than {@link ApprovalHeader#MAX_CHARS}, is a
 * 400. Forwarded requests lose {@code Authorization}, every {@code Mandate-*} header, hop-by-hop
 * headers, {@code Accept-Encoding} (so the answer arrives uncompressed and can be inspected) and
 * the client's forwarding headers, and gain the gateway's own {@code Forwarded} and {@code
 * X-Forwarded-*} ({@link ForwardedHeaders}) and the upstream's configured headers. Bodies stream; a
 * JSON or form body is read first (bounded) because its fields are arguments.
 *
 * <p>The upstream hop is asynchronous (Jetty's {@code HttpClient}): the request thread decides the
 * call, sends it and returns; the answer is relayed by an {@link UpstreamExchange} as it arrives.
 * {@code limits.upstreamTimeout} bounds every wait for the upstream (for the first byte of the
 * answer, and between bytes after it): past it the call ends with a 504, or is cut if the answer
 * had begun.
 */
final class HttpProxy extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(HttpProxy.class);

  /** Mandate's own headers (compared lower-cased): never forwarded upstream. */
  private static final String MANDATE_PREFIX = MandateHeaders.PREFIX.toLowerCase(Locale.ROOT);

  /** Headers that describe one connection, not the message: never forwarded either way. */
  static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          "expect",
          "http2-settings");

  private static final Set<String> NOT_FORWARDED = Set.of("authorization", "accept-encoding");

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  static {
    JSON.getFactory()
        .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
  }

  private record CompiledRoute(GatewayConfig.HttpRoute route, PathTemplate template) {}

  private final List<CompiledRoute> routes;
  private final Map<String, GatewayConfig.Upstream> upstreams;
  private final Map<String, SecretRedaction> credentials = new HashMap<>();
  private final CallGuard guard;
  private final org.eclipse.jetty.client.HttpClient client;
  private final long maxBody;
  private final Duration upstreamTimeout;

  HttpProxy(GatewayConfig config, CallGuard guard, org.eclipse.jetty.client.HttpClient client) {
    List<CompiledRoute> compiled = new ArrayList<>();
    for (GatewayConfig.HttpRoute r : config.routes()) {
      compiled.add(new CompiledRoute(r, PathTemplate.parse(r.pathTemplate())));
    }
    this.routes = List.copyOf(compiled);
    this.upstreams = config.upstreams();
    upstreams.forEach(
        (name, u) -> credentials.put(name, SecretRedaction.ofHeaderValues(u.headers().values())));
    this.guard = guard;
    this.client = client;
    this.maxBody = config.limits().maxRequestBodyBytes();
    this.upstreamTimeout = config.limits().upstreamTimeout();
  }

  /** Whether any route is configured (else the proxy answers only 404s). */
  boolean hasRoutes() {
    return !routes.isEmpty();
  }

  @Override
  public boolean handle(
      org.eclipse.jetty.server.Request request, Response response, Callback callback) {
    try {
      proxy(request, response, callback);
    } catch (Throwable t) {
      LOG.error("unexpected failure while proxying {}", request.getHttpURI().getPath(), t);
      if (!response.isCommitted()) {
        ProblemResponses.send(
            response,
            callback,
            Problem.of(
                500,
                "internal_error",
                "the gateway failed to handle the request; the details are in its log"));
      } else {
        callback.failed(t);
      }
    }
    return true;
  }

  private void proxy(org.eclipse.jetty.server.Request request, Response response, Callback callback)
      throws IOException {
    String rawPath = request.getHttpURI().getPath();
    List<String> segments = new ArrayList<>();
    for (String raw : PathTemplate.split(rawPath == null ? "/" : rawPath)) {
      String decoded = percentDecode(raw, false);
      if (decoded == null || decoded.equals(".") || decoded.equals("..")) {
        ProblemResponses.send(
            response,
            callback,
            Problem.of(400, "bad_request", "the path is not a plain, decodable path"));
        return;
      }
      segments.add(decoded);
    }
    String method = request.getMethod();
    CompiledRoute matched = null;
    Map<String, String> params = null;
    for (CompiledRoute r : routes) {
      if (!r.route().method().equals(method)) {
        continue;
      }
      params = r.template().match(segments);
      if (params != null) {
        matched = r;
        break;
      }
    }
    if (matched == null) {
      ProblemResponses.send(
          response,
          callback,
          Problem.of(
              404,
              "not_found",
              "no route of this gateway matches " + printable(method + " " + rawPath)));
      return;
    }
    ApprovalHeader.Read approval = ApprovalHeader.read(request.getHeaders());
    if (approval.problem() != null) {
      ProblemResponses.send(response, callback, Problem.of(400, "bad_request", approval.problem()));
      return;
    }
    String override = RequestOverrides.headerProblem(request.getHeaders());
    if (override != null) {
      ProblemResponses.send(response, callback, Problem.of(400, "bad_request", override));
      return;
    }
    long contentLength = request.getLength();
    InputStream clientBody = Content.Source.asInputStream(request);
    if (contentLength > maxBody) {
      tooLarge(response, callback, clientBody);
      return;
    }
    boolean hasBody = contentLength > 0 || (contentLength < 0 && hasBody(request));
    BodyType.Check body =
        BodyType.of(request.getHeaders(), hasBody, matched.route().contentTypes());
    if (body.problem() != null) {
      refuseUnread(response, callback, clientBody, 415, "unsupported_media_type", body.problem());
      return;
    }

    ObjectNode args = JSON.createObjectNode();
    params.forEach(args::put);
    String query = request.getHttpURI().getQuery();
    List<UrlEncodedParameters.Parameter> queryParameters;
    List<UrlEncodedParameters.Parameter> formParameters = List.of();
    try {
      queryParameters = UrlEncodedParameters.parse(query);
    } catch (IllegalArgumentException e) {
      ProblemResponses.send(
          response,
          callback,
          Problem.of(400, "bad_request", "the query string is " + e.getMessage()));
      return;
    }
    String conflict = addParameters(args, queryParameters);
    if (conflict != null) {
      ProblemResponses.send(response, callback, Problem.of(400, "bad_request", conflict));
      return;
    }
    byte[] readBody = null;
    ObjectNode bodyArgs = JSON.createObjectNode();
    if (body.kind() == BodyType.Kind.JSON || body.kind() == BodyType.Kind.FORM) {
      try {
        readBody = readBounded(clientBody);
      } catch (IOException e) {
        // The client went away or sent its body too slowly (the server's minimum rate): an
        // ordinary refusal, not a gateway failure worth a stack trace per connection.
        ProblemResponses.send(
            response,
            callback,
            Problem.of(400, "bad_request", "the request body could not be read"));
        return;
      }
      if (readBody == null) {
        tooLarge(response, callback, clientBody);
        return;
      }
      String problem;
      if (body.kind() == BodyType.Kind.JSON) {
        problem = readBody.length == 0 ? null : addBody(bodyArgs, readBody);
      } else {
        String text = utf8(readBody);
        try {
          formParameters = UrlEncodedParameters.parse(text);
          problem =
              text == null ? "the form body is not UTF-8" : addParameters(bodyArgs, formParameters);
        } catch (IllegalArgumentException e) {
          problem = "the form body is " + e.getMessage();
        }
      }
      if (problem == null) {
        for (Map.Entry<String, JsonNode> f : bodyArgs.properties()) {
          problem = put(args, f.getKey(), f.getValue());
          if (problem != null) {
            break;
          }
        }
      }
      if (problem != null) {
        ProblemResponses.send(response, callback, Problem.of(400, "bad_request", problem));
        return;
      }
    }
    String bearer = bearer(request.getHeaders().get(HttpHeader.AUTHORIZATION));
    String aliasing =
        ArgumentAliasing.problem(
            params.keySet(),
            queryParameters,
            formParameters,
            args,
            () -> CheckedArguments.of(bearer));
    if (aliasing != null) {
      ProblemResponses.send(response, callback, Problem.of(400, "bad_request", aliasing));
      return;
    }

    GatewayConfig.HttpRoute route = matched.route();
    String resource = PathTemplate.expand(route.resourceTemplate(), params);
    String proof = request.getHeaders().get(MandateHeaders.PROOF);
    Map<String, Object> context = new HashMap<>();
    context.put("method", method);
    context.put("path", rawPath);
    // The call as sent, which a holder proof signs; the request below is derived from it.
    Call call =
        Call.http(
            null,
            route.service(),
            method,
            query != null ? rawPath + "?" + query : rawPath,
            bodyArgs);
    GuardResult result =
        guard.check(
            Presentation.of(bearer)
                .withProof(proof == null ? null : Proof.of(proof))
                .withCall(call)
                .withApproval(
                    approval.approval() == null ? null : Approval.of(approval.approval())),
            new Request(null, route.service(), route.action(), resource, args, context),
            org.eclipse.jetty.server.Request.getRemoteAddr(request));
    if (!result.allowed()) {
      denied(response, callback, result, bearer != null);
      return;
    }
    forward(
        request,
        response,
        callback,
        upstreams.get(route.upstream()),
        rawPath,
        query,
        clientBody,
        readBody,
        contentLength);
  }

  /**
   * Sends the call upstream without waiting: the answer is relayed by an {@link UpstreamExchange}
   * on whichever thread delivers it, so no request thread is held while the upstream works.
   */
  private void forward(
      org.eclipse.jetty.server.Request request,
      Response response,
      Callback callback,
      GatewayConfig.Upstream upstream,
      String rawPath,
      String query,
      InputStream clientBody,
      byte[] readBody,
      long contentLength) {
    URI target = URI.create(upstream.url() + rawPath + (query != null ? "?" + query : ""));
    org.eclipse.jetty.client.Request out =
        client
            .newRequest(target)
            .method(request.getMethod())
            // Bounds the wait for each read from the upstream, the first byte of the answer too.
            .idleTimeout(upstreamTimeout.toMillis(), TimeUnit.MILLISECONDS);
    out.headers(
        headers -> {
          for (HttpField f : request.getHeaders()) {
            String name = f.getLowerCaseName();
            if (HOP_BY_HOP.contains(name)
                || NOT_FORWARDED.contains(name)
                || name.startsWith(MANDATE_PREFIX)
                || ForwardedHeaders.dropped(name)
                || upstreamSets(upstream, name)) {
              continue;
            }
            headers.add(f);
          }
          ForwardedHeaders.set(
              headers,
              org.eclipse.jetty.server.Request.getRemoteAddr(request),
              request.isSecure() ? "https" : "http",
              request.getHttpURI().getAuthority());
          upstream.headers().forEach((name, value) -> headers.put(name, value.revealForUse()));
        });

    BoundedBody bounded = null;
    if (readBody != null) {
      out.body(new BytesRequestContent(readBody));
    } else if (contentLength > 0 || (contentLength < 0 && hasBody(request))) {
      bounded = new BoundedBody(request, maxBody);
      out.body(bounded);
    }
    BoundedBody body = bounded;
    out.send(
        new UpstreamExchange(
            response,
            callback,
            credentials.get(upstream.name()),
            failure -> {
              if (body != null && body.exceeded()) {
                // Draining what the client still sends blocks: not on the thread that delivered
                // the upstream's failure.
                try {
                  client.getExecutor().execute(() -> tooLarge(response, callback, clientBody));
                } catch (RejectedExecutionException stopping) {
                  // The gateway is stopping: answer without draining, and close the connection.
                  response.getHeaders().put(HttpHeader.CONNECTION, "close");
                  tooLarge(response, callback, InputStream.nullInputStream());
                }
                return;
              }
              upstreamFailed(upstream, response, callback, failure);
            }));
  }

  private void upstreamFailed(
      GatewayConfig.Upstream upstream, Response response, Callback callback, Throwable failure) {
    if (failure instanceof TimeoutException) {
      ProblemResponses.send(
          response,
          callback,
          Problem.of(
              504,
              "upstream_timeout",
              "the upstream '"
                  + upstream.name()
                  + "' did not answer within "
                  + upstreamTimeout.toMillis()
                  + " ms"));
      return;
    }
    if (failure instanceof UpstreamExchange.UninspectableEncoding e) {
      ProblemResponses.send(
          response,
          callback,
          Problem.of(
              502,
              "bad_gateway",
              "the upstream '"
                  + upstream.name()
                  + "' answered with content encoding '"
                  + printable(e.encoding())
                  + "': "
                  + e.getMessage()));
      return;
    }
    LOG.warn("upstream {} failed: {}", upstream.name(), failure.toString());
    ProblemResponses.send(
        response,
        callback,
        Problem.of(
            502,
            "bad_gateway",
            failure instanceof ConnectException
                ? "the upstream '" + upstream.name() + "' is unreachable"
                : "the upstream '" + upstream.name() + "' failed to answer"));
  }

  private static boolean upstreamSets(GatewayConfig.Upstream upstream, String lowerName) {
    for (String name : upstream.headers().keySet()) {
      if (name.equalsIgnoreCase(lowerName)) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasBody(org.eclipse.jetty.server.Request request) {
    return request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
  }

  /** Refuses a request whose body is left unread. */
  private static void refuseUnread(
      Response response,
      Callback callback,
      InputStream unread,
      int status,
      String error,
      String reason) {
    if (!UnreadBodies.discard(unread)) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    ProblemResponses.send(response, callback, Problem.of(status, error, reason));
  }

  private void tooLarge(Response response, Callback callback, InputStream unread) {
    if (!UnreadBodies.discard(unread)) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    ProblemResponses.send(
        response,
        callback,
        Problem.of(
            413,
            "body_too_large",
            "the request body is larger than the gateway's limit of " + maxBody + " bytes"));
  }

  /**
   * Answers a guard's denial with a problem whose code is the decision's: 401 with {@code
   * WWW-Authenticate} (RFC 6750: {@code error="invalid_token"} unless no token was sent), 403 (an
   * {@code APPROVAL_REQUIRED} denial adds {@link GuardResult.ApprovalNeeded#toJson()}'s members),
   * or 503 with {@code Retry-After}.
   */
  private static void denied(
      Response response, Callback callback, GuardResult r, boolean tokenSent) {
    Problem problem;
    if (r.unauthenticated() || !tokenSent) {
      response
          .getHeaders()
          .put(
              HttpHeader.WWW_AUTHENTICATE,
              tokenSent
                  ? "Bearer realm=\"mandate\", error=\"invalid_token\""
                  : "Bearer realm=\"mandate\"");
      problem =
          Problem.of(
              401,
              r.code(),
              tokenSent
                  ? r.reason()
                  : "no capability was presented; send Authorization: Bearer <token>");
    } else if (r.httpStatus() == 503) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      problem = Problem.of(503, r.code(), r.reason());
    } else {
      problem = Problem.of(r.httpStatus(), r.code(), r.reason());
      if (r.approvalNeeded() != null) {
        problem = problem.withAll(r.approvalNeeded().toJson());
      }
    }
    ProblemResponses.send(response, callback, problem);
  }

  /** Reads the whole body, or returns null if it is larger than the limit. */
  private byte[] readBounded(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    long total = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      total += n;
      if (total > maxBody) {
        return null;
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private static String addBody(ObjectNode args, byte[] body) {
    // Decoded here, not by Jackson, which would guess UTF-16 or UTF-32 from the first bytes.
    String text = utf8(body);
    if (text == null) {
      return "the JSON body is not UTF-8 (without a byte order mark)";
    }
    JsonNode parsed;
    try {
      parsed = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return "the JSON body is not valid JSON: " + e.getOriginalMessage();
    } catch (IOException e) {
      return "the JSON body could not be read";
    }
    if (parsed == null || parsed.isMissingNode()) {
      return null;
    }
    if (!parsed.isObject()) {
      return put(args, "body", parsed);
    }
    for (Map.Entry<String, JsonNode> f : parsed.properties()) {
      String conflict = put(args, f.getKey(), f.getValue());
      if (conflict != null) {
        return conflict;
      }
    }
    return null;
  }

  /** Adds parameters as arguments: one value as a string, a repeated name as an array. */
  private static String addParameters(
      ObjectNode args, List<UrlEncodedParameters.Parameter> parameters) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (UrlEncodedParameters.Parameter p : parameters) {
      values.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p.value());
    }
    for (Map.Entry<String, List<String>> e : values.entrySet()) {
      JsonNode node;
      if (e.getValue().size() == 1) {
        node = args.textNode(e.getValue().get(0));
      } else {
        ArrayNode array = args.arrayNode();
        e.getValue().forEach(array::add);
        node = array;
      }
      String conflict = put(args, e.getKey(), node);
      if (conflict != null) {
        return conflict;
      }
    }
    return null;
  }

  /** The bytes as strict UTF-8 (no byte order mark), or null. */
  private static String utf8(byte[] bytes) {
    if (bytes.length >= 3
        && (bytes[0] & 0xff) == 0xef
        && (bytes[1] & 0xff) == 0xbb
        && (bytes[2] & 0xff) == 0xbf) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }

  private static String put(ObjectNode args, String name, JsonNode value) {
    if (args.has(name)) {
      return "the argument '"
          + printable(name)
          + "' is given twice (path, query or body); give it once";
    }
    args.set(name, value);
    return null;
  }

  static String bearer(String authorization) {
    if (authorization == null) {
      return null;
    }
    String a = authorization.trim();
    if (a.length() < 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = a.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  /** Decodes %XX (and '+' in queries) as UTF-8; null when malformed. */
  static String percentDecode(String s, boolean plusIsSpace) {
    if (s.indexOf('%') < 0 && !(plusIsSpace && s.indexOf('+') >= 0)) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          return null;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        out.write(' ');
      } else {
        byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
      }
    }
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    try {
      return decoder.decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }

  private static String printable(String s) {
    String p = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return p.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /**
   * The client's streamed body as the upstream request's content: passes at most {@code limit}
   * bytes, then fails the upload and remembers why. Keeps the client's Content-Length.
   */
  private static final class BoundedBody implements org.eclipse.jetty.client.Request.Content {
    private final org.eclipse.jetty.server.Request source;
    private final long limit;
    private long count;
    private volatile boolean exceeded;

    BoundedBody(org.eclipse.jetty.server.Request source, long limit) {
      this.source = source;
      this.limit = limit;
    }

    boolean exceeded() {
      return exceeded;
    }

    @Override
    public String getContentType() {
      String type = source.getHeaders().get(HttpHeader.CONTENT_TYPE);
      return type != null ? type : "application/octet-stream";
    }

    @Override
    public long getLength() {
      return source.getLength();
    }

    @Override
    public Content.Chunk read() {
      Content.Chunk chunk = source.read();
      if (chunk == null || Content.Chunk.isFailure(chunk)) {
        return chunk;
      }
      count += chunk.remaining();
      if (count > limit) {
        chunk.release();
        exceeded = true;
        return Content.Chunk.from(
            new IOException("request body exceeds " + limit + " bytes"), true);
      }
      return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
      source.demand(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {
      // The upstream hop failed: the client's remaining body is drained or dropped by the answer.
    }

    @Override
    public boolean rewind() {
      return false;
    }
  }
}
