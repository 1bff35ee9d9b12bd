package dev.mandate.token;

import dev.mandate.caveat.Caveat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A capability whose signature chain a {@link Verifier} checked and which allowed one call: what
 * the caller needs afterwards (audit, sessions, approvals), so nothing downstream decodes the token
 * again. Only the verifier makes one, inside a {@link Decision.Allow}. Immutable.
 */
public final class VerifiedCapability {
  private final Chain chain;
  private final List<Block> blocks;

  VerifiedCapability(Chain chain) {
    this.chain = chain;
    List<Block> list = new ArrayList<>(chain.links.size());
    for (Chain.Link link : chain.links) {
      list.add(link.block());
    }
    this.blocks = List.copyOf(list);
  }

  /** Returns the token id (hex), shared by every attenuation of the same minted token. */
  public String tokenId() {
    return chain.tokenId;
  }

  /** Returns the id of the root key that signed the authority block. */
  public String rootKeyId() {
    return chain.rootKeyId;
  }

  /** Returns the blocks in order; block 0 is the authority block. */
  public List<Block> blocks() {
    return blocks;
  }

  /** Returns the revocation id of each block, in order. */
  public List<String> revocationIds() {
    return chain.revocationIds;
  }

  /** Returns the key id of the holder the capability is bound to, if it is holder-bound. */
  public Optional<String> holderKeyId() {
    return Optional.ofNullable(chain.last().block().holderKeyId());
  }

  /** Returns the earliest expiry of all blocks. */
  public Instant expiresAt() {
    Instant earliest = null;
    for (Block b : blocks) {
      for (Caveat c : b.caveats()) {
        if (c instanceof Caveat.Expiry e && (earliest == null || e.notAfter().isBefore(earliest))) {
          earliest = e.notAfter();
        }
      }
    }
    return earliest; // the authority block always has one (spec §6)
  }

  /**
   * Returns the approver groups whose approval every approval caveat accepts, in the order the
   * first caveat lists them; empty when no block has an approval caveat.
   */
  public List<String> approvalGroups() {
    return ApprovalCheck.acceptedGroups(chain);
  }

  @Override
  public String toString() {
    return "VerifiedCapability[token " + chain.tokenId + ", " + blocks.size() + " blocks]";
  }
}
