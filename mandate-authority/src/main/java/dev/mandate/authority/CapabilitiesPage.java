package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.ClientRecord;
import dev.mandate.authority.store.PersonRecord.Role;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Capabilities ({@code /console/capabilities}): find one by token id, by the client that minted it,
 * or by pasting it (a POST: a token never goes in a URL); see it as a tree ({@code
 * /console/capabilities/{tokenId}}, {@link CapabilityTrees}); revoke a block after a confirmation
 * page that lists what the cascade cuts ({@code .../revoke}), through the revocation machinery
 * ({@link RevocationEndpoints#revoke}), so gateways deny within their feed's staleness bound.
 */
final class CapabilitiesPage {
  static final String ROOT = ConsoleNav.CAPABILITIES.path();
  static final int LISTED = 50;

  private final CapabilityTrees trees;
  private final RevocationEndpoints revocations;
  private final AuthorityStore store;

  /**
   * The find page.
   *
   * @param tokenId the token id asked for, or ""
   * @param client the client asked for, or ""
   * @param minted that client's capabilities, newest first (empty without a client)
   * @param message what went wrong, or null
   * @param clients the known client ids
   */
  record Find(
      String tokenId,
      String client,
      List<CapabilityTrees.Minted> minted,
      String message,
      List<String> clients) {}

  /**
   * A capability's page.
   *
   * @param tree the tree
   * @param notice what was just done (a revocation, a pasted token), or null
   */
  record Page(CapabilityTree tree, String notice) {
    /** The decisions page filtered to this capability. */
    String decisionsUrl() {
      return ConsoleNav.DECISIONS.path() + "?capability=" + tree.tokenId();
    }
  }

  /**
   * The confirmation before a revocation.
   *
   * @param tree the capability
   * @param block the block to revoke
   * @param cascade that block and every block derived from it, in tree order
   */
  record Confirm(
      CapabilityTree tree, CapabilityTree.Node block, List<CapabilityTree.Cut> cascade) {}

  CapabilitiesPage(CapabilityTrees trees, RevocationEndpoints revocations, AuthorityStore store) {
    this.trees = trees;
    this.revocations = revocations;
    this.store = store;
  }

  List<ConsolePage> pages() {
    return List.of(
        ConsolePage.get(ROOT, Role.OPERATOR, this::find),
        ConsolePage.post(ROOT + "/inspect", Role.OPERATOR, this::inspect),
        ConsolePage.get(ROOT + "/{tokenId}", Role.OPERATOR, this::show),
        ConsolePage.get(ROOT + "/{tokenId}/revoke", Role.OPERATOR, this::confirm),
        ConsolePage.post(ROOT + "/{tokenId}/revoke", Role.OPERATOR, this::revoke));
  }

  private Reply find(ConsoleCall call) {
    String tokenId = blankToEmpty(call.query("tokenId"));
    String client = blankToEmpty(call.query("client"));
    List<String> clients = store.clients().stream().map(ClientRecord::clientId).toList();
    if (!tokenId.isEmpty()) {
      String id = tokenId.toLowerCase(java.util.Locale.ROOT);
      if (Ids.valid(id) && trees.find(id).isPresent()) {
        return call.redirect(ROOT + "/" + id);
      }
      return call.page(
          404,
          "capabilities.jte",
          "Capabilities",
          new Find(
              tokenId,
              client,
              List.of(),
              "The authority knows no capability with token id " + tokenId + ".",
              clients));
    }
    List<CapabilityTrees.Minted> minted =
        client.isEmpty() ? List.of() : trees.ofClient(client, LISTED);
    String message =
        !client.isEmpty() && minted.isEmpty()
            ? "The authority has no record of a capability minted by " + client + "."
            : null;
    return call.page(
        "capabilities.jte", "Capabilities", new Find(tokenId, client, minted, message, clients));
  }

  private Reply inspect(ConsoleCall call) {
    CapabilityTree tree = trees.presented(call.form("token"), call.person().name());
    return call.redirect(ROOT + "/" + tree.tokenId() + "?pasted=1");
  }

  private Reply show(ConsoleCall call) {
    CapabilityTree tree = tree(call);
    String notice = null;
    String revoked = call.query("revoked");
    if (revoked != null && tree.find(revoked).isPresent()) {
      notice =
          "Block "
              + revoked.substring(0, Math.min(16, revoked.length()))
              + " is revoked, with every block derived from it. Gateways deny it as soon as they"
              + " follow the revocation feed (within their staleness bound).";
    } else if (call.query("pasted") != null) {
      notice =
          "The token's blocks are recorded (in the audit trail, without the token itself), so this"
              + " capability's delegations stay known.";
    }
    return call.page(
        "capability.jte", "Capability " + shortId(tree.tokenId()), new Page(tree, notice));
  }

  private Reply confirm(ConsoleCall call) {
    CapabilityTree tree = tree(call);
    CapabilityTree.Node block = block(tree, call.query("block"));
    return call.page(
        "revoke.jte",
        "Revoke a block of " + shortId(tree.tokenId()),
        new Confirm(tree, block, tree.cascade(block.revocationId())));
  }

  private Reply revoke(ConsoleCall call) {
    CapabilityTree tree = tree(call);
    CapabilityTree.Node block = block(tree, call.form("block"));
    String reason = Ids.reason(call.form("reason"), true);
    revocations.revoke(
        call.person().name(), block.revocationId(), tree.tokenId(), reason, "at the console");
    return call.redirect(ROOT + "/" + tree.tokenId() + "?revoked=" + block.revocationId());
  }

  private CapabilityTree tree(ConsoleCall call) {
    String tokenId = call.path("tokenId");
    if (!Ids.valid(tokenId)) {
      throw ApiException.badRequest(
          "invalid_id",
          "A token id is 16 to 128 lowercase hex digits, as the authority issued it.");
    }
    return trees
        .find(tokenId)
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "The authority knows no capability with token id " + tokenId + "."));
  }

  /** The block of {@code tree} named by a revocation id: only blocks of this capability. */
  private static CapabilityTree.Node block(CapabilityTree tree, String revocationId) {
    if (revocationId == null || !Ids.valid(revocationId)) {
      throw ApiException.badRequest("invalid_id", "Choose a block of this capability to revoke.");
    }
    CapabilityTree.Node block =
        tree.find(revocationId)
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "Capability " + tree.tokenId() + " has no block " + revocationId + "."));
    if (!block.revocable()) {
      throw ApiException.conflict(
          "not_revocable",
          "That block is already "
              + block.state().label()
              + "; revoking it again would change nothing.");
    }
    return block;
  }

  static String shortId(String id) {
    return id.length() <= 16 ? id : id.substring(0, 16) + "…";
  }

  /** A link to the decisions page for one client. */
  static String clientUrl(String client) {
    return ROOT + "?client=" + URLEncoder.encode(client, StandardCharsets.UTF_8);
  }

  private static String blankToEmpty(String s) {
    return s == null ? "" : s.strip();
  }
}
