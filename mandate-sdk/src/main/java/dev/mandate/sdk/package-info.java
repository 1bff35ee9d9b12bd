/**
 * The agent SDK: a {@link dev.mandate.sdk.Wallet} that keeps an agent's capabilities behind opaque
 * {@link dev.mandate.sdk.CapabilityHandle}s, holds the holder key and signs the per-call proofs,
 * keeps a person's approvals of single calls until those calls are made, delegates narrowed
 * capabilities to sub-agents, fetches and refreshes capabilities from the authority ({@link
 * dev.mandate.sdk.AuthorityCapabilitySource}), and attaches presentations to {@code java.net.http}
 * requests ({@link dev.mandate.sdk.MandateHttp}) and to MCP Java SDK calls ({@link
 * dev.mandate.sdk.MandateMcpCustomizer}; needs {@code io.modelcontextprotocol.sdk:mcp} on the class
 * path, an optional dependency of this module).
 *
 * <p>Secrets: the holder key never leaves its wallet, and no {@code toString()}, exception message
 * or log line of this package contains token text, proof or approval text, key material or client
 * secrets.
 */
package dev.mandate.sdk;
