package dev.mandate.authority.store;

import java.time.Instant;
import java.util.List;

/**
 * A call a gateway denied for want of a person's approval, as the authority keeps it until it is
 * answered or expires.
 *
 * @param requestId the id the gateway gave it (1 to 64 of {@code a-z 0-9 _ -})
 * @param tokenId the capability's token id
 * @param tokenClientId the client that minted the capability (who asks, through its agent)
 * @param requestDigest the hex request digest of the call (spec §7.1), as an approval names it
 * @param groups the approver groups any of which may answer it, 1 to 16, in the capability's order
 * @param requestJson the call exactly as the gateway decided it: {@code audience}, {@code service},
 *     {@code action}, {@code resource}, {@code args}, as JSON
 * @param displayJson the gateway's account of the call for people (arguments with host paths
 *     rewritten, what the capability allows), as JSON, or null
 * @param holder the holder key the capability is bound to, or null for a bearer capability
 * @param requestedBy the client that recorded the request (a gateway, or an approver client)
 * @param requestedAt when it was recorded
 * @param expiresAt when it stops waiting for an answer
 * @param status its state as stored; see {@link #statusAt(Instant)} for its state at a time
 * @param decidedAt when it was approved or refused, or null
 * @param approval the approval issued when it was approved, or null
 * @param answers every approver's answers, in the order given
 */
public record ApprovalRequestRecord(
    String requestId,
    String tokenId,
    String tokenClientId,
    String requestDigest,
    List<String> groups,
    String requestJson,
    String displayJson,
    String holder,
    String requestedBy,
    Instant requestedAt,
    Instant expiresAt,
    Status status,
    Instant decidedAt,
    IssuedApproval approval,
    List<ApprovalAnswer> answers) {

  /** Largest request or display document stored, in characters. */
  public static final int MAX_JSON = 96 * 1024;

  /** Most approver groups a request names. */
  public static final int MAX_GROUPS = 16;

  /** Where a request stands. */
  public enum Status {
    /** Waiting for approvers. */
    PENDING,
    /** Approved: its {@link IssuedApproval} was issued. */
    APPROVED,
    /** Refused by an approver of one of its groups. */
    REFUSED,
    /** No answer came before it expired. */
    EXPIRED
  }

  /**
   * The approval a request's answers issued (its claims; the text is re-derived when delivered).
   *
   * @param group the approver group whose quorum approved it, which the approval names
   * @param approvalId the approval's id (hex)
   * @param keyId the root key that signed it
   * @param notAfter when it stops being accepted
   */
  public record IssuedApproval(String group, String approvalId, String keyId, Instant notAfter) {
    /** Checks the fields. */
    public IssuedApproval {
      Limits.requireText("group", group, 64);
      Limits.requireText("approvalId", approvalId, 64);
      Limits.requireText("keyId", keyId, Limits.ID_MAX);
      Limits.requireNonNull("notAfter", notAfter);
    }
  }

  /** Validates and copies the fields; throws {@link IllegalArgumentException} on bad input. */
  public ApprovalRequestRecord {
    Limits.requireText("requestId", requestId, 64);
    Limits.requireText("tokenId", tokenId, Limits.ID_MAX);
    Limits.requireText("tokenClientId", tokenClientId, Limits.ID_MAX);
    Limits.requireText("requestDigest", requestDigest, 64);
    Limits.requireNonNull("groups", groups);
    if (groups.isEmpty() || groups.size() > MAX_GROUPS) {
      throw new IllegalArgumentException(
          "groups must hold 1.." + MAX_GROUPS + " groups, got " + groups.size());
    }
    groups.forEach(g -> Limits.requireText("groups[]", g, 64));
    groups = List.copyOf(groups);
    Limits.requireText("requestJson", requestJson, MAX_JSON);
    Limits.requireOptionalText("displayJson", displayJson, MAX_JSON);
    Limits.requireOptionalText("holder", holder, Limits.ID_MAX);
    Limits.requireText("requestedBy", requestedBy, Limits.ID_MAX);
    Limits.requireNonNull("requestedAt", requestedAt);
    Limits.requireNonNull("expiresAt", expiresAt);
    Limits.requireNonNull("status", status);
    answers = answers == null ? List.of() : List.copyOf(answers);
  }

  /** Its state at {@code now}: a pending request past its expiry has expired. */
  public Status statusAt(Instant now) {
    return status == Status.PENDING && !now.isBefore(expiresAt) ? Status.EXPIRED : status;
  }
}
