/**
 * Mandate for LangChain4j: {@link dev.mandate.langchain4j.MandateToolProvider} offers a model only
 * the tools of a Mandate gateway that its capability covers and sends every call through the
 * gateway with the wallet's proof, turning a denial into a tool result the model can read; {@link
 * dev.mandate.langchain4j.ScriptedChatModel} replays a fixed script of tool calls so that the whole
 * tool loop can run for real without a language model.
 *
 * <p>The MCP session uses langchain4j-mcp's Streamable HTTP transport; the headers for each
 * JSON-RPC message come from the SDK's {@link dev.mandate.sdk.MandateMcpCustomizer}.
 */
package dev.mandate.langchain4j;
