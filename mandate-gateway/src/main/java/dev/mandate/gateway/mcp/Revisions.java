package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * The MCP revisions the front end speaks, and how a request says which one it is in: MCP 2025-11-25
 * (and the revisions before it) through sessions opened by {@code initialize}, MCP 2026-07-28
 * statelessly, every request carrying its revision and client description in {@code params._meta}
 * (2026-07-28 basic/index, "Per-request protocol fields"; basic/lifecycle).
 */
final class Revisions {
  /** The newest revision with sessions and the {@code initialize} handshake. */
  static final String SESSIONS = McpConfig.SESSION_REVISION;

  /** The stateless revision. */
  static final String STATELESS = McpConfig.STATELESS_REVISION;

  static final Set<String> ALL = Set.of(SESSIONS, STATELESS);
  static final String ALL_TEXT = SESSIONS + " and/or " + STATELESS;

  /** The revisions a session may name in {@code MCP-Protocol-Version}. */
  static final Set<String> SESSION_VERSIONS =
      Set.of("2024-10-07", "2024-11-05", "2025-03-26", "2025-06-18", SESSIONS);

  /** The {@code _meta} keys of a 2026-07-28 request's envelope. */
  static final String META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";

  static final String META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
  static final String META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";

  private Revisions() {}

  /**
   * Whether a POSTed message is a 2026-07-28 request: its {@code MCP-Protocol-Version} header is
   * 2026-07-28, or its {@code _meta} names a protocol version, or it is {@code server/discover}
   * (which has no session). Everything else is decided as a 2025-11-25 session message, exactly as
   * before.
   */
  static boolean stateless(String versionHeader, JsonNode message) {
    if (STATELESS.equals(versionHeader)) {
      return true;
    }
    JsonNode meta = message.path("params").path("_meta");
    return meta.has(META_PROTOCOL_VERSION) || "server/discover".equals(JsonRpc.method(message));
  }

  /** The revisions this endpoint answers a client with, for an upstream's {@code revisions}. */
  static List<String> served(McpConfig.Upstream upstream) {
    return upstream.speaksStateless() && upstream.speaksSessions()
        ? List.of(STATELESS, SESSIONS)
        : upstream.speaksStateless() ? List.of(STATELESS) : List.of(SESSIONS);
  }
}
