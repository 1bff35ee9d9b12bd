package dev.mandate.sdk;

import dev.mandate.token.Capability;
import java.time.Instant;

/**
 * One capability in a wallet: its handle, request shape, the current token and, if it came from the
 * authority, the source that refreshes it. The token changes only under this object's lock.
 */
final class Held {
  private static final System.Logger LOG = System.getLogger(Wallet.class.getName());

  final CapabilityHandle handle;
  final RequestShape shape;
  final AuthorityCapabilitySource source;
  // After a failed refresh, wait this long before trying again, so a down authority is not
  // asked on every call while the current capability is still valid.
  private static final java.time.Duration RETRY_AFTER_FAILURE = java.time.Duration.ofSeconds(10);

  private Capability capability;
  private Instant noRetryBefore = Instant.MIN;

  Held(
      CapabilityHandle handle,
      RequestShape shape,
      Capability capability,
      AuthorityCapabilitySource source) {
    this.handle = handle;
    this.shape = shape;
    this.capability = capability;
    this.source = source;
  }

  synchronized Capability current() {
    return capability;
  }

  /**
   * Returns the capability to present at {@code now}, refreshing it first when its source says it
   * is due. A failed refresh is logged and the current capability kept while it is still valid.
   *
   * @throws CapabilityUnavailableException if the capability has expired and was not refreshed
   */
  synchronized Capability usable(Instant now, Wallet wallet) {
    if (source != null
        && source.due(capability, now)
        && (!now.isBefore(noRetryBefore) || now.isAfter(capability.expiresAt()))) {
      refresh(now, wallet);
    }
    if (now.isAfter(capability.expiresAt())) {
      throw new CapabilityUnavailableException(
          "capability " + handle + " expired at " + capability.expiresAt());
    }
    return capability;
  }

  /**
   * Refreshes if due; returns true if a new capability replaced the old one.
   *
   * @throws CapabilityUnavailableException only if the capability expired and refreshing failed
   */
  synchronized boolean refreshIfDue(Instant now, Wallet wallet) {
    if (source == null || !source.due(capability, now)) {
      return false;
    }
    return refresh(now, wallet);
  }

  private boolean refresh(Instant now, Wallet wallet) {
    try {
      capability = wallet.checkedForThisWallet(source.fetch(wallet, shape), handle.label());
      noRetryBefore = Instant.MIN;
      return true;
    } catch (CapabilityUnavailableException | IllegalArgumentException e) {
      if (now.isAfter(capability.expiresAt())) {
        throw new CapabilityUnavailableException(
            "capability "
                + handle
                + " expired at "
                + capability.expiresAt()
                + " and could not be refreshed: "
                + e.getMessage(),
            e);
      }
      noRetryBefore = now.plus(RETRY_AFTER_FAILURE);
      LOG.log(
          System.Logger.Level.WARNING,
          "could not refresh capability {0}; using the current one until {1}: {2}",
          handle,
          capability.expiresAt(),
          e.getMessage());
      return false;
    }
  }
}
