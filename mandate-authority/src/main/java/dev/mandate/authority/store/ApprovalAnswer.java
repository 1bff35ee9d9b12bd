package dev.mandate.authority.store;

import java.time.Instant;

/**
 * One approver's answer to an approval request, for one of the request's groups.
 *
 * @param approver who answered: {@code client:ID} for an approver client, {@code person:NAME} for a
 *     person signed in to the console
 * @param group the approver group the answer counts for
 * @param answer approve or refuse
 * @param reason why, as the approver said (a refusal's reason), or null
 * @param at when
 */
public record ApprovalAnswer(
    String approver, String group, Answer answer, String reason, Instant at) {

  /** An approver's answer. */
  public enum Answer {
    APPROVE,
    REFUSE
  }

  /** Checks the fields. */
  public ApprovalAnswer {
    Limits.requireText("approver", approver, Limits.ID_MAX);
    Limits.requireText("group", group, 64);
    Limits.requireNonNull("answer", answer);
    Limits.requireOptionalText("reason", reason, Limits.TEXT_MAX);
    Limits.requireNonNull("at", at);
  }
}
