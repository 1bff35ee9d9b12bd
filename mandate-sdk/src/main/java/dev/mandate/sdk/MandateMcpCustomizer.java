package dev.mandate.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import dev.mandate.wire.McpNames;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.common.McpTransportContext;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Objects;

/**
 * Glue for the MCP Java SDK's Streamable HTTP client transport: presents one held capability to a
 * Mandate gateway on every HTTP request the transport makes. For a {@code tools/call} it signs a
 * proof over the request the gateway builds (via the capability's {@link RequestShape}); {@code
 * resources/read} and {@code prompts/get} get a proof too (action {@code resources.read} with the
 * URI as resource, and {@code prompts.get} with the prompt name). Every other message of a
 * holder-bound capability's session (initialize, tools/list, notifications, answers to the server,
 * the GET stream, session DELETE) gets a proof over the session operation ({@link
 * McpNames#SESSION_ACTION} on {@link McpNames#operation}), which the gateway requires so that
 * a stolen token without this wallet's key cannot use a session; a bearer capability sends the
 * token alone. A guarded call also carries an approval the wallet keeps for exactly that call
 * ({@link Wallet#addApproval}); a call the gateway refuses with {@code APPROVAL_REQUIRED} fails
 * with a JSON-RPC error whose {@code data} names the {@code tokenId}, {@code requestDigest}, {@code
 * approverGroups} and {@code request} to ask an approver for.
 *
 * <pre>{@code
 * McpSyncClient client =
 *     McpClient.sync(
 *             HttpClientStreamableHttpTransport.builder("https://gateway.internal")
 *                 .endpoint("/mcp/fs")
 *                 .httpRequestCustomizer(MandateMcpCustomizer.of(wallet, handle))
 *                 .build())
 *         .build();
 * }</pre>
 *
 * A call the request shape cannot map (for example a missing {@code path} argument) is sent with
 * the bearer token only, so the gateway refuses it with a reason the model can read. A resource URI
 * is signed as given: the gateway decides on its normalised form, so send normalised URIs. Needs
 * {@code io.modelcontextprotocol.sdk:mcp} 1.1.x on the class path.
 */
public final class MandateMcpCustomizer implements McpSyncHttpClientRequestCustomizer {
  private static final System.Logger LOG = System.getLogger(MandateMcpCustomizer.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Wallet wallet;
  private final CapabilityHandle handle;

  private MandateMcpCustomizer(Wallet wallet, CapabilityHandle handle) {
    this.wallet = wallet;
    this.handle = handle;
  }

  /**
   * Returns a customizer that presents {@code handle} from {@code wallet}.
   *
   * @throws IllegalArgumentException if the wallet does not hold the handle
   */
  public static MandateMcpCustomizer of(Wallet wallet, CapabilityHandle handle) {
    Objects.requireNonNull(wallet, "wallet");
    wallet.shape(handle);
    return new MandateMcpCustomizer(wallet, handle);
  }

  /**
   * Adds {@code Authorization}, for a holder-bound capability {@code Mandate-Proof} (over the call
   * for a guarded JSON-RPC request, else over the session operation), and for a guarded request
   * {@code Mandate-Approval} when the wallet keeps an approval of exactly this call (which it then
   * forgets; see {@link Wallet#addApproval}).
   *
   * @throws CapabilityUnavailableException if the capability has expired and could not be refreshed
   * @throws IllegalArgumentException if the wallet no longer holds the handle
   */
  @Override
  public void customize(
      HttpRequest.Builder builder,
      String method,
      URI endpoint,
      String body,
      McpTransportContext context) {
    JsonNode message = message(body);
    String rpcMethod =
        message != null && message.path("method").isTextual()
            ? message.get("method").textValue()
            : null;
    Presentation presentation;
    if (message != null && message.hasNonNull("id") && McpNames.guarded(rpcMethod)) {
      Request request = guardedRequest(message, rpcMethod);
      presentation = request == null ? wallet.bearer(handle) : wallet.authorize(handle, request);
    } else {
      RequestShape shape = wallet.shape(handle);
      presentation =
          wallet.authorize(
              handle,
              new Request(
                  shape.audience(),
                  shape.service(),
                  McpNames.SESSION_ACTION,
                  McpNames.operation(method, rpcMethod),
                  null,
                  null));
    }
    MandateHttp.attach(builder, presentation);
  }

  /** The body as a JSON object, or null if it is none. */
  private static JsonNode message(String body) {
    if (body == null) {
      return null;
    }
    try {
      JsonNode message = JSON.readTree(body);
      return message != null && message.isObject() ? message : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** The request the gateway checks for this guarded JSON-RPC request, or null if none fits. */
  private Request guardedRequest(JsonNode message, String method) {
    JsonNode params = message.get("params");
    if (params == null || !params.isObject()) {
      return null;
    }
    RequestShape shape = wallet.shape(handle);
    try {
      switch (method) {
        case McpNames.TOOLS_CALL:
          {
            JsonNode name = params.get("name");
            if (name == null || !name.isTextual()) {
              return null;
            }
            return shape.requestFor(new ToolCall(name.textValue(), arguments(params)));
          }
        case McpNames.RESOURCES_READ:
          {
            JsonNode uri = params.get("uri");
            if (uri == null || !uri.isTextual()) {
              return null;
            }
            return new Request(
                shape.audience(),
                shape.service(),
                McpNames.RESOURCES_READ_ACTION,
                uri.textValue(),
                null,
                null);
          }
        case McpNames.PROMPTS_GET:
          {
            JsonNode name = params.get("name");
            if (name == null || !name.isTextual()) {
              return null;
            }
            return new Request(
                shape.audience(),
                shape.service(),
                McpNames.PROMPTS_GET_ACTION,
                name.textValue(),
                arguments(params),
                null);
          }
        default:
          return null;
      }
    } catch (IllegalArgumentException e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "{0}: no proof for this {1}, the gateway will refuse it: {2}",
          handle,
          method,
          e.getMessage());
      return null;
    }
  }

  private static ObjectNode arguments(JsonNode params) {
    JsonNode arguments = params.get("arguments");
    if (arguments == null || arguments.isNull()) {
      return null;
    }
    if (!arguments.isObject()) {
      throw new IllegalArgumentException("arguments must be a JSON object");
    }
    return (ObjectNode) arguments;
  }

  @Override
  public String toString() {
    return "MandateMcpCustomizer[" + handle + "]";
  }
}
