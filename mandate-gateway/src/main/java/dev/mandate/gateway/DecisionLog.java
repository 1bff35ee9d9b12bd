package dev.mandate.gateway;

import dev.mandate.token.Request;
import io.opentelemetry.api.trace.Span;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured log line for every request the gateway decides (logger {@code mandate.decisions},
 * INFO): request id, client address, capability (token id), service, action, resource, decision,
 * code, status and the time from the request's arrival to the decision. With {@code
 * MANDATE_LOG_FORMAT=json} each line is a JSON object whose key-value pairs are these fields. Set
 * the logger to WARN to turn it off; the audit trail keeps every decision either way. No token,
 * proof or argument value is logged. The request's trace span, when tracing is on, gets the
 * decision, code, token id, service and action as attributes ({@code mandate.*}).
 */
final class DecisionLog {
  private static final Logger LOG = LoggerFactory.getLogger("mandate.decisions");

  private DecisionLog() {}

  /** Logs the exchange's decision once; nothing when it has none or was logged already. */
  static void log(Exchange x) {
    GuardResult result = x.decision();
    if (result == null || !x.markLogged()) {
      return;
    }
    Request request = x.decidedRequest();
    annotateSpan(result, request);
    if (!LOG.isInfoEnabled()) {
      return;
    }
    LOG.atInfo()
        .addKeyValue("requestId", x.requestId())
        .addKeyValue("client", x.sourceIp())
        .addKeyValue("tokenId", result.tokenId() == null ? "-" : result.tokenId())
        .addKeyValue("service", field(request == null ? null : request.service()))
        .addKeyValue("action", field(request == null ? null : request.action()))
        .addKeyValue("resource", field(request == null ? null : request.resource()))
        .addKeyValue("decision", result.allowed() ? "allow" : "deny")
        .addKeyValue("code", result.code())
        .addKeyValue("status", result.httpStatus())
        .addKeyValue("latencyMicros", x.elapsedMicros())
        .log("decision");
  }

  /**
   * Puts the decision on the request's trace span, when one is recording: decision, code, token id,
   * service and action (no resource, argument or token).
   */
  private static void annotateSpan(GuardResult result, Request request) {
    Span span = Span.current();
    if (!span.isRecording()) {
      return;
    }
    span.setAttribute("mandate.decision", result.allowed() ? "allow" : "deny");
    span.setAttribute("mandate.code", String.valueOf(result.code()));
    if (result.tokenId() != null) {
      span.setAttribute("mandate.token_id", result.tokenId());
    }
    if (request != null) {
      span.setAttribute("mandate.service", field(request.service()));
      span.setAttribute("mandate.action", field(request.action()));
    }
  }

  /** A value for the log: "-" when absent, bounded and without control characters. */
  static String field(String value) {
    if (value == null || value.isEmpty()) {
      return "-";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), 256));
    for (int i = 0; i < value.length() && out.length() < 256; i++) {
      char c = value.charAt(i);
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return out.toString();
  }
}
