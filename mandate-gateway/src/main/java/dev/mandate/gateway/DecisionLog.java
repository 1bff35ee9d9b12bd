package dev.mandate.gateway;

import dev.mandate.token.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured log line for every request the gateway decides (logger {@code mandate.decisions},
 * INFO): request id, client address, capability (token id), service, action, resource, decision,
 * code, status and the time from the request's arrival to the decision. With {@code
 * MANDATE_LOG_FORMAT=json} each line is a JSON object whose key-value pairs are these fields. Set
 * the logger to WARN to turn it off; the audit trail keeps every decision either way. No token,
 * proof or argument value is logged.
 */
final class DecisionLog {
  private static final Logger LOG = LoggerFactory.getLogger("mandate.decisions");

  private DecisionLog() {}

  /** Logs the exchange's decision once; nothing when it has none or was logged already. */
  static void log(Exchange x) {
    GuardResult result = x.decision();
    if (result == null || !x.markLogged() || !LOG.isInfoEnabled()) {
      return;
    }
    Request request = x.decidedRequest();
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
