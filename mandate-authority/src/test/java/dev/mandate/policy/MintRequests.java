package dev.mandate.policy;

import java.time.Duration;
import java.util.List;

/** Mint requests for policy tests. */
final class MintRequests {
  private MintRequests() {}

  /**
   * A request with only these fields; no max uses, max depth, indirection, approval, grant caveats
   * or parameters.
   */
  static MintRequest basic(
      String clientId, List<String> grants, Duration ttl, boolean holderBound, String audience) {
    return new MintRequest(
        clientId, grants, ttl, holderBound, audience, null, null, false, null, null, null, null);
  }
}
