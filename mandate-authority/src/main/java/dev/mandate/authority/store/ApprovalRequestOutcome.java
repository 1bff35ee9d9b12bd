package dev.mandate.authority.store;

/**
 * What {@link AuthorityStore#recordApprovalRequest} did.
 *
 * @param kind what happened
 * @param request the request the id now names (for {@link Kind#ATTACHED}, the open request it was
 *     attached to), or for {@link Kind#LIMITED} the one that was refused
 */
public record ApprovalRequestOutcome(Kind kind, ApprovalRequestRecord request) {

  /** What recording did. */
  public enum Kind {
    /** A new pending request was stored. */
    CREATED,
    /** The id was already recorded for the same call: nothing changed. */
    EXISTING,
    /**
     * A request for the same call of the same capability is open (pending, or refused and not yet
     * expired): the id was stored as another name of it.
     */
    ATTACHED,
    /** The capability already has as many pending requests as allowed: nothing was stored. */
    LIMITED
  }
}
