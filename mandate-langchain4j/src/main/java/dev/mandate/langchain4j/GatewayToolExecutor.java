package dev.mandate.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.exception.ToolArgumentsException;
import dev.langchain4j.exception.ToolExecutionException;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.mcp.client.McpClient;
import dev.langchain4j.service.tool.ToolExecutionResult;
import dev.langchain4j.service.tool.ToolExecutor;
import dev.mandate.sdk.CapabilityUnavailableException;
import dev.mandate.wire.JsonRpcErrors;
import java.util.function.Consumer;

/**
 * Sends a model's tool call through the gateway and turns every way it can end into a tool result
 * the model can read: the tool's answer, {@code "denied by Mandate: <reason>"} for a refusal
 * (whether the gateway answers it as a JSON-RPC error or as an {@code isError} tool result), or
 * {@code "tool call failed: <why>"}. It never throws, so a denial cannot abort the conversation.
 */
final class GatewayToolExecutor implements ToolExecutor {
  private static final int MAX_MESSAGE_CHARS = 500;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final McpClient client;
  private final Consumer<ToolOutcome> observer;

  GatewayToolExecutor(McpClient client, Consumer<ToolOutcome> observer) {
    this.client = client;
    this.observer = observer;
  }

  @Override
  public String execute(ToolExecutionRequest request, Object memoryId) {
    return executeWithContext(request, null).resultText();
  }

  @Override
  public ToolExecutionResult executeWithContext(
      ToolExecutionRequest request, InvocationContext context) {
    ToolOutcome outcome;
    try {
      ToolExecutionResult result =
          context == null ? client.executeTool(request) : client.executeTool(request, context);
      String text = result.resultText() == null ? "" : result.resultText();
      String denial = result.isError() ? deniedMessage(text) : null;
      if (denial == null) {
        outcome =
            new ToolOutcome(
                request.name(),
                request.arguments(),
                ToolOutcome.Verdict.ALLOWED,
                text,
                result.isError());
        observe(outcome);
        return result;
      }
      outcome = denied(request, denial);
    } catch (ToolArgumentsException e) {
      outcome = failed(request, "invalid arguments: " + message(e));
    } catch (ToolExecutionException e) {
      String message = message(e);
      // LangChain4j's MCP client throws for an isError result, with its (structured) content.
      String asResult = e.getMessage() == null ? null : deniedMessage(e.getMessage().strip());
      if (isDenial(e.errorCode(), message)) {
        outcome = denied(request, message);
      } else if (asResult != null) {
        outcome = denied(request, asResult);
      } else if (message.contains("status code: 401")) {
        // The transport drops the body of a non-2xx answer; 401 is the gateway refusing the token
        // itself (malformed, forged, unknown key), as opposed to a refused call.
        outcome =
            denied(
                request,
                "the gateway did not accept the capability (HTTP 401: malformed, forged or signed"
                    + " by an unknown key)");
      } else {
        outcome = failed(request, message);
      }
    } catch (CapabilityUnavailableException e) {
      outcome = failed(request, "no usable capability: " + message(e));
    } catch (RuntimeException e) {
      // Anything else the client throws (gateway unreachable, timeout) is the model's to read too.
      outcome = failed(request, message(e));
    }
    observe(outcome);
    return ToolExecutionResult.builder().isError(true).resultText(outcome.resultText()).build();
  }

  /**
   * The message of a denial the gateway answered as a tool result ({@code toolDenials: result}, and
   * every MCP 2026-07-28 request): the text itself, or the {@code message} of the structured
   * content a client shows instead of the text; null for any other tool error.
   */
  private static String deniedMessage(String text) {
    if (text.startsWith(JsonRpcErrors.DENIED_MESSAGE_PREFIX)) {
      return text;
    }
    try {
      JsonNode structured = JSON.readTree(text);
      JsonNode message = structured == null ? null : structured.get("message");
      return structured != null
              && structured.isObject()
              && structured.has(JsonRpcErrors.DATA_CODE)
              && message != null
              && message.isTextual()
              && message.textValue().startsWith(JsonRpcErrors.DENIED_MESSAGE_PREFIX)
          ? message.textValue()
          : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static boolean isDenial(Integer code, String message) {
    return (code != null && code == JsonRpcErrors.DENIED)
        || message.startsWith(JsonRpcErrors.DENIED_MESSAGE_PREFIX);
  }

  private static ToolOutcome denied(ToolExecutionRequest request, String message) {
    String text =
        message.startsWith(JsonRpcErrors.DENIED_MESSAGE_PREFIX)
            ? message
            : JsonRpcErrors.DENIED_MESSAGE_PREFIX + message;
    return new ToolOutcome(
        request.name(), request.arguments(), ToolOutcome.Verdict.DENIED, text, true);
  }

  private static ToolOutcome failed(ToolExecutionRequest request, String message) {
    return new ToolOutcome(
        request.name(),
        request.arguments(),
        ToolOutcome.Verdict.FAILED,
        "tool call failed: " + message,
        true);
  }

  private void observe(ToolOutcome outcome) {
    if (observer != null) {
      observer.accept(outcome);
    }
  }

  /** The root cause's message (else the outermost one), on one line and bounded. */
  private static String message(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = root.getMessage() != null ? root.getMessage() : e.getMessage();
    if (text == null) {
      text = root.getClass().getSimpleName();
    }
    text = text.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
    return text.length() > MAX_MESSAGE_CHARS ? text.substring(0, MAX_MESSAGE_CHARS) + "…" : text;
  }
}
