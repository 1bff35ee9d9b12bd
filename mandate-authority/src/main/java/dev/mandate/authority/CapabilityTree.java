package dev.mandate.authority;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the authority knows of one capability, as a tree: the minted block, the attenuations and
 * delegations derived from it that the authority learned of, and their uses. Built by {@link
 * CapabilityTrees}; immutable.
 *
 * @param tokenId the token id, shared by every block of the tree
 * @param clientId the client that minted it, or null if the authority has no record of the mint
 * @param issuedAt when it was minted, or null
 * @param expiresAt when the minted capability expires (no block lives longer), or null
 * @param indirect whether it was minted indirect (it can be suspended and resumed)
 * @param root the minted block
 * @param unplaced revocations of blocks of this token the authority has seen nothing else of
 * @param decisionsRead how many of the newest decisions on this capability were read for uses
 * @param moreDecisions whether older decisions exist that were not read
 */
record CapabilityTree(
    String tokenId,
    String clientId,
    Instant issuedAt,
    Instant expiresAt,
    boolean indirect,
    Node root,
    List<Revocation> unplaced,
    int decisionsRead,
    boolean moreDecisions) {

  CapabilityTree {
    unplaced = List.copyOf(unplaced);
  }

  /** Whether a block is in force. */
  enum State {
    /** Neither it nor a block before it is revoked, suspended or expired. */
    ACTIVE("active"),
    /** This block's revocation id is revoked. */
    REVOKED("revoked"),
    /** A block before it is revoked or suspended, so every token that contains it is denied. */
    CUT("cut by an earlier block"),
    /** An indirect capability switched off (it can be resumed). */
    SUSPENDED("suspended"),
    /** Its expiry, or the minted capability's, has passed. */
    EXPIRED("expired");

    private final String label;

    State(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }

    /** Lower-case name, for a CSS class. */
    String css() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * A revocation the audit trail recorded.
   *
   * @param revocationId what was revoked
   * @param at when
   * @param by who asked (a client id, or a person at the console)
   * @param reason the reason given, or null
   */
  record Revocation(String revocationId, Instant at, String by, String reason) {}

  /**
   * One block.
   *
   * @param revocationId its revocation id (what revoking it publishes)
   * @param index its position in the chain (0 for the minted block)
   * @param kind {@code minted}, {@code attenuation} (the same holder narrowed it) or {@code
   *     delegation} (it binds a new holder key)
   * @param origin how the authority learned of it, in words
   * @param holderKeyId the holder key it binds, or null
   * @param contentKnown whether its grants and caveats are known (false for a block seen only in a
   *     gateway's decision)
   * @param grants its grants in plain language; empty for a block that does not restrict grants
   * @param caveats its caveats (and holder binding) in plain language
   * @param sealed whether no block may follow it
   * @param state whether it is in force
   * @param revocation the revocation of this very block, when the trail recorded it
   * @param allowed calls allowed through it (it was the last block), among the decisions read
   * @param denied denied calls presented with it last, among the decisions read
   * @param lastUse the last allowed call through it, or null
   * @param recent its newest decisions, newest first
   * @param children the blocks derived from it
   */
  record Node(
      String revocationId,
      int index,
      String kind,
      String origin,
      String holderKeyId,
      boolean contentKnown,
      List<PlainLanguage.Phrase> grants,
      List<PlainLanguage.Phrase> caveats,
      boolean sealed,
      State state,
      Revocation revocation,
      long allowed,
      long denied,
      Instant lastUse,
      List<LiveDecision> recent,
      List<Node> children) {

    Node {
      grants = List.copyOf(grants);
      caveats = List.copyOf(caveats);
      recent = List.copyOf(recent);
      children = List.copyOf(children);
    }

    /** Whether revoking it would change anything (it is not revoked or cut already). */
    boolean revocable() {
      return state != State.REVOKED && state != State.CUT;
    }

    /** The first 16 hex digits of the revocation id, for display. */
    String shortId() {
      return revocationId.length() <= 16 ? revocationId : revocationId.substring(0, 16);
    }
  }

  /**
   * One block a revocation would cut.
   *
   * @param node the block
   * @param depth 0 for the block revoked, 1 for its children, ...
   */
  record Cut(Node node, int depth) {}

  /** The block with this revocation id, if it is in the tree. */
  Optional<Node> find(String revocationId) {
    List<Node> todo = new ArrayList<>(List.of(root));
    while (!todo.isEmpty()) {
      Node n = todo.remove(todo.size() - 1);
      if (n.revocationId().equals(revocationId)) {
        return Optional.of(n);
      }
      todo.addAll(n.children());
    }
    return Optional.empty();
  }

  /**
   * What revoking the block {@code revocationId} cuts: that block and every block derived from it,
   * in tree order; empty if the block is not in the tree.
   */
  List<Cut> cascade(String revocationId) {
    List<Cut> out = new ArrayList<>();
    find(revocationId).ifPresent(n -> flatten(n, 0, out));
    return out;
  }

  /** Every block, in tree order, with its depth. */
  List<Cut> blocks() {
    List<Cut> out = new ArrayList<>();
    flatten(root, 0, out);
    return out;
  }

  private static void flatten(Node n, int depth, List<Cut> out) {
    out.add(new Cut(n, depth));
    for (Node c : n.children()) {
      flatten(c, depth + 1, out);
    }
  }
}
