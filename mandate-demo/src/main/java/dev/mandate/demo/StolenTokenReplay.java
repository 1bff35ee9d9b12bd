package dev.mandate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.sdk.RequestShape;
import dev.mandate.sdk.ToolCall;
import dev.mandate.token.Call;
import dev.mandate.token.Proof;
import dev.mandate.wire.JsonRpcErrors;
import dev.mandate.wire.MandateHeaders;
import dev.mandate.wire.McpNames;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

/**
 * The attacker's side of token theft: a plain HTTP client, not an SDK wallet, presenting a
 * capability it stole (it leaked into an invoice) straight to the gateway's MCP endpoint, as a bare
 * bearer token or with proofs signed by the attacker's own key. A holder-bound capability must be
 * useless both ways: the gateway already refuses to open a session without the holder's proof, and
 * would refuse the call too. Each attempt opens its own session.
 */
final class StolenTokenReplay implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String SESSION_HEADER = "Mcp-Session-Id";

  /** How a replayed call ended: allowed, or denied with the gateway's reason. */
  record Result(boolean allowed, String reason) {}

  private final URI endpoint;
  private final String stolenToken;
  private final RequestShape shape;
  private final SecureRandom random;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  StolenTokenReplay(URI endpoint, String stolenToken, RequestShape shape, SecureRandom random) {
    this.endpoint = endpoint;
    this.stolenToken = stolenToken;
    this.shape = shape;
    this.random = random;
  }

  /** Opens a session and calls {@code tool}; {@code key} signs the proofs, or null for none. */
  Result call(SigningKey key, String tool, ObjectNode arguments) {
    try {
      ObjectNode init = rpc(1, "initialize");
      ObjectNode params = init.putObject("params");
      params.put("protocolVersion", "2025-11-25");
      params.putObject("capabilities");
      params.putObject("clientInfo").put("name", "not-an-sdk-client").put("version", "1");
      HttpResponse<String> opened =
          post(init, null, key == null ? null : sessionProof(key, "initialize"), "initialize");
      if (opened.statusCode() != 200) {
        return new Result(false, "the gateway refused the session: " + reason(opened));
      }
      String session = opened.headers().firstValue(SESSION_HEADER).orElse(null);
      ObjectNode initialized = JSON.createObjectNode().put("jsonrpc", "2.0");
      initialized.put("method", "notifications/initialized");
      post(
          initialized,
          session,
          key == null ? null : sessionProof(key, "notifications/initialized"),
          "notifications/initialized");
      ObjectNode call = rpc(2, McpNames.TOOLS_CALL);
      call.putObject("params").put("name", tool).set("arguments", arguments);
      String proof =
          key == null
              ? null
              : Proof.create(
                      key,
                      stolenToken,
                      shape.callFor(new ToolCall(tool, arguments)),
                      Instant.now(),
                      random)
                  .text();
      HttpResponse<String> answered = post(call, session, proof, McpNames.TOOLS_CALL);
      JsonNode answer = message(answered.body());
      if (answered.statusCode() == 200 && answer != null && answer.has("result")) {
        return new Result(!answer.get("result").path("isError").asBoolean(false), "");
      }
      return new Result(false, reason(answered));
    } catch (IOException e) {
      return new Result(false, "the gateway refused the call: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, "interrupted");
    }
  }

  private static ObjectNode rpc(int id, String method) {
    return JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
  }

  private String sessionProof(SigningKey key, String rpcMethod) {
    Call operation =
        Call.mcp(
            shape.audience(), shape.service(), McpNames.operation("POST", rpcMethod), "", null);
    return Proof.create(key, stolenToken, operation, Instant.now(), random).text();
  }

  private HttpResponse<String> post(JsonNode message, String session, String proof, String what)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(endpoint)
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("Authorization", "Bearer " + stolenToken)
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(message)));
    if (session != null) {
      b.header(SESSION_HEADER, session);
    }
    if (proof != null) {
      b.header(MandateHeaders.PROOF, proof);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The JSON-RPC message of a JSON or event-stream answer, or null. */
  private static JsonNode message(String body) {
    String json = body == null ? "" : body.strip();
    if (json.startsWith("event:") || json.startsWith("data:") || json.startsWith("id:")) {
      json =
          json.lines()
              .filter(l -> l.startsWith("data:"))
              .reduce((a, b) -> b)
              .map(l -> l.substring("data:".length()).strip())
              .orElse("");
    }
    try {
      JsonNode node = JSON.readTree(json);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The gateway's reason for a refusal: the JSON-RPC error message without its prefix. */
  private static String reason(HttpResponse<String> response) {
    JsonNode answer = message(response.body());
    String message = answer == null ? null : answer.path("error").path("message").asText(null);
    if (message == null) {
      return "HTTP " + response.statusCode();
    }
    return message.startsWith(JsonRpcErrors.DENIED_MESSAGE_PREFIX)
        ? message.substring(JsonRpcErrors.DENIED_MESSAGE_PREFIX.length())
        : message;
  }

  @Override
  public void close() {
    // Nothing is held open between attempts.
  }
}
