package dev.mandate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.exception.ToolExecutionException;
import dev.langchain4j.mcp.client.DefaultMcpClient;
import dev.langchain4j.mcp.client.McpCallContext;
import dev.langchain4j.mcp.client.transport.http.StreamableHttpMcpTransport;
import dev.langchain4j.mcp.protocol.McpCallToolRequest;
import dev.mandate.crypto.SigningKey;
import dev.mandate.sdk.RequestShape;
import dev.mandate.sdk.ToolCall;
import dev.mandate.token.Proof;
import dev.mandate.wire.JsonRpcErrors;
import dev.mandate.wire.MandateHeaders;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The attacker's side of token theft: an MCP client that is not an SDK wallet, presenting a
 * capability it stole (it leaked into an invoice) straight to the gateway, as a bare bearer token
 * or with a proof signed by the attacker's own key. A holder-bound capability must be useless both
 * ways. One MCP session; {@link #close()} ends it.
 */
final class StolenTokenReplay implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  /** How a replayed call ended: allowed, or denied with the gateway's reason. */
  record Result(boolean allowed, String reason) {}

  private final String stolenToken;
  private final RequestShape shape;
  private final SecureRandom random;
  private final AtomicReference<SigningKey> proofKey = new AtomicReference<>();
  private final DefaultMcpClient client;

  /**
   * Opens a session with the stolen token (the gateway lets a session start with any valid token;
   * it decides each call).
   *
   * @throws RuntimeException if the gateway refuses the session
   */
  StolenTokenReplay(URI endpoint, String stolenToken, RequestShape shape, SecureRandom random) {
    this.stolenToken = stolenToken;
    this.shape = shape;
    this.random = random;
    StreamableHttpMcpTransport transport =
        StreamableHttpMcpTransport.builder()
            .url(endpoint.toString())
            .customHeaders(this::headers)
            .timeout(TIMEOUT)
            .build();
    this.client =
        DefaultMcpClient.builder()
            .clientName("not-an-sdk-client")
            .transport(transport)
            .initializationTimeout(TIMEOUT)
            .toolExecutionTimeout(TIMEOUT)
            .autoHealthCheck(false)
            .build();
  }

  /** Calls {@code tool}; {@code key} signs a proof for the call, or null to send none. */
  Result call(SigningKey key, String tool, ObjectNode arguments) {
    proofKey.set(key);
    try {
      client.executeTool(
          ToolExecutionRequest.builder()
              .id("stolen")
              .name(tool)
              .arguments(JSON.writeValueAsString(arguments))
              .build());
      return new Result(true, "");
    } catch (ToolExecutionException e) {
      String message = e.getMessage() == null ? "" : e.getMessage();
      return new Result(
          false,
          message.startsWith(JsonRpcErrors.DENIED_MESSAGE_PREFIX)
              ? message.substring(JsonRpcErrors.DENIED_MESSAGE_PREFIX.length())
              : message);
    } catch (Exception e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return new Result(false, "the gateway refused the call: " + root.getMessage());
    }
  }

  private Map<String, String> headers(McpCallContext context) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + stolenToken);
    SigningKey key = proofKey.get();
    if (key != null && context != null && context.message() instanceof McpCallToolRequest r) {
      Object name = r.getParams().get("name");
      JsonNode args = JSON.valueToTree(r.getParams().get("arguments"));
      if (name instanceof String tool && args instanceof ObjectNode object) {
        headers.put(
            MandateHeaders.PROOF,
            Proof.create(
                    key,
                    stolenToken,
                    shape.callFor(new ToolCall(tool, object)),
                    Instant.now(),
                    random)
                .text());
      }
    }
    return headers;
  }

  @Override
  public void close() {
    client.close();
  }
}
