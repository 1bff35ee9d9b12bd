/**
 * The gateway's MCP front end: a Streamable HTTP endpoint (protocol revision 2025-11-25) per
 * upstream MCP server, which filters {@code tools/list} to what the presented capability allows,
 * enforces {@code tools/call}, {@code resources/read} and {@code prompts/get} through the {@link
 * dev.mandate.gateway.CallGuard}, and passes every other message through unchanged.
 *
 * <p>Entry points: {@link dev.mandate.gateway.mcp.McpConfig} (the {@code mcp:} section of the
 * gateway configuration) and {@link dev.mandate.gateway.mcp.McpHandler} (the Jetty handler).
 * Everything else is package-private machinery.
 */
package dev.mandate.gateway.mcp;
