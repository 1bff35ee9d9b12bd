package dev.mandate.authority.store;

/**
 * What {@link AuthorityStore#answerApprovalRequest} did.
 *
 * @param kind what happened
 * @param request the request as it stands afterwards (with every answer), or null if {@link
 *     Kind#UNKNOWN}
 */
public record AnswerOutcome(Kind kind, ApprovalRequestRecord request) {

  /** What an answer did. */
  public enum Kind {
    /** An approval was counted; the request still waits for more. */
    COUNTED,
    /** An approval completed a group's quorum: the request is approved and its approval issued. */
    APPROVED,
    /** A refusal: the request is refused. */
    REFUSED,
    /** The approver had answered this request before: nothing changed. */
    ALREADY_ANSWERED,
    /** The request is no longer pending (approved, refused or expired): nothing changed. */
    CLOSED,
    /** No request has this id. */
    UNKNOWN
  }

  /** Whether the answer changed the request (and was audited). */
  public boolean recorded() {
    return kind == Kind.COUNTED || kind == Kind.APPROVED || kind == Kind.REFUSED;
  }
}
