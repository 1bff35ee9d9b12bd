package dev.mandate.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.sdk.CapabilityHandle;
import dev.mandate.sdk.MandateMcpCustomizer;
import dev.mandate.sdk.RequestShape;
import dev.mandate.sdk.Wallet;
import dev.mandate.token.Capability;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An agent as a real runtime is built: the SDK's {@link Wallet} holds its capability and presents
 * it to the gateway on every MCP request of the MCP Java SDK's client ({@link
 * MandateMcpCustomizer}). Its tool calls are what the console shows; every argument is the agent's
 * to choose.
 */
final class Agent implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  final Wallet wallet = Wallet.create(new SecureRandom(), Clock.systemUTC());
  final CapabilityHandle handle;
  final String tokenId;
  private final McpSyncClient client;

  /** What became of a call: the tool's text, or the gateway's denial (its JSON-RPC error data). */
  record Outcome(boolean allowed, String text, JsonNode denial) {
    String code() {
      return denial == null ? null : denial.path("code").asText(null);
    }
  }

  /**
   * Connects to the gateway's MCP endpoint at {@code endpoint} (its base URL and path) with {@code
   * token}, for calls to {@code service} of gateway {@code audience}.
   */
  Agent(String gateway, String path, String audience, String service, String token) {
    handle = wallet.add("task", token, RequestShape.of(audience, service));
    tokenId = Capability.decode(token).tokenId();
    client =
        McpClient.sync(
                HttpClientStreamableHttpTransport.builder(gateway)
                    .endpoint(path)
                    .httpRequestCustomizer(MandateMcpCustomizer.of(wallet, handle))
                    .build())
            .requestTimeout(Duration.ofSeconds(30))
            .initializationTimeout(Duration.ofSeconds(60))
            .build();
    client.initialize();
  }

  /** Calls {@code tool} with {@code arguments}. */
  Outcome call(String tool, Map<String, Object> arguments) {
    try {
      McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest(tool, arguments));
      String text =
          r.content().stream()
              .filter(c -> c instanceof McpSchema.TextContent)
              .map(c -> ((McpSchema.TextContent) c).text())
              .collect(Collectors.joining("\n"));
      return new Outcome(!Boolean.TRUE.equals(r.isError()), text, null);
    } catch (McpError e) {
      JsonNode data =
          e.getJsonRpcError() == null ? null : JSON.valueToTree(e.getJsonRpcError().data());
      return new Outcome(false, e.getMessage(), data);
    }
  }

  @Override
  public void close() {
    client.closeGracefully();
  }
}
