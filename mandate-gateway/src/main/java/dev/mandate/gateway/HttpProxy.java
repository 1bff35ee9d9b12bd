package dev.mandate.gateway;

import dev.mandate.server.ProblemResponses;
import dev.mandate.server.Tracing;
import dev.mandate.token.Approval;
import dev.mandate.token.Call;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import dev.mandate.wire.MandateHeaders;
import dev.mandate.wire.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
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
 * <p>Requests run through the {@link Pipeline}'s stages, refusals answered by {@link
 * ProblemDenials}: transport checks ({@link HttpRoutes}: 400 or 404; a method or URL override,
 * {@link RequestOverrides}: 400; a declared body over the limit: 413; a body the route does not
 * take, {@link BodyType}: 415), the capability from the headers before any body is read (any denial
 * ends the request there, its body unread and its connection closed), the bounded read of a JSON or
 * form body, the arguments ({@link HttpArguments}; aliasing a checked argument, {@link
 * ArgumentAliasing}: 400), the guard, and the forward.
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
 * 400. With {@code Authorization: DPoP}, the {@code DPoP} header's proof is passed instead (spec
 * §7.2). Forwarded requests lose {@code Authorization}, {@code DPoP}, every {@code Mandate-*}
 * header, hop-by-hop headers, {@code Accept-Encoding} (so the answer arrives uncompressed and can
 * be inspected) and the client's forwarding headers, and gain the gateway's own {@code Forwarded}
 * and {@code X-Forwarded-*} ({@link ForwardedHeaders}) and the upstream's configured headers.
 * Bodies stream; a JSON or form body is read first (bounded) because its fields are arguments.
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

  private static final Set<String> NOT_FORWARDED =
      Set.of("authorization", "dpop", "accept-encoding");

  private final HttpRoutes routes;
  private final Map<String, GatewayConfig.Upstream> upstreams;
  private final Map<String, SecretRedaction> credentials = new HashMap<>();
  private final CallGuard guard;
  private final org.eclipse.jetty.client.HttpClient client;
  private final long maxBody;
  private final Duration upstreamTimeout;
  private final Tracing tracing;
  private final Pipeline<Admitted, Mapped> pipeline;
  private final boolean storesNeverWait;

  /**
   * A request past the transport checks.
   *
   * @param match the route and its path parameters
   * @param operation the route's operation as the headers tell it (computed once per request)
   * @param approval the approval header read
   * @param body the body's kind
   * @param hasBody whether the request has a body
   */
  record Admitted(
      HttpRoutes.Match match,
      Request operation,
      ApprovalHeader.Read approval,
      BodyType.Check body,
      boolean hasBody) {}

  /**
   * A request mapped to the call the guard decides.
   *
   * @param call the admitted request
   * @param sent the call as sent, which a holder proof signs (spec §7): method, path and query as
   *     received, the body's arguments
   * @param request the call as decided, derived from it
   * @param readBody the body read (forwarded as read), or null when it streams to the upstream
   */
  record Mapped(Admitted call, Call sent, Request request, byte[] readBody) {}

  private final ProtectedResource resource;

  HttpProxy(
      GatewayConfig config,
      CallGuard guard,
      org.eclipse.jetty.client.HttpClient client,
      Tracing tracing) {
    this.tracing = tracing;
    this.routes = new HttpRoutes(config.routes());
    this.upstreams = config.upstreams();
    upstreams.forEach(
        (name, u) -> credentials.put(name, SecretRedaction.ofHeaderValues(u.headers().values())));
    this.guard = guard;
    this.client = client;
    this.maxBody = config.limits().maxRequestBodyBytes();
    this.upstreamTimeout = config.limits().upstreamTimeout();
    this.resource = ProtectedResource.of(config);
    this.pipeline = new Pipeline<>(new Stages(), guard, new ProblemDenials());
    this.storesNeverWait =
        config.redis() == null
            && (config.spool() == null || config.spool().sync() != GatewayConfig.SyncMode.ALWAYS);
  }

  /** Whether some route of any method matches this path. */
  boolean routes(String rawPath) {
    return routes.matchesPath(rawPath);
  }

  /** Whether any route is configured (else the proxy answers only 404s). */
  boolean hasRoutes() {
    return !routes.isEmpty();
  }

  @Override
  public boolean handle(
      org.eclipse.jetty.server.Request request, Response response, Callback callback) {
    return handle(request, response, callback, null);
  }

  /**
   * Handles a request that arrived on a thread that must not wait (a selector thread of a
   * non-blocking server) when {@code offload} is given: a call that cannot wait ({@link
   * #decidesWithoutWaiting}) is handled right there, sparing two thread hand-offs; any other
   * request is handed to {@code offload} first. Without {@code offload}, on the calling thread.
   */
  boolean handle(
      org.eclipse.jetty.server.Request request,
      Response response,
      Callback callback,
      Executor offload) {
    Exchange x;
    try {
      String path = request.getHttpURI().getPath();
      x = new Exchange(request, response, callback, resource, path == null ? "" : path);
    } catch (Throwable t) {
      failed(request, response, callback, t);
      return true;
    }
    if (offload == null || decidesWithoutWaiting(x)) {
      run(x);
      return true;
    }
    try {
      offload.execute(Tracing.inCurrentContext(() -> run(x)));
    } catch (RejectedExecutionException stopping) {
      GatewayServer.refuseWhileStopping(response, callback);
    }
    return true;
  }

  /**
   * Whether handling this request cannot wait on anything but the CPU: no body to read, no store
   * that answers over the network (Redis) or waits for an fsync (the spool's {@code sync: always}),
   * and a token whose chain verified before under a key held in memory ({@link
   * CallGuard#hasVerified}): no signature check of the chain and no key fetch. The guard's other
   * checks, the spool's write to the OS and the forward (asynchronous) remain. A request with an
   * unknown, malformed or new token is handed off, so that no unauthenticated client can make a
   * selector thread wait.
   */
  boolean decidesWithoutWaiting(Exchange x) {
    return storesNeverWait
        && !hasBody(x.request())
        && x.bearer() != null
        && guard.hasVerified(x.bearer());
  }

  private void run(Exchange x) {
    org.eclipse.jetty.server.Request request = x.request();
    try {
      pipeline.handle(x);
    } catch (Throwable t) {
      failed(request, x.response(), x.callback(), t);
    }
  }

  private static void failed(
      org.eclipse.jetty.server.Request request, Response response, Callback callback, Throwable t) {
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

  /** The HTTP front end's stages, in the order {@link Pipeline} calls them. */
  private final class Stages implements Pipeline.FrontEnd<Admitted, Mapped> {
    @Override
    public Admitted admit(Exchange x) {
      org.eclipse.jetty.server.Request request = x.request();
      HttpRoutes.Match match = routes.match(request.getMethod(), request.getHttpURI().getPath());
      Request operation = operation(x, match);
      try {
        ApprovalHeader.Read approval = ApprovalHeader.read(request.getHeaders());
        if (approval.problem() != null) {
          throw badRequest(approval.problem());
        }
        String override = RequestOverrides.headerProblem(request.getHeaders());
        if (override != null) {
          throw badRequest(override);
        }
        long contentLength = request.getLength();
        if (contentLength > maxBody) {
          throw BodyRead.tooLarge(maxBody);
        }
        boolean hasBody = contentLength > 0 || (contentLength < 0 && hasChunkedBody(request));
        BodyType.Check body =
            BodyType.of(request.getHeaders(), hasBody, match.route().contentTypes());
        if (body.problem() != null) {
          throw Denial.protocol(
                  415,
                  "unsupported_media_type",
                  Denial.RPC_INVALID_REQUEST,
                  Decision.Code.INVALID_REQUEST,
                  body.problem())
              .body(Denial.Body.DISCARD);
        }
        return new Admitted(match, operation, approval, body, hasBody);
      } catch (Denial d) {
        throw d.auditedAs(operation);
      }
    }

    @Override
    public Request authenticatedAs(Exchange x, Admitted call) {
      return call.operation();
    }

    @Override
    public boolean refusedBeforeBody(GuardResult denial) {
      // The call's decision would be this denial anyway: answer it now, unread.
      return true;
    }

    @Override
    public long bodyLimit(Admitted call) {
      BodyType.Kind kind = call.body().kind();
      return kind == BodyType.Kind.JSON || kind == BodyType.Kind.FORM ? maxBody : -1;
    }

    @Override
    public Mapped map(Exchange x, Admitted call, byte[] body) {
      try {
        String query = x.request().getHttpURI().getQuery();
        HttpArguments.Parsed args =
            HttpArguments.of(
                call.match().params(),
                query,
                call.body().kind(),
                body,
                () -> CheckedArguments.of(x.bearer()));
        Request operation = call.operation();
        String path = x.request().getHttpURI().getPath();
        String target = path == null ? "/" : path;
        Call sent =
            Call.http(
                null,
                operation.service(),
                x.request().getMethod(),
                query != null ? target + "?" + query : target,
                args.body());
        return new Mapped(
            call,
            sent,
            new Request(
                null,
                operation.service(),
                operation.action(),
                operation.resource(),
                args.all(),
                operation.context()),
            body);
      } catch (Denial d) {
        throw d.auditedAs(call.operation());
      }
    }

    @Override
    public void verify(Exchange x, Mapped m) {
      String approval = m.call().approval().approval();
      GuardResult result =
          guard.check(
              Presentation.of(x.bearer())
                  .withProof(x.proof())
                  .withCall(m.sent())
                  .withApproval(approval == null ? null : Approval.of(approval)),
              m.request(),
              x.sourceIp());
      x.decided(m.request(), result);
      if (!result.allowed()) {
        throw Denial.of(result);
      }
    }

    @Override
    public void forward(Exchange x, Mapped m) {
      HttpProxy.this.forward(x, upstreams.get(m.call().match().route().upstream()), m);
    }

    @Override
    public Request auditedAs(Exchange x) {
      return new Request(
          null,
          "",
          printable(x.request().getMethod()),
          printable(String.valueOf(x.request().getHttpURI().getPath())),
          null,
          null);
    }
  }

  /** The route's operation as the headers tell it: without the arguments the body may add. */
  private static Request operation(Exchange x, HttpRoutes.Match match) {
    GatewayConfig.HttpRoute route = match.route();
    Map<String, Object> context = new HashMap<>();
    context.put("method", x.request().getMethod());
    context.put("path", x.request().getHttpURI().getPath());
    return new Request(
        null,
        route.service(),
        route.action(),
        PathTemplate.expand(route.resourceTemplate(), match.params()),
        null,
        context);
  }

  private static Denial badRequest(String reason) {
    return Denial.protocol(
        400, "bad_request", Denial.RPC_INVALID_REQUEST, Decision.Code.INVALID_REQUEST, reason);
  }

  /**
   * Sends the call upstream without waiting: the answer is relayed by an {@link UpstreamExchange}
   * on whichever thread delivers it, so no request thread is held while the upstream works.
   */
  private void forward(Exchange x, GatewayConfig.Upstream upstream, Mapped m) {
    org.eclipse.jetty.server.Request request = x.request();
    Response response = x.response();
    Callback callback = x.callback();
    String rawPath = request.getHttpURI().getPath();
    String query = request.getHttpURI().getQuery();
    byte[] readBody = m.readBody();
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
    } else if (m.call().hasBody()) {
      bounded = new BoundedBody(request, maxBody);
      out.body(bounded);
    }
    BoundedBody body = bounded;
    UpstreamSpans.trace(tracing, out);
    out.send(
        new UpstreamExchange(
            response,
            callback,
            credentials.get(upstream.name()),
            failure -> {
              if (body != null && body.exceeded()) {
                // Draining what the client still sends blocks: not on the thread that delivered
                // the upstream's failure.
                Denial tooLarge = BodyRead.tooLarge(maxBody).auditedAs(m.request());
                try {
                  client.getExecutor().execute(() -> pipeline.refuse(x, tooLarge));
                } catch (RejectedExecutionException stopping) {
                  // The gateway is stopping: answer without draining, and close the connection.
                  pipeline.refuse(x, tooLarge.body(Denial.Body.CLOSE));
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

  /** Whether a request of unknown length has a body: HTTP/1.1 frames one only with chunks. */
  private static boolean hasChunkedBody(org.eclipse.jetty.server.Request request) {
    return request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
  }

  /** Whether the request has a body, of declared length or chunked. */
  private static boolean hasBody(org.eclipse.jetty.server.Request request) {
    long length = request.getLength();
    return length > 0 || (length < 0 && hasChunkedBody(request));
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
    return BodyRead.strictUtf8(out.toByteArray());
  }

  static String printable(String s) {
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
