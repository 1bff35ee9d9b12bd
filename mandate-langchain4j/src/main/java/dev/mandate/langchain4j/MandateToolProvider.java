package dev.mandate.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.mcp.client.DefaultMcpClient;
import dev.langchain4j.mcp.client.McpClient;
import dev.langchain4j.mcp.client.transport.http.StreamableHttpMcpTransport;
import dev.langchain4j.service.tool.ToolExecutionResult;
import dev.langchain4j.service.tool.ToolProvider;
import dev.langchain4j.service.tool.ToolProviderRequest;
import dev.langchain4j.service.tool.ToolProviderResult;
import dev.mandate.sdk.CapabilityHandle;
import dev.mandate.sdk.Wallet;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A LangChain4j {@link ToolProvider} for the tools behind one MCP endpoint of a Mandate gateway,
 * used with one capability held in a {@link Wallet}. The model is offered only the tools the
 * capability covers (the gateway filters {@code tools/list}), and every call goes through the
 * gateway with the bearer token and a fresh proof signed by the wallet's holder key. The model sees
 * tool names and results only, never token text.
 *
 * <p>A call the gateway refuses comes back to the model as an error tool result, {@code "denied by
 * Mandate: <reason>"}, and the conversation goes on; so does a call that fails for another reason
 * ({@code "tool call failed: ..."}). To get the same for a tool the model was <em>not</em> offered
 * (which LangChain4j otherwise answers with an exception), pass {@link
 * #hallucinatedToolNameStrategy()} to {@code AiServices}: the call then goes to the gateway too,
 * which refuses it and records the attempt in the audit trail.
 *
 * <pre>{@code
 * try (MandateToolProvider tools =
 *     MandateToolProvider.builder()
 *         .wallet(wallet)
 *         .handle(invoices)
 *         .gateway(URI.create("https://gateway.internal/mcp/fs"))
 *         .build()) {
 *   Assistant assistant =
 *       AiServices.builder(Assistant.class)
 *           .chatModel(model)
 *           .toolProvider(tools)
 *           .hallucinatedToolNameStrategy(tools.hallucinatedToolNameStrategy())
 *           .build();
 *   assistant.chat("Summarise my 2024 invoices");
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} ends the MCP session.
 */
public final class MandateToolProvider implements ToolProvider, AutoCloseable {
  private final McpClient client;
  private final GatewayToolExecutor executor;
  private final String description;

  private MandateToolProvider(Builder b) {
    StreamableHttpMcpTransport transport =
        StreamableHttpMcpTransport.builder()
            .url(b.gateway.toString())
            .customHeaders(new GatewayHeaders(b.wallet, b.handle, b.gateway))
            .timeout(b.timeout)
            .build();
    try {
      this.client =
          DefaultMcpClient.builder()
              .key("mandate:" + b.handle.id())
              .clientName("mandate-langchain4j")
              .transport(transport)
              .initializationTimeout(b.timeout)
              .toolExecutionTimeout(b.timeout)
              // The tool list depends on the capability, which the wallet may refresh: ask the
              // gateway each time tools are provided rather than keep a list that may be stale.
              .cacheToolList(false)
              .autoHealthCheck(false)
              .build();
    } catch (RuntimeException e) {
      closeQuietly(transport);
      throw new IllegalStateException(
          "cannot open an MCP session with the Mandate gateway at "
              + b.gateway
              + " using "
              + b.handle
              + ": "
              + rootMessage(e),
          e);
    }
    this.executor = new GatewayToolExecutor(client, b.observer);
    this.description = "MandateToolProvider[" + b.gateway + ", " + b.handle + "]";
  }

  /** Starts building a provider; wallet, handle and gateway are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the tools the capability covers, as the gateway lists them, each with an executor that
   * calls it through the gateway.
   *
   * @throws IllegalStateException if the gateway cannot list the tools (unreachable, or the
   *     capability was refused)
   */
  @Override
  public ToolProviderResult provideTools(ToolProviderRequest request) {
    List<ToolSpecification> tools = listTools(request);
    ToolProviderResult.Builder result = ToolProviderResult.builder();
    for (ToolSpecification tool : tools) {
      result.add(tool, executor);
    }
    return result.build();
  }

  /**
   * Returns the tools the gateway lists for this capability: exactly those the model is offered.
   *
   * @throws IllegalStateException if the gateway cannot list the tools
   */
  public List<ToolSpecification> tools() {
    return listTools(null);
  }

  private List<ToolSpecification> listTools(ToolProviderRequest request) {
    try {
      return request == null || request.invocationContext() == null
          ? client.listTools()
          : client.listTools(request.invocationContext());
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "the Mandate gateway did not list the tools for " + description + ": " + rootMessage(e),
          e);
    }
  }

  /**
   * Returns a strategy for {@code AiServices.hallucinatedToolNameStrategy}: a call to a tool the
   * model was not offered is sent to the gateway like any other, and the model reads the answer
   * (normally {@code "denied by Mandate: ..."}) instead of the conversation ending in an exception.
   */
  public Function<ToolExecutionRequest, ToolExecutionResultMessage> hallucinatedToolNameStrategy() {
    return request -> {
      ToolExecutionResult result = executor.executeWithContext(request, null);
      return ToolExecutionResultMessage.builder()
          .id(request.id())
          .toolName(request.name())
          .text(result.resultText())
          .isError(result.isError())
          .build();
    };
  }

  /** Ends the MCP session with the gateway. */
  @Override
  public void close() {
    try {
      client.close();
    } catch (Exception e) {
      // Closing a session the gateway already ended is not worth an error.
      System.getLogger(MandateToolProvider.class.getName())
          .log(System.Logger.Level.DEBUG, "closing " + description + ": " + rootMessage(e));
    }
  }

  /** Returns the gateway endpoint and the handle; never token text. */
  @Override
  public String toString() {
    return description;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // Best effort: the session never opened.
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  /** Builds a {@link MandateToolProvider}; each setter validates its argument. */
  public static final class Builder {
    private Wallet wallet;
    private CapabilityHandle handle;
    private URI gateway;
    private Duration timeout = Duration.ofSeconds(30);
    private Consumer<ToolOutcome> observer;

    private Builder() {}

    /**
     * Sets the wallet that holds the capability and signs the proofs.
     *
     * @throws NullPointerException if null
     */
    public Builder wallet(Wallet wallet) {
      this.wallet = Objects.requireNonNull(wallet, "wallet");
      return this;
    }

    /**
     * Sets the capability to present, held by the wallet.
     *
     * @throws NullPointerException if null
     */
    public Builder handle(CapabilityHandle handle) {
      this.handle = Objects.requireNonNull(handle, "handle");
      return this;
    }

    /**
     * Sets the gateway's MCP endpoint for the upstream, such as {@code
     * https://gateway.internal/mcp/fs}.
     *
     * @throws IllegalArgumentException if not an absolute http or https URL
     */
    public Builder gateway(URI endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      if (!endpoint.isAbsolute()
          || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))) {
        throw new IllegalArgumentException(
            "the gateway endpoint must be an absolute http or https URL such as"
                + " https://gateway.internal/mcp/fs, got "
                + endpoint);
      }
      this.gateway = endpoint;
      return this;
    }

    /**
     * Sets how long to wait for the session to open and for each tool call (default 30 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets an observer told of every tool call's outcome (allowed, denied or failed), on the
     * calling thread, after the gateway answered. For traces and logs; it must not throw.
     *
     * @throws NullPointerException if null
     */
    public Builder onOutcome(Consumer<ToolOutcome> observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /**
     * Opens the MCP session with the gateway and returns the provider.
     *
     * @throws IllegalStateException if wallet, handle or gateway is missing, or the gateway cannot
     *     be reached or refuses the capability (the message says why)
     * @throws IllegalArgumentException if the wallet does not hold the handle
     */
    public MandateToolProvider build() {
      if (wallet == null || handle == null || gateway == null) {
        throw new IllegalStateException(
            "a MandateToolProvider needs wallet(...), handle(...) and gateway(...)");
      }
      return new MandateToolProvider(this);
    }
  }
}
