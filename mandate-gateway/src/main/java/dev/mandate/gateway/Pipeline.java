package dev.mandate.gateway;

import dev.mandate.server.UnreadBodies;
import dev.mandate.token.Request;
import java.util.Objects;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order in which the gateway handles a request, the same for every front end (the HTTP proxy
 * and each MCP endpoint), written here and nowhere else:
 *
 * <ol>
 *   <li><b>transport checks</b>: what the request line and headers decide alone (route, method,
 *       media type, override headers, declared size);
 *   <li><b>authenticate from headers</b> ({@link HeaderAuthentication}): the capability in {@code
 *       Authorization} is checked before any byte of the body is read, and a request without a
 *       usable one is answered and its connection closed, its body never read;
 *   <li><b>bounded body read</b> ({@link BodyRead}): at most the front end's limit, for the front
 *       ends whose body carries the call;
 *   <li><b>parse and map</b>: the body and the request line become a {@link Request};
 *   <li><b>verify</b>, <b>count uses</b>, <b>audit</b>: the {@link CallGuard} (the verifier counts
 *       a use as its last check; the guard appends every decision to the audit spool);
 *   <li><b>forward</b> and <b>response redaction</b>: the front end relays the call, removing
 *       tokens and vaulted credentials from what comes back.
 * </ol>
 *
 * <p>Any stage refuses by throwing a {@link Denial}. Each is caught here, once: audited and counted
 * (if the guard has not done so), and answered by the front end's one {@link DenialRenderer}.
 *
 * @param <C> what the transport checks make of a request
 * @param <M> what parsing and mapping make of it
 */
public final class Pipeline<C, M> {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  /** The stages of one front end, called by {@link Pipeline#handle} in order. */
  public interface FrontEnd<C, M> {
    /** Stage 1: refuses what the request line and headers alone rule out. */
    C admit(Exchange exchange);

    /**
     * Stage 2's operation: what a refused authentication is audited as (service, action, resource
     * as far as the headers tell them).
     */
    Request authenticatedAs(Exchange exchange, C call);

    /**
     * Whether header authentication refuses the request for this denial before its body is read;
     * otherwise the denial is left to the verify stage, which can answer it in the call's terms.
     */
    boolean refusedBeforeBody(GuardResult denial);

    /** Stage 3: the most bytes of body to read before mapping, or -1 to read none here. */
    long bodyLimit(C call);

    /** Stage 4: the request, from the admitted call and the body read (null if none was). */
    M map(Exchange exchange, C call, byte[] body);

    /** Stages 5 to 7: verifies the call, counting its uses and auditing the decision. */
    void verify(Exchange exchange, M mapped);

    /** Stages 8 and 9: forwards the call and relays the answer, redacted. */
    void forward(Exchange exchange, M mapped);

    /** What a denial made before a request was mapped is audited as. */
    Request auditedAs(Exchange exchange);
  }

  private final FrontEnd<C, M> frontEnd;
  private final HeaderAuthentication authentication;
  private final DenialRenderer renderer;
  private final CallGuard guard;

  /**
   * @param frontEnd the front end's stages
   * @param guard the guard that authenticates, verifies and records denials
   * @param renderer the front end's one way of answering a denial
   */
  public Pipeline(FrontEnd<C, M> frontEnd, CallGuard guard, DenialRenderer renderer) {
    this.frontEnd = Objects.requireNonNull(frontEnd, "frontEnd");
    this.guard = Objects.requireNonNull(guard, "guard");
    this.authentication = new HeaderAuthentication(guard);
    this.renderer = Objects.requireNonNull(renderer, "renderer");
  }

  /** Runs the stages on one request; answers it (or hands it on to be answered) in every case. */
  public void handle(Exchange x) {
    try {
      C call = frontEnd.admit(x);
      authentication.check(
          x.bearer(), frontEnd.authenticatedAs(x, call), x.sourceIp(), frontEnd::refusedBeforeBody);
      long limit = frontEnd.bodyLimit(call);
      byte[] body = limit < 0 ? null : BodyRead.read(x.body(), x.request().getLength(), limit);
      M mapped = frontEnd.map(x, call, body);
      frontEnd.verify(x, mapped);
      DecisionLog.log(x);
      frontEnd.forward(x, mapped);
    } catch (Denial d) {
      refuse(x, d);
    }
  }

  /**
   * Answers a denial that a stage made outside {@link #handle} (for example while relaying): audits
   * and counts it, then renders it.
   */
  public void refuse(Exchange x, Denial d) {
    Denial recorded = record(x, d);
    if (recorded.result() != null) {
      x.decided(
          recorded.audited() != null ? recorded.audited() : frontEnd.auditedAs(x),
          recorded.result());
      DecisionLog.log(x);
    }
    switch (recorded.bodyState()) {
      case DISCARD -> {
        // Drained (bounded) only for a sender with a usable capability, so that it reads the
        // answer; an unauthenticated sender's body is never read.
        if (guard.authenticate(x.bearer(), frontEnd.auditedAs(x)) != null
            || !UnreadBodies.discard(x.body())) {
          x.response().getHeaders().put(HttpHeader.CONNECTION, "close");
        }
      }
      case CLOSE -> x.response().getHeaders().put(HttpHeader.CONNECTION, "close");
      case READ -> {}
    }
    renderer.render(x, recorded);
  }

  /** The denial audited and counted: by the guard already, or now. */
  private Denial record(Exchange x, Denial d) {
    if (d.recorded()) {
      return d;
    }
    Request what = d.audited() != null ? d.audited() : frontEnd.auditedAs(x);
    try {
      // A refused JSON-RPC request is answered in a 200; the refusal itself is a 403.
      int status = d.status() == 200 ? 403 : d.status();
      return d.recorded(
          guard.recordRefusal(x.bearer(), what, d.code(), d.reason(), status, x.sourceIp()));
    } catch (RuntimeException e) {
      // Not expected (the guard never throws on bad input): still answer the denial.
      LOG.warn("cannot record a refusal: {}", e.toString());
      return d;
    }
  }
}
