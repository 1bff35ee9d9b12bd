package dev.mandate.gateway.mcp;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What a session keeps of the capability it runs on, to end the session when that capability ends:
 * when the revocation view denies one of its blocks' revocation ids (a revocation or suspension) or
 * when it expires. Without this a revoked capability's sessions, and their child processes, would
 * linger until the idle timeout.
 *
 * @param revocationIds the revocation id of each block
 * @param expiresAt the earliest expiry of its blocks
 */
record SessionCapability(List<String> revocationIds, Instant expiresAt) {
  SessionCapability {
    revocationIds = List.copyOf(revocationIds);
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /**
   * Why a session running on this capability must end now, or null if it may go on.
   *
   * @param now the current time
   * @param denied whether the revocation view denies a revocation id
   */
  String ended(Instant now, Predicate<String> denied) {
    for (String id : revocationIds) {
      if (denied.test(id)) {
        return "its capability was revoked";
      }
    }
    return now.isAfter(expiresAt) ? "its capability expired" : null;
  }
}
