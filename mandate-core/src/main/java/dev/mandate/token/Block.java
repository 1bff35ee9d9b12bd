package dev.mandate.token;

import dev.mandate.caveat.Caveat;
import java.time.Instant;
import java.util.List;

/**
 * One decoded block of a capability chain, for inspection. Block 0 is the authority block.
 *
 * @param index position in the chain, 0 for the authority block
 * @param tokenId the token id in hex (authority block only, else null)
 * @param rootKeyId the id of the root key that signed it (authority block only, else null)
 * @param issuedAt when the authority minted the token (authority block only, else null)
 * @param grants the block's grants; empty means the block does not restrict grants
 * @param caveats the block's caveats in token order
 * @param holderKeyId the key id of the holder this block binds the token to, or null
 * @param sealed true if no block may follow this one
 * @param revocationId the block's revocation id (hex)
 */
public record Block(
    int index,
    String tokenId,
    String rootKeyId,
    Instant issuedAt,
    List<Grant> grants,
    List<Caveat> caveats,
    String holderKeyId,
    boolean sealed,
    String revocationId) {

  /** Copies the lists. */
  public Block {
    grants = List.copyOf(grants);
    caveats = List.copyOf(caveats);
  }
}
