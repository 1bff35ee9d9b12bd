package dev.mandate.sdk;

import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import dev.mandate.token.Request;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One capability in a wallet: its handle, request shape, the current token, the approvals waiting
 * for their call and, if it came from the authority, the source that refreshes it. The token and
 * the approvals change only under this object's lock.
 */
final class Held {
  private static final System.Logger LOG = System.getLogger(Wallet.class.getName());

  final CapabilityHandle handle;
  final RequestShape shape;
  final AuthorityCapabilitySource source;
  // After a failed refresh, wait this long before trying again, so a down authority is not
  // asked on every call while the current capability is still valid.
  private static final java.time.Duration RETRY_AFTER_FAILURE = java.time.Duration.ofSeconds(10);

  /** The most approvals one capability keeps waiting for their calls. */
  static final int MAX_PENDING_APPROVALS = 32;

  /**
   * An approval waiting for its call, its decoded fields and the request the gateway named when it
   * denied the call (null if unknown): its resource is the gateway's mapping of the call, which a
   * shape without a resource rule cannot work out.
   */
  private record Pending(Approval approval, Approval.Claims claims, Request named) {}

  private Capability capability;
  private Instant noRetryBefore = Instant.MIN;
  private final List<Pending> approvals = new ArrayList<>();

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
   * Keeps an approval for its call. Expired ones are dropped first; the same approval twice is kept
   * once.
   *
   * @param named the request the gateway named in its denial, whose digest is the approval's, or
   *     null
   * @throws IllegalArgumentException if it is for another token id than the current capability's,
   *     or has expired at {@code now}
   * @throws IllegalStateException if {@value #MAX_PENDING_APPROVALS} approvals are already waiting
   */
  synchronized void addApproval(
      Approval presented, Approval.Claims approval, Request named, Instant now) {
    if (!approval.tokenId().equals(capability.tokenId())) {
      throw new IllegalArgumentException(
          "approval "
              + approval.approvalId()
              + " is for token "
              + approval.tokenId()
              + ", but capability "
              + handle
              + " is token "
              + capability.tokenId());
    }
    if (now.isAfter(approval.notAfter())) {
      throw new IllegalArgumentException(
          "approval " + approval.approvalId() + " expired at " + approval.notAfter());
    }
    approvals.removeIf(p -> now.isAfter(p.claims().notAfter()));
    if (approvals.stream().anyMatch(p -> p.claims().approvalId().equals(approval.approvalId()))) {
      return;
    }
    if (approvals.size() >= MAX_PENDING_APPROVALS) {
      throw new IllegalStateException(
          "capability "
              + handle
              + " already keeps "
              + MAX_PENDING_APPROVALS
              + " approvals waiting for their calls; make those calls or let them expire first");
    }
    approvals.add(new Pending(presented, approval, named));
  }

  /**
   * Returns an unexpired approval for {@code tokenId} of exactly the request the gateway decides
   * for this call, and forgets it (an approval allows one call), or null if none is kept. That
   * request is {@code request} (from the shape's resource rule, or null), or for a tool call the
   * one its denial named with this call's tool name and arguments: the digest is always computed
   * over the call as sent, so an approval fits only the call it names. Drops expired ones.
   */
  synchronized Approval takeApproval(String tokenId, Request request, ToolCall tool, Instant now) {
    if (approvals.isEmpty()) {
      return null;
    }
    approvals.removeIf(p -> now.isAfter(p.claims().notAfter()));
    String digest = request == null ? null : digest(request);
    for (Iterator<Pending> it = approvals.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (!p.claims().tokenId().equals(tokenId)) {
        continue;
      }
      String approved = p.claims().requestDigest();
      if (approved.equals(digest) || approved.equals(asNamed(p.named(), tool))) {
        it.remove();
        return p.approval();
      }
    }
    return null;
  }

  /**
   * The digest of {@code tool} as the gateway decides it when it maps the call as it mapped the
   * named one (same audience, service and resource; this call's tool name and arguments), or null.
   */
  private static String asNamed(Request named, ToolCall tool) {
    if (named == null || tool == null) {
      return null;
    }
    return digest(
        new Request(
            named.audience(),
            named.service(),
            tool.name(),
            named.resource(),
            tool.arguments(),
            null));
  }

  /** The request digest, or null for arguments without a canonical form (no approval names it). */
  static String digest(Request request) {
    try {
      return Approval.requestDigest(request);
    } catch (IllegalArgumentException e) {
      return null;
    }
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
