/**
 * What crosses the wire between Mandate's parts and their clients, defined once: the HTTP header
 * names ({@link dev.mandate.wire.MandateHeaders}), the JSON-RPC error codes the gateway answers MCP
 * clients with ({@link dev.mandate.wire.JsonRpcErrors}), the MCP methods the gateway guards and the
 * action names grants use for them ({@link dev.mandate.wire.McpNames}), and the one HTTP error body
 * of the authority and the gateway, an RFC 9457 problem ({@link dev.mandate.wire.Problem}).
 */
package dev.mandate.wire;
