package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.SecretRedaction;
import dev.mandate.gateway.TokenRedaction;
import dev.mandate.wire.JsonRpcErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * MCP 2026-07-28 towards an upstream: one POST per request, no session (basic/transports). The
 * request goes out as decided, with the routing headers computed from the body that is sent (never
 * copied from the agent's), the agent's {@code Mcp-Param-*} headers (which the upstream checks
 * against the arguments the gateway decided on), and the configured headers (the upstream's
 * credentials). The answer, a JSON body or an SSE stream (bounded by {@code maxUpstreamMessage}),
 * gives the response to the request; notifications before it are dropped. Credentials and Mandate
 * tokens are redacted from it, and an error answer names files grant-relative ({@link HostPaths}),
 * as a session's messages are. Nothing waits on a thread.
 */
final class StatelessUpstream {
  /** Receives the answer: the HTTP status to relay it with, and the JSON-RPC response. */
  interface Answer {
    void answered(int status, JsonNode response);
  }

  private final HttpTarget target;
  private final String service;
  private final int maxMessageBytes;
  private final SecretRedaction credentials;
  private final HostPaths hostPaths;

  StatelessUpstream(HttpTarget target, HostPaths hostPaths) {
    this.target = target;
    this.service = target.service();
    this.maxMessageBytes = (int) Math.min(Integer.MAX_VALUE - 8, target.maxMessageBytes());
    this.credentials = target.credentials();
    this.hostPaths = hostPaths;
  }

  /** Sends one request; {@code answer} is called exactly once, from the HTTP client's thread. */
  void send(JsonNode message, HttpFields agentHeaders, Answer answer) {
    JsonNode id = message.get("id");
    String method = JsonRpc.method(message);
    Request post =
        target
            .newRequest(HttpMethod.POST)
            .headers(
                h -> {
                  h.put(HttpHeader.ACCEPT, "application/json, text/event-stream");
                  h.put(McpEndpoint.VERSION_HEADER, Revisions.STATELESS);
                  h.put(RoutingHeaders.METHOD, method);
                  String name = RoutingHeaders.name(method, message);
                  if (name != null) {
                    h.put(RoutingHeaders.NAME, RoutingHeaders.encode(name));
                  }
                  for (HttpField f : agentHeaders) {
                    if (f.getName()
                        .regionMatches(
                            true,
                            0,
                            RoutingHeaders.PARAM_PREFIX,
                            0,
                            RoutingHeaders.PARAM_PREFIX.length())) {
                      h.add(f.getName(), f.getValue());
                    }
                  }
                })
            .body(new BytesRequestContent("application/json", JsonRpc.writeBytes(message)))
            .timeout(target.timeout().toMillis(), TimeUnit.MILLISECONDS);
    try {
      post.send(
          new BufferingResponseListener(maxMessageBytes) {
            @Override
            public void onComplete(Result result) {
              answer(result, id, getContent(), answer);
            }
          });
    } catch (RuntimeException e) {
      answer.answered(200, unavailable(id, "upstream " + service + " cannot be reached"));
    }
  }

  private void answer(Result result, JsonNode id, byte[] body, Answer answer) {
    if (result.isFailed()) {
      String why =
          result.getResponse() != null && result.getResponse().getStatus() > 0
              ? "upstream " + service + " broke off its answer or answered too much"
              : "upstream " + service + " is unreachable";
      answer.answered(200, unavailable(id, why));
      return;
    }
    int status = result.getResponse().getStatus();
    String type = result.getResponse().getHeaders().get(HttpHeader.CONTENT_TYPE);
    JsonNode response = null;
    try {
      if (type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        AtomicReference<JsonNode> found = new AtomicReference<>();
        String key = JsonRpc.idKey(id);
        new SseParser(
                maxMessageBytes,
                data -> {
                  try {
                    JsonNode m = JsonRpc.parse(data);
                    if (m != null
                        && JsonRpc.isResponse(m)
                        && JsonRpc.idKey(m.get("id")).equals(key)) {
                      found.set(m);
                    }
                  } catch (IOException e) {
                    // not JSON: not the response
                  }
                })
            .feed(ByteBuffer.wrap(body));
        response = found.get();
      } else if (body.length > 0) {
        JsonNode m = JsonRpc.parse(body);
        if (m != null && JsonRpc.isResponse(m)) {
          response = m;
        }
      }
    } catch (IOException e) {
      response = null;
    }
    if (response == null) {
      answer.answered(
          200,
          unavailable(
              id, "upstream " + service + " answered HTTP " + status + " without a response"));
      return;
    }
    JsonNode clean =
        JsonRpc.redactKeepingId(response, TokenRedaction::redact, TokenRedaction::redacting);
    if (!credentials.isEmpty()) {
      clean = JsonRpc.redactKeepingId(clean, credentials::redact, credentials::redacting);
    }
    clean = hostPaths.inErrors(clean);
    answer.answered(status(clean), clean);
  }

  /**
   * The status of an answer, as the revision maps JSON-RPC error codes (basic/transports): 400 for
   * parse, request, params, header and version errors, 404 for an unknown method, else 200.
   */
  static int status(JsonNode response) {
    JsonNode code = response.path("error").get("code");
    if (code == null || !code.canConvertToInt()) {
      return 200;
    }
    return switch (code.intValue()) {
      case -32700, -32600, -32602, -32020, -32021, -32022 -> 400;
      case -32601 -> 404;
      default -> 200;
    };
  }

  private static JsonNode unavailable(JsonNode id, String reason) {
    return JsonRpc.error(id, JsonRpcErrors.UNAVAILABLE, reason);
  }
}
