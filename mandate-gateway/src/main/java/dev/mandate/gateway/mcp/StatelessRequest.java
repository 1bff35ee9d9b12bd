package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.Denial;
import dev.mandate.token.Decision;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;

/**
 * The checks an MCP 2026-07-28 request passes before anything is decided on it, in the revision's
 * order (basic/transports, "Standard headers"; basic/index, "Per-request protocol fields"), so a
 * header can never steer a decision away from what the upstream executes:
 *
 * <ol>
 *   <li>no routing header ({@code MCP-Protocol-Version}, {@code Mcp-Method}, {@code Mcp-Name})
 *       twice: readers taking the first and the last copy would disagree;
 *   <li>{@code params._meta} carries the protocol version and the client's capabilities ({@code
 *       -32602}, 400);
 *   <li>the headers agree with the body: {@code MCP-Protocol-Version} with the envelope's version,
 *       {@code Mcp-Method} with the method, and for {@code tools/call}, {@code prompts/get} and
 *       {@code resources/read} {@code Mcp-Name} (plain, or {@code =?base64?...?=}) with the name or
 *       URI ({@code -32020} HEADER_MISMATCH, 400);
 *   <li>the version is one this endpoint serves statelessly ({@code -32022}, 400, naming the
 *       supported versions, so a client can fall back to a session where the upstream speaks only
 *       2025-11-25).
 * </ol>
 */
final class StatelessRequest {
  static final int INVALID_PARAMS = -32602;
  static final int HEADER_MISMATCH = -32020;
  static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;

  /** The requests a 2026-07-28 client sends to a server that the gateway relays. */
  static final Set<String> REQUESTS =
      Set.of(
          "server/discover",
          "tools/list",
          "tools/call",
          "resources/list",
          "resources/templates/list",
          "resources/read",
          "prompts/list",
          "prompts/get",
          "completion/complete");

  /**
   * What the envelope says of the client.
   *
   * @param capabilities the client's capabilities ({@code
   *     io.modelcontextprotocol/clientCapabilities})
   * @param traceparent the W3C trace context the request carries in {@code _meta}, or null
   */
  record Envelope(JsonNode capabilities, String traceparent) {
    /** Whether the client can answer a form elicitation (and so be asked for an approval). */
    boolean elicitsForms() {
      JsonNode e = capabilities.get("elicitation");
      return e != null && e.isObject() && (e.isEmpty() || e.has("form"));
    }
  }

  private StatelessRequest() {}

  /**
   * Checks a 2026-07-28 request.
   *
   * @param headers the HTTP request's headers
   * @param message the JSON-RPC request
   * @param upstream the upstream it is for
   * @throws Denial the revision's protocol error, before any decision
   */
  static Envelope check(HttpFields headers, JsonNode message, McpConfig.Upstream upstream) {
    for (String name :
        List.of(RoutingHeaders.VERSION, RoutingHeaders.METHOD, RoutingHeaders.NAME)) {
      if (headers.getValuesList(name).size() > 1) {
        throw error(400, HEADER_MISMATCH, name + " header appears more than once");
      }
    }
    JsonNode params = message.get("params");
    JsonNode meta = params == null ? null : params.get("_meta");
    if (meta == null || !meta.isObject()) {
      throw error(
          400,
          INVALID_PARAMS,
          "params._meta must be an object carrying "
              + Revisions.META_PROTOCOL_VERSION
              + " and "
              + Revisions.META_CLIENT_CAPABILITIES);
    }
    if (!meta.has(Revisions.META_PROTOCOL_VERSION)
        || !meta.has(Revisions.META_CLIENT_CAPABILITIES)) {
      throw error(
          400,
          INVALID_PARAMS,
          "params._meta is missing "
              + (meta.has(Revisions.META_PROTOCOL_VERSION)
                  ? Revisions.META_CLIENT_CAPABILITIES
                  : Revisions.META_PROTOCOL_VERSION));
    }
    JsonNode version = meta.get(Revisions.META_PROTOCOL_VERSION);
    String versionHeader = headers.get(McpEndpoint.VERSION_HEADER);
    if (versionHeader == null || !version.isTextual() || !versionHeader.equals(version.asText())) {
      throw error(
          400,
          HEADER_MISMATCH,
          McpEndpoint.VERSION_HEADER + " header does not match the request's protocol version");
    }
    String method = JsonRpc.method(message);
    if (!method.equals(headers.get(RoutingHeaders.METHOD))) {
      throw error(
          400, HEADER_MISMATCH, RoutingHeaders.METHOD + " header does not match the method");
    }
    String nameKey = RoutingHeaders.NAME_BEARING.get(method);
    if (nameKey != null) {
      JsonNode value = params.get(nameKey);
      if (value != null && !value.isNull()) {
        String header = RoutingHeaders.decode(headers.get(RoutingHeaders.NAME));
        if (header == null || !value.isTextual() || !header.equals(value.textValue())) {
          throw error(
              400,
              HEADER_MISMATCH,
              RoutingHeaders.NAME + " header does not match the request's '" + nameKey + "'");
        }
      }
    }
    if (!Revisions.STATELESS.equals(version.asText())) {
      throw unsupported(List.of(Revisions.STATELESS), versionHeader);
    }
    if (!upstream.speaksStateless()) {
      throw unsupported(Revisions.served(upstream), versionHeader);
    }
    JsonNode capabilities = meta.get(Revisions.META_CLIENT_CAPABILITIES);
    JsonNode trace = meta.get("traceparent");
    return new Envelope(
        capabilities.isObject() ? capabilities : JsonNodeFactory.instance.objectNode(),
        trace != null
                && trace.isTextual()
                && dev.mandate.gateway.Guard.TRACEPARENT.matcher(trace.textValue()).matches()
            ? trace.textValue()
            : null);
  }

  /**
   * The refusal of a request of a revision the upstream does not speak: {@code -32022}, naming the
   * versions this endpoint serves for it (an auto-negotiating client falls back to them).
   */
  static Denial unsupported(List<String> supported, String requested) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    supported.forEach(data.putArray("supported")::add);
    data.put("requested", requested == null ? "" : requested);
    return error(
            400,
            UNSUPPORTED_PROTOCOL_VERSION,
            "unsupported protocol version; this endpoint speaks " + String.join(", ", supported))
        .withRpcData(data);
  }

  private static Denial error(int status, int rpcCode, String reason) {
    return Denial.protocol(status, "bad_request", rpcCode, Decision.Code.INVALID_REQUEST, reason);
  }
}
