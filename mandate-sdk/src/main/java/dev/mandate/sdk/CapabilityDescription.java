package dev.mandate.sdk;

import java.time.Instant;
import java.util.List;

/**
 * What a held capability allows, in words safe to show a model: no token text, no key material. It
 * describes the token; the gateway still decides each call.
 *
 * @param handle the capability's handle
 * @param label the label given when it was added
 * @param tokenId the current token's id (hex; a refresh changes it), which an approval of a call
 *     names (see {@link Wallet#addApproval}); an identifier, not a credential
 * @param grants the grants of each block that lists grants, in chain order; a call must match a
 *     grant of every list (so the effective authority is their intersection)
 * @param restrictions the other caveats (arguments, conditions, audiences, uses, depth), as text
 * @param expiresAt when the capability expires (the earliest expiry of its blocks)
 * @param holderBound whether calls need a proof by this wallet's key
 * @param refreshable whether the wallet fetches a new capability before this one expires
 */
public record CapabilityDescription(
    CapabilityHandle handle,
    String label,
    String tokenId,
    List<List<String>> grants,
    List<String> restrictions,
    Instant expiresAt,
    boolean holderBound,
    boolean refreshable) {

  /** Copies the lists. */
  public CapabilityDescription {
    grants = grants.stream().map(List::copyOf).toList();
    restrictions = List.copyOf(restrictions);
  }

  /** Returns a one-line summary, e.g. for a model's tool description. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(handle.toString()).append(": ");
    for (int i = 0; i < grants.size(); i++) {
      s.append(i == 0 ? "" : " and within ").append(String.join(", ", grants.get(i)));
    }
    if (!restrictions.isEmpty()) {
      s.append("; ").append(String.join("; ", restrictions));
    }
    s.append("; expires ").append(expiresAt);
    s.append(holderBound ? "; holder-bound" : "; bearer");
    if (refreshable) {
      s.append(", refreshed before expiry");
    }
    return s.toString();
  }
}
