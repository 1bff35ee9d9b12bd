package dev.mandate.authority.store;

import java.util.List;

/**
 * What the authority decides while the store records an answer, inside its transaction: how many
 * approvers each group needs, the approval to issue when one reaches it, and the audit records of
 * the answer (written in the same transaction, so an answer is never recorded unaudited).
 */
public interface AnswerRules {
  /** How many distinct approvers of {@code group} must approve (at least 1). */
  int required(String group);

  /** Issues the approval a request's quorum in {@code group} earned (signs it; stores nothing). */
  ApprovalRequestRecord.IssuedApproval issue(String group, ApprovalRequestRecord request);

  /** The audit records of an answer that was recorded ({@link AnswerOutcome#recorded()}). */
  List<AuditEvent> audit(AnswerOutcome outcome);
}
