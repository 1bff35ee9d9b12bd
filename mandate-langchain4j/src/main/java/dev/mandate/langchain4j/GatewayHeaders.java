package dev.mandate.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.mcp.client.McpCallContext;
import dev.langchain4j.mcp.client.McpHeadersSupplier;
import dev.mandate.sdk.CapabilityHandle;
import dev.mandate.sdk.MandateMcpCustomizer;
import dev.mandate.sdk.Wallet;
import io.modelcontextprotocol.common.McpTransportContext;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The headers for each JSON-RPC message the LangChain4j MCP transport sends to the gateway: the
 * bearer token always, and a fresh proof for a guarded call ({@code tools/call}, {@code
 * resources/read}, {@code prompts/get}).
 *
 * <p>Which messages get a proof, and over which request, is decided by the SDK's {@link
 * MandateMcpCustomizer} so that every MCP client Mandate supports signs exactly the same requests.
 * The customizer speaks the MCP Java SDK's interface (an {@link HttpRequest.Builder} and the
 * message body); the transport here hands over the message object, so it is serialised as the
 * transport serialises it and the customizer's headers are copied from a scratch request.
 */
final class GatewayHeaders implements McpHeadersSupplier {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MandateMcpCustomizer customizer;
  private final URI endpoint;

  GatewayHeaders(Wallet wallet, CapabilityHandle handle, URI endpoint) {
    this.customizer = MandateMcpCustomizer.of(wallet, handle);
    this.endpoint = endpoint;
  }

  /**
   * Returns {@code Authorization} and, for a guarded call, {@code Mandate-Proof}.
   *
   * @throws dev.mandate.sdk.CapabilityUnavailableException if the capability expired and could not
   *     be refreshed (the transport fails the call; the tool executor turns it into a tool error)
   */
  @Override
  public Map<String, String> apply(McpCallContext context) {
    String body = null;
    if (context != null && context.message() != null) {
      try {
        body = JSON.writeValueAsString(context.message());
      } catch (JsonProcessingException e) {
        // Not expected for the transport's own message classes; present the bearer token only,
        // and the gateway refuses whatever needed a proof.
        body = null;
      }
    }
    HttpRequest.Builder scratch = HttpRequest.newBuilder(endpoint);
    customizer.customize(scratch, "POST", endpoint, body, McpTransportContext.EMPTY);
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> h : scratch.build().headers().map().entrySet()) {
      if (!h.getValue().isEmpty()) {
        headers.put(h.getKey(), h.getValue().get(0));
      }
    }
    return headers;
  }

  @Override
  public String toString() {
    return "GatewayHeaders[" + customizer + "]";
  }
}
