/**
 * The gateway's MCP front end: a Streamable HTTP endpoint (protocol revision 2025-11-25) per
 * upstream MCP server, which enforces {@code tools/call}, {@code resources/read} and {@code
 * prompts/get} through the {@link dev.mandate.gateway.CallGuard}, filters {@code tools/list},
 * {@code resources/list}, {@code resources/templates/list}, {@code prompts/list} and {@code
 * completion/complete} to what the presented capability covers, refuses methods outside MCP's
 * standard set (and an upstream's {@code allowMethods}), and owns the client-side features that
 * would widen a server's reach: the agent's roots never reach the server (the gateway answers
 * {@code roots/list} from configuration), and the agent's answers reach only the server requests
 * delivered to it. A guarded call presents {@code Mandate-Proof} and {@code Mandate-Approval}
 * headers with its POST; the proof signs the call as sent (the tool name, URI or prompt name and
 * the arguments), from which {@code CallMapping} alone derives the request decided; a denial is a
 * JSON-RPC error {@code -32003} whose {@code data} carries the denial's {@code code} (and, for
 * {@code APPROVAL_REQUIRED}, what to ask an approver for). While the revocation view is stale every
 * operation is answered 503 with {@code Retry-After}. No header of the agent's request reaches an
 * upstream.
 *
 * <p>A session ({@code Mcp-Session-Id}) belongs to the verified token that opened it: later
 * requests must present a token with the same token id (the same mint, or a capability delegated
 * from it) or, for a holder-bound token, the same holder key (a refreshed capability); any other
 * token is told 404, as if the session did not exist. Every session operation of a holder-bound
 * capability carries its holder's proof ({@link dev.mandate.wire.McpNames#operation}). Sessions are
 * bounded per upstream, per owner and per client address, and end when their capability is revoked
 * or expires.
 *
 * <p>Entry points: {@link dev.mandate.gateway.mcp.McpConfig} (the {@code mcp:} section of the
 * gateway configuration) and {@link dev.mandate.gateway.mcp.McpHandler} (the Jetty handler).
 * Everything else is package-private machinery.
 */
package dev.mandate.gateway.mcp;
