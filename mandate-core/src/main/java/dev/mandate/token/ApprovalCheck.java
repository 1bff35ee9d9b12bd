package dev.mandate.token;

import static dev.mandate.token.Reasons.deny;
import static dev.mandate.token.Reasons.unavailable;

import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.VerifyingKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The approval caveats of every block (spec §7.1): one approval, signed by a trusted root key, for
 * this token id and exactly this call, by a group each caveat lists, unexpired, and not used
 * before.
 */
record ApprovalCheck(TrustedKeys trustedKeys, Duration clockSkew, ReplayGuard replayGuard) {
  // How an approval is named to the replay guard, apart from proofs (which are hex:hex).
  private static final String REPLAY_PREFIX = "approval:";

  /**
   * The groups whose approval every approval caveat accepts, in the order the first caveat lists
   * them; empty when there is no approval caveat or they share no group.
   */
  static List<String> acceptedGroups(Chain chain) {
    List<String> groups = null;
    for (Chain.Link link : chain.links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.ApprovalRequired a) {
          if (groups == null) {
            groups = new ArrayList<>(a.groups());
          } else {
            groups.retainAll(a.groups());
          }
        }
      }
    }
    return groups == null ? List.of() : List.copyOf(groups);
  }

  /**
   * Checks the approval if any block has an approval caveat.
   *
   * @throws Reasons.Denial if the approval is missing or invalid, or the replay guard fails
   */
  void check(Chain chain, Request request, Approval approval, Instant now) {
    int first = -1;
    List<Caveat.ApprovalRequired> required = null;
    List<Integer> blocks = null;
    for (Chain.Link link : chain.links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.ApprovalRequired a) {
          if (required == null) {
            required = new ArrayList<>(2);
            blocks = new ArrayList<>(2);
            first = link.block().index();
          }
          required.add(a);
          blocks.add(link.block().index());
        }
      }
    }
    if (required == null) {
      return;
    }
    String digest = HexFormat.of().formatHex(Approval.requestDigestBytes(request));
    if (approval == null || approval.text().isEmpty()) {
      throw new Reasons.Denial(
          new Decision.Deny(
              Decision.Code.APPROVAL_REQUIRED,
              first,
              Decision.Check.APPROVAL,
              "block "
                  + first
                  + " requires a person's approval of each call by one of "
                  + required.get(0).groups()
                  + "; ask an approver to approve request "
                  + digest
                  + " of token "
                  + chain.tokenId
                  + ", then present the approval with the call",
              chain.tokenId,
              chain.revocationIds,
              acceptedGroups(chain),
              null));
    }
    Approval.Signed signed;
    try {
      signed = Approval.parse(approval.text());
    } catch (FormatException e) {
      throw invalid(chain, first, e.getMessage());
    }
    Approval.Claims a = signed.claims();
    VerifyingKey key = trustedKeys.find(a.keyId());
    if (key == null
        || !key.verify(signed.message(), 0, signed.message().length, signed.signature())) {
      throw invalid(chain, first, "the approval is not signed by a trusted authority key");
    }
    if (!a.tokenId().equals(chain.tokenId)) {
      throw invalid(
          chain, first, "the approval is for another capability (token " + a.tokenId() + ")");
    }
    if (!a.requestDigest().equals(digest)) {
      throw invalid(
          chain,
          first,
          "the approval is for another call (request "
              + a.requestDigest()
              + ", this call is "
              + digest
              + ")");
    }
    for (int i = 0; i < required.size(); i++) {
      if (!required.get(i).groups().contains(a.group())) {
        throw invalid(
            chain,
            blocks.get(i),
            "the approval is by group '"
                + a.group()
                + "'; block "
                + blocks.get(i)
                + " requires one of "
                + required.get(i).groups());
      }
    }
    Instant expires = a.notAfter().plus(clockSkew);
    if (now.isAfter(expires)) {
      throw invalid(chain, first, "the approval expired at " + a.notAfter());
    }
    boolean firstUse;
    try {
      firstUse = replayGuard.firstUse(REPLAY_PREFIX + a.approvalId(), expires);
    } catch (RuntimeException e) {
      throw unavailable(
          chain,
          first,
          Decision.Check.APPROVAL,
          "the approval cannot be checked for single use",
          "replay guard");
    }
    if (!firstUse) {
      throw invalid(
          chain,
          first,
          "the approval " + a.approvalId() + " was already used; each approves one call");
    }
  }

  private static Reasons.Denial invalid(Chain chain, int block, String why) {
    return deny(chain, Decision.Code.APPROVAL_INVALID, block, Decision.Check.APPROVAL, why);
  }
}
