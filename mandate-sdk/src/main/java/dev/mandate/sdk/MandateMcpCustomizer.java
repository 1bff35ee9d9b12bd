package dev.mandate.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.token.Call;
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
 * Mandate gateway on every HTTP request the transport makes. For a holder-bound capability every
 * request carries a proof over the MCP call exactly as sent ({@link dev.mandate.token.Call}: the
 * {@link RequestShape}'s audience and service, the HTTP method and JSON-RPC method, and for {@code
 * tools/call}, {@code resources/read} and {@code prompts/get} the tool name, URI or prompt name and
 * the arguments), so nothing of the gateway's mapping is needed. Every other message of the session
 * (initialize, tools/list, notifications, answers to the server, the GET stream, session DELETE) is
 * signed the same way with an empty target and no arguments ({@link McpNames#operation}), which the
 * gateway requires so that a stolen token without this wallet's key cannot use a session; a bearer
 * capability sends the token alone. A guarded call also carries an approval the wallet keeps for
 * exactly that call ({@link Wallet#addApproval}); a call the gateway refuses with {@code
 * APPROVAL_REQUIRED} fails with a JSON-RPC error whose {@code data} names the {@code tokenId},
 * {@code requestDigest}, {@code approverGroups} and {@code request} to ask an approver for.
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
 * A guarded call without the parameters its method needs (a tool name, a URI, an arguments object)
 * is sent with the bearer token only, so the gateway refuses it with a reason the model can read.
 * Needs {@code io.modelcontextprotocol.sdk:mcp} 1.1.x on the class path.
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
    RequestShape shape = wallet.shape(handle);
    Presentation presentation;
    if (message != null && message.hasNonNull("id") && McpNames.guarded(rpcMethod)) {
      presentation = guarded(shape, message.get("params"), method, rpcMethod);
    } else {
      presentation =
          wallet.authorize(
              handle,
              Call.mcp(
                  shape.audience(),
                  shape.service(),
                  McpNames.operation(method, rpcMethod),
                  "",
                  null),
              null,
              null);
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

  /**
   * The presentation of a guarded JSON-RPC request: a proof over the call as sent, with a kept
   * approval of the request the gateway decides for it; the bearer token alone if the message lacks
   * what its method needs.
   */
  private Presentation guarded(
      RequestShape shape, JsonNode params, String httpMethod, String rpcMethod) {
    String target = params == null ? null : text(params, rpcMethod);
    ObjectNode arguments;
    try {
      arguments = params == null ? null : arguments(params);
    } catch (IllegalArgumentException e) {
      target = null;
      arguments = null;
    }
    if (target == null) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "{0}: no proof for this {1}, the gateway will refuse it",
          handle,
          rpcMethod);
      return wallet.bearer(handle);
    }
    Call call =
        Call.mcp(
            shape.audience(),
            shape.service(),
            McpNames.operation(httpMethod, rpcMethod),
            target,
            arguments);
    ToolCall tool = McpNames.TOOLS_CALL.equals(rpcMethod) ? new ToolCall(target, arguments) : null;
    Request approvalRequest =
        switch (rpcMethod) {
          case McpNames.TOOLS_CALL -> shape.approvalRequest(tool);
          case McpNames.RESOURCES_READ ->
              new Request(
                  shape.audience(),
                  shape.service(),
                  McpNames.RESOURCES_READ_ACTION,
                  target,
                  null,
                  null);
          default ->
              new Request(
                  shape.audience(),
                  shape.service(),
                  McpNames.PROMPTS_GET_ACTION,
                  target,
                  arguments,
                  null);
        };
    return wallet.authorize(handle, call, approvalRequest, tool);
  }

  /** The tool name, URI or prompt name a guarded method names, or null if it has none. */
  private static String text(JsonNode params, String rpcMethod) {
    JsonNode value = params.get(McpNames.RESOURCES_READ.equals(rpcMethod) ? "uri" : "name");
    return value != null && value.isTextual() && !value.textValue().isEmpty()
        ? value.textValue()
        : null;
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
