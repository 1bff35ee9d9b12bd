package dev.mandate.gateway.mcp;

import dev.mandate.gateway.CallGuard;
import dev.mandate.gateway.GuardResult;
import dev.mandate.token.Call;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import dev.mandate.token.VerifiedCapability;
import dev.mandate.wire.McpNames;

/**
 * Decides every session operation that is not a guarded call (initialize, lists, notifications,
 * answers to the server, the GET stream, DELETE): the capability must be valid here and, if
 * holder-bound, come with its holder's proof over the operation: an MCP call whose method is the
 * {@link McpNames#operation}, with an empty target and no arguments. So a stolen holder-bound token
 * without its key can neither open a session nor use one, and a token bound to someone else's
 * public key cannot operate their session. Guarded calls carry a proof over the call itself
 * instead.
 */
final class SessionAccess {
  private final CallGuard guard;
  private final String service;

  SessionAccess(CallGuard guard, String service) {
    this.guard = guard;
    this.service = service;
  }

  /** The outcome: the verified owner and capability, or a denial (audited and counted). */
  sealed interface Outcome permits Granted, Denied {}

  /**
   * The operation may go on.
   *
   * @param owner who the verified capability belongs to
   * @param capability what the session keeps of it
   */
  record Granted(McpSession.Owner owner, SessionCapability capability) implements Outcome {}

  /**
   * The operation is refused.
   *
   * @param result the guard's denial: 503 while the revocation view is stale or a store fails,
   *     otherwise a denial of the token or its proof (answered 401)
   */
  record Denied(GuardResult result) implements Outcome {}

  /**
   * Decides one operation.
   *
   * @param bearer the presented token (not null)
   * @param proof the holder's proof ({@link dev.mandate.gateway.Exchange#proof()}), or null
   * @param httpMethod {@code POST}, {@code GET} or {@code DELETE}
   * @param jsonRpcMethod the POSTed message's method, or null
   * @param sourceIp the caller's address, or null
   */
  Outcome check(
      String bearer, Proof proof, String httpMethod, String jsonRpcMethod, String sourceIp) {
    String method = McpNames.operation(httpMethod, jsonRpcMethod);
    Presentation presented =
        Presentation.of(bearer)
            .withProof(proof)
            .withCall(Call.mcp(null, service, method, "", null));
    Request operation = new Request(null, service, McpNames.SESSION_ACTION, method, null, null);
    GuardResult result = guard.checkSession(presented, operation, sourceIp);
    if (!result.allowed()) {
      return new Denied(result);
    }
    VerifiedCapability cap = ((Decision.Allow) result.decision()).capability();
    return new Granted(owner(cap), capability(cap));
  }

  /** The owner a verified capability gives a session. */
  static McpSession.Owner owner(VerifiedCapability cap) {
    return new McpSession.Owner(cap.tokenId(), cap.holderKeyId().orElse(null));
  }

  /** What a session keeps of a verified capability. */
  static SessionCapability capability(VerifiedCapability cap) {
    return new SessionCapability(cap.revocationIds(), cap.expiresAt());
  }
}
