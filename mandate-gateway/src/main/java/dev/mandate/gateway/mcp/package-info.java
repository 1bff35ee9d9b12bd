/**
 * The gateway's MCP front end: a Streamable HTTP endpoint (protocol revision 2025-11-25) per
 * upstream MCP server, which filters {@code tools/list} to what the presented capability allows,
 * enforces {@code tools/call}, {@code resources/read} and {@code prompts/get} through the {@link
 * dev.mandate.gateway.CallGuard}, and passes every other message through unchanged. A guarded call
 * presents {@code Mandate-Proof} and {@code Mandate-Approval} headers with its POST; a denial is a
 * JSON-RPC error {@code -32003} whose {@code data} carries the denial's {@code code} (and, for
 * {@code APPROVAL_REQUIRED}, what to ask an approver for). No header of the agent's request reaches
 * an upstream. A session ({@code Mcp-Session-Id}) belongs to the token that opened it: later
 * requests must present a token with the same token id (the same mint, or a capability delegated
 * from it) or, for a holder-bound token, the same holder key (a refreshed capability); any other
 * token is told 404, as if the session did not exist.
 *
 * <p>Entry points: {@link dev.mandate.gateway.mcp.McpConfig} (the {@code mcp:} section of the
 * gateway configuration) and {@link dev.mandate.gateway.mcp.McpHandler} (the Jetty handler).
 * Everything else is package-private machinery.
 */
package dev.mandate.gateway.mcp;
