package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.authority.store.AuditEvent;
import dev.mandate.authority.store.AuditRecord;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.TokenRecord;
import dev.mandate.caveat.Caveat;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import dev.mandate.token.InvalidTokenException;
import dev.mandate.token.Verifier;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds {@link CapabilityTree}s from what the authority recorded: the token record and the mint
 * event (the minted block), token exchange events (delegations the authority made), the newest
 * gateway decisions on the capability (which name the verified chain of blocks each allowed call
 * came through, so delegations made offline appear once used), revocations, and, when a person
 * pastes a token, that token's blocks (once its whole signature chain verifies).
 *
 * <p>Bounded: the newest {@value #EVENTS} lifecycle events and {@value #DECISIONS} decisions are
 * read, and a tree holds at most {@value #MAX_NODES} blocks.
 */
final class CapabilityTrees {
  static final int MAX_NODES = 256;
  static final int EVENTS = 1000;
  static final int DECISIONS = 2000;
  static final int RECENT_USES = 5;

  /** The longest token text accepted from a person. */
  static final int MAX_TOKEN_CHARS = 32_768;

  /** The most detail an inspection record holds (the trail's bound is 64 KiB). */
  private static final int INSPECT_DETAIL_MAX = 60_000;

  /** The audit record of a person pasting a token at the console: its blocks, as signed. */
  static final String INSPECT = "capability.inspect";

  private static final List<String> LIFECYCLE =
      List.of("mint", "oauth.exchange", INSPECT, "revoke", "suspend", "resume");
  private static final List<String> MINTS = List.of("mint", "oauth.exchange");

  private final AuthorityStore store;
  private final AuditTrail audit;
  private final Verifier verifier;
  private final Clock clock;

  /**
   * A capability a client minted, for a list.
   *
   * @param tokenId the token id
   * @param at when it was minted
   * @param grants its grants in plain language
   * @param expiresAt when it expires, or null
   * @param revoked whether its minted block is revoked
   */
  record Minted(
      String tokenId,
      Instant at,
      List<PlainLanguage.Phrase> grants,
      Instant expiresAt,
      boolean revoked) {}

  CapabilityTrees(AuthorityStore store, RootKeys keys, AuditTrail audit, Clock clock) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    // Signatures only, and no cache: a pasted token's text is not kept in memory.
    this.verifier =
        Verifier.builder()
            .trustedKeys(keys.trusted())
            .clock(clock)
            .verificationCacheSize(0)
            .build();
  }

  /** The tree of the capability with this token id, if the authority knows of it. */
  Optional<CapabilityTree> find(String tokenId) {
    return build(tokenId);
  }

  /**
   * The tree of a token a person pasted, its own blocks included. The token is untrusted input: it
   * is shown only once its whole signature chain verifies, whatever its number of blocks, as a
   * gateway verifies it first ({@link Verifier#verifySignatures}: block 0 signed by a root key of
   * this authority's that is not retired, every further block by the key the block before names, a
   * bearer token's final secret, max-depth caveats). Whether it is expired or revoked does not
   * matter here: the tree shows that. The blocks (never the token, its signatures or its secret)
   * are then recorded in the audit trail as {@value #INSPECT} by {@code actor}, so the authority
   * knows them from then on: a block delegated offline and never used can be found, and revoked,
   * later. Nothing is recorded for a token that is refused.
   *
   * @throws ApiException 400 {@code invalid_token} if it is not a capability whose signature chain
   *     verifies under this authority's keys, or its minted block is not the one the authority
   *     recorded for its token id; 404 if the authority has no record of its token id
   */
  CapabilityTree presented(String text, String actor) {
    String token = text == null ? "" : text.strip();
    if (token.isEmpty()) {
      throw ApiException.badRequest("invalid_token", "paste a capability (mnd1_...)");
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw ApiException.badRequest(
          "invalid_token",
          "this is longer than any capability (at most " + MAX_TOKEN_CHARS + " characters)");
    }
    Capability capability;
    try {
      capability = verifier.verifySignatures(token);
    } catch (InvalidTokenException e) {
      throw ApiException.badRequest(
          "invalid_token",
          "this is not a capability of this authority: " + Router.printable(e.getMessage()));
    }
    String tokenId = capability.tokenId();
    TokenRecord record =
        store
            .token(tokenId)
            .orElseThrow(() -> ApiException.notFound("the authority minted no token " + tokenId));
    if (!record.revocationIds().get(0).equals(capability.revocationIds().get(0))) {
      // Signed by this authority yet not the block it recorded: never show it as that capability.
      throw ApiException.badRequest(
          "invalid_token", "this token's minted block is not the one this authority minted");
    }
    audit.record(INSPECT, actor, tokenId, record.clientId(), inspected(capability));
    return find(tokenId).orElseThrow();
  }

  /** The audit detail of a pasted token: each block's ids, holder and content, bounded. */
  private static Map<String, Object> inspected(Capability capability) {
    List<Map<String, Object>> blocks = new ArrayList<>();
    List<Map<String, Object>> idsOnly = new ArrayList<>();
    for (Block b : capability.blocks()) {
      Map<String, Object> ids = new LinkedHashMap<>();
      ids.put("revocationId", b.revocationId());
      ids.put("holderKeyId", b.holderKeyId());
      ids.put("sealed", b.sealed());
      idsOnly.add(ids);
      Map<String, Object> full = new LinkedHashMap<>(ids);
      RecordedCaveats.put(full, b.grants(), b.caveats());
      if (!full.containsKey("caveats")) {
        full.put("caveats", List.of());
      }
      blocks.add(full);
    }
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("blocks", blocks);
    if (Json.write(detail).length() > INSPECT_DETAIL_MAX) {
      // The audit record's detail is bounded: keep the chain, leave out the content.
      detail.put("blocks", idsOnly);
      detail.put("contentOmitted", true);
    }
    return detail;
  }

  /** The capabilities {@code clientId} minted (or was issued by token exchange), newest first. */
  List<Minted> ofClient(String clientId, int limit) {
    List<Minted> out = new ArrayList<>();
    for (AuditRecord r : store.newestAudit(MINTS, null, clientId, Long.MAX_VALUE, limit)) {
      AuditEvent e = r.event();
      if (e.tokenId() == null || out.stream().anyMatch(m -> m.tokenId().equals(e.tokenId()))) {
        continue;
      }
      JsonNode d = detail(e);
      List<String> unread = new ArrayList<>();
      List<PlainLanguage.Phrase> grants = new ArrayList<>();
      for (Grant g : grants(d, unread)) {
        grants.add(PlainLanguage.grant(g));
      }
      unread.forEach(u -> grants.add(PlainLanguage.recorded(u)));
      String root = d.path("revocationIds").path(0).asText(null);
      out.add(
          new Minted(
              e.tokenId(),
              e.at(),
              grants,
              instant(d.path("expiresAt")),
              root != null && store.revoked(root)));
    }
    return out;
  }

  // ---------------------------------------------------------------- building

  /** A block while the tree is built. */
  private static final class Draft {
    final String id;
    Draft parent;
    final List<Draft> children = new ArrayList<>();
    int index = -1;
    String origin;
    String holder;
    boolean contentKnown;
    List<PlainLanguage.Phrase> grants = List.of();
    List<PlainLanguage.Phrase> caveats = List.of();
    boolean sealed;
    Instant expiresAt;
    CapabilityTree.Revocation revocation;
    long allowed;
    long denied;
    Instant lastUse;
    final List<LiveDecision> recent = new ArrayList<>();

    Draft(String id) {
      this.id = id;
    }
  }

  /** The blocks of one tree, by revocation id. */
  private static final class Drafts {
    final Map<String, Draft> byId = new LinkedHashMap<>();

    /** The block, made a child of {@code parent} if new; null past the size bound. */
    Draft get(String id, Draft parent, int index) {
      Draft d = byId.get(id);
      if (d == null) {
        if (byId.size() >= MAX_NODES) {
          return null;
        }
        d = new Draft(id);
        byId.put(id, d);
        if (parent != null) {
          d.parent = parent;
          parent.children.add(d);
        }
      }
      if (d.index < 0) {
        d.index = index;
      }
      return d;
    }

    /** Places a chain of revocation ids under the root; the last block's draft, or null. */
    Draft chain(Draft root, List<String> ids, List<String> holders) {
      if (ids.isEmpty() || !ids.get(0).equals(root.id)) {
        return null;
      }
      Draft at = root;
      for (int i = 1; i < ids.size(); i++) {
        Draft next = get(ids.get(i), at, i);
        if (next == null || next.parent != at) {
          // Past the bound, or inconsistent with what is placed already: stop here.
          return null;
        }
        if (next.holder == null && holders != null && holders.get(i) != null) {
          next.holder = holders.get(i);
        }
        at = next;
      }
      return at;
    }
  }

  private Optional<CapabilityTree> build(String tokenId) {
    Optional<TokenRecord> record = store.token(tokenId);
    List<AuditRecord> events =
        new ArrayList<>(store.newestAudit(LIFECYCLE, tokenId, null, Long.MAX_VALUE, EVENTS));
    Collections.reverse(events);
    if (record.isEmpty() && events.isEmpty()) {
      return Optional.empty();
    }
    String rootId = rootId(record, events);
    if (rootId == null) {
      return Optional.empty();
    }
    Drafts drafts = new Drafts();
    Draft root = drafts.get(rootId, null, 0);
    root.origin =
        record.map(r -> "minted by client " + r.clientId()).orElse("minted by this authority");
    if (record.isPresent()) {
      // A token the authority recorded with several blocks (a re-issued copy for a delegation).
      drafts.chain(root, record.get().revocationIds(), null);
    }
    Map<String, CapabilityTree.Revocation> revocations = new HashMap<>();
    boolean suspended = false;
    for (AuditRecord r : events) {
      AuditEvent e = r.event();
      JsonNode d = detail(e);
      switch (e.type()) {
        case "mint" -> mintedContent(root, d);
        case "oauth.exchange" -> exchanged(drafts, root, e, d);
        case INSPECT -> inspected(drafts, root, e, d);
        case "revoke" -> {
          String id = d.path("revocationId").asText(null);
          if (id != null) {
            revocations.put(
                id,
                new CapabilityTree.Revocation(
                    id, e.at(), e.actor(), d.path("reason").asText(null)));
          }
        }
        case "suspend" -> suspended = true;
        case "resume" -> suspended = false;
        default -> {}
      }
    }
    List<AuditRecord> decisions =
        new ArrayList<>(
            store.newestAudit(
                List.of(LiveDecision.TYPE), tokenId, null, Long.MAX_VALUE, DECISIONS));
    // Oldest first, so blocks are placed in the order they were first used.
    Collections.reverse(decisions);
    for (AuditRecord r : decisions) {
      LiveDecision d = LiveDecision.of(r);
      if (d != null) {
        use(drafts, root, d);
      }
    }
    List<CapabilityTree.Revocation> unplaced = new ArrayList<>();
    for (CapabilityTree.Revocation rev : revocations.values()) {
      Draft d = drafts.byId.get(rev.revocationId());
      if (d == null) {
        unplaced.add(rev);
      } else {
        d.revocation = rev;
      }
    }
    unplaced.sort((a, b) -> a.at().compareTo(b.at()));
    Instant expiresAt = record.map(TokenRecord::expiresAt).orElse(null);
    boolean indirect = record.map(r -> r.indirectId() != null).orElse(false);
    CapabilityTree.Node rootNode =
        freeze(root, false, suspended, expiresAt != null && !clock.instant().isBefore(expiresAt));
    return Optional.of(
        new CapabilityTree(
            tokenId,
            record.map(TokenRecord::clientId).orElse(null),
            record.map(TokenRecord::issuedAt).orElse(null),
            expiresAt,
            indirect,
            rootNode,
            unplaced,
            decisions.size(),
            decisions.size() == DECISIONS));
  }

  private static String rootId(Optional<TokenRecord> record, List<AuditRecord> events) {
    if (record.isPresent()) {
      return record.get().revocationIds().get(0);
    }
    for (AuditRecord r : events) {
      JsonNode d = detail(r.event());
      String id =
          d.has("revocationIds")
              ? d.path("revocationIds").path(0).asText(null)
              : d.path("blocks").path(0).path("revocationId").asText(null);
      if (id != null) {
        return id;
      }
    }
    return null;
  }

  /** The minted block's grants and caveats, from the mint event. */
  private static void mintedContent(Draft root, JsonNode d) {
    List<String> unread = new ArrayList<>();
    List<Grant> grants = grants(d, unread);
    List<Caveat> caveats = new ArrayList<>();
    Instant expiry = instant(d.path("expiresAt"));
    if (expiry != null) {
      caveats.add(new Caveat.Expiry(expiry));
      root.expiresAt = expiry;
    }
    try {
      if (d.path("audience").isTextual()) {
        caveats.add(new Caveat.Audience(List.of(d.path("audience").asText())));
      }
      if (d.path("maxUses").isIntegralNumber()) {
        caveats.add(new Caveat.MaxUses(d.path("maxUses").asLong()));
      }
      if (d.path("maxDepth").isIntegralNumber()) {
        caveats.add(new Caveat.MaxDepth(d.path("maxDepth").asInt()));
      }
      if (d.path("approvalGroups").isArray()) {
        List<String> groups = new ArrayList<>();
        d.path("approvalGroups").forEach(g -> groups.add(g.asText()));
        caveats.add(new Caveat.ApprovalRequired(groups));
      }
      for (JsonNode b : d.path("budgets")) {
        caveats.add(Caveat.Budget.parse(b.asText()));
      }
    } catch (IllegalArgumentException e) {
      unread.add(e.getMessage());
    }
    caveats.addAll(RecordedCaveats.readAll(d.path("caveats"), unread));
    root.holder = d.path("holderKeyId").asText(null);
    content(root, grants, caveats, unread, false);
  }

  /** A delegation the authority made by token exchange. */
  private static void exchanged(Drafts drafts, Draft root, AuditEvent e, JsonNode d) {
    List<String> ids = texts(d.path("revocationIds"));
    Draft child = drafts.chain(root, ids, null);
    if (child == null || child == root) {
      if (!ids.isEmpty() && !ids.get(0).equals(root.id)) {
        // The child lives in a re-issued copy: this event is the copy's origin.
        root.origin =
            "re-issued by token exchange from capability "
                + d.path("subjectTokenId").asText("?")
                + " (OAuth client "
                + d.path("oauthClient").asText(e.actor())
                + ")";
      }
      return;
    }
    child.origin = "delegated by token exchange (OAuth client " + e.actor() + ")";
    child.holder = d.path("act").path("sub").asText(child.holder);
    List<String> unread = new ArrayList<>();
    List<Grant> grants = grants(d, unread);
    List<Caveat> caveats = RecordedCaveats.readAll(d.path("caveats"), unread);
    content(child, grants, caveats, unread, false);
  }

  /** A token's blocks, exactly as signed, as a person pasted it at the console. */
  private static void inspected(Drafts drafts, Draft root, AuditEvent e, JsonNode d) {
    JsonNode blocks = d.path("blocks");
    if (!blocks.path(0).path("revocationId").asText("").equals(root.id)) {
      return;
    }
    boolean content = !d.path("contentOmitted").asBoolean(false);
    Draft at = root;
    for (int i = 0; i < blocks.size(); i++) {
      JsonNode b = blocks.get(i);
      Draft draft = i == 0 ? root : drafts.get(b.path("revocationId").asText(), at, i);
      if (draft == null || draft.parent != (i == 0 ? null : at)) {
        return;
      }
      if (draft.origin == null) {
        draft.origin = "pasted at the console by " + e.actor();
      }
      draft.holder = b.path("holderKeyId").asText(null);
      if (content) {
        List<String> unread = new ArrayList<>();
        List<Grant> grants = grants(b, unread);
        List<Caveat> caveats = RecordedCaveats.readAll(b.path("caveats"), unread);
        caveats.stream()
            .filter(c -> c instanceof Caveat.Expiry)
            .map(c -> ((Caveat.Expiry) c).notAfter())
            .min(Instant::compareTo)
            .ifPresent(t -> draft.expiresAt = t);
        content(draft, grants, caveats, unread, b.path("sealed").asBoolean(false));
      }
      at = draft;
    }
  }

  /** Places one decision: an allowed call under the block it came through. */
  private static void use(Drafts drafts, Draft root, LiveDecision d) {
    Draft at;
    if (d.allowed()) {
      List<String> ids = new ArrayList<>();
      List<String> holders = new ArrayList<>();
      for (LiveDecision.ChainBlock b : d.blocks()) {
        ids.add(b.revocationId());
        holders.add(b.holderKeyId());
      }
      at = ids.isEmpty() ? root : drafts.chain(root, ids, holders);
      if (at == null) {
        at = root;
      }
      for (Draft x = at; x != null && x != root; x = x.parent) {
        if (x.origin == null) {
          x.origin = "seen in a gateway's decision";
        }
      }
    } else {
      // Presented, not verified: only matched against blocks already placed.
      at = root;
      for (LiveDecision.ChainBlock b : d.blocks()) {
        Draft known = drafts.byId.get(b.revocationId());
        if (known == null) {
          break;
        }
        at = known;
      }
    }
    if (d.allowed()) {
      at.allowed++;
      if (at.lastUse == null || d.at().isAfter(at.lastUse)) {
        at.lastUse = d.at();
      }
    } else {
      at.denied++;
    }
    at.recent.add(0, d);
    if (at.recent.size() > RECENT_USES) {
      at.recent.remove(RECENT_USES);
    }
  }

  private static void content(
      Draft d, List<Grant> grants, List<Caveat> caveats, List<String> unread, boolean sealed) {
    List<PlainLanguage.Phrase> g = new ArrayList<>();
    grants.forEach(x -> g.add(PlainLanguage.grant(x)));
    List<PlainLanguage.Phrase> c = new ArrayList<>();
    caveats.forEach(x -> c.add(PlainLanguage.caveat(x)));
    if (d.holder != null) {
      c.add(PlainLanguage.holder(d.holder));
    }
    unread.forEach(x -> c.add(PlainLanguage.recorded(x)));
    d.grants = g;
    d.caveats = c;
    d.sealed = sealed;
    d.contentKnown = true;
  }

  private CapabilityTree.Node freeze(
      Draft d, boolean parentDenied, boolean suspended, boolean expired) {
    CapabilityTree.State state;
    boolean revoked = store.revoked(d.id);
    boolean ownExpiry = d.expiresAt != null && !clock.instant().isBefore(d.expiresAt);
    if (revoked) {
      state = CapabilityTree.State.REVOKED;
    } else if (parentDenied) {
      state = CapabilityTree.State.CUT;
    } else if (suspended) {
      state = CapabilityTree.State.SUSPENDED;
    } else if (expired || ownExpiry) {
      state = CapabilityTree.State.EXPIRED;
    } else {
      state = CapabilityTree.State.ACTIVE;
    }
    boolean denied = revoked || parentDenied || suspended;
    List<CapabilityTree.Node> children = new ArrayList<>();
    for (Draft c : d.children) {
      children.add(freeze(c, denied, false, expired || ownExpiry));
    }
    String kind;
    if (d.parent == null) {
      kind = "minted";
    } else if (d.holder != null && !d.holder.equals(d.parent.holder)) {
      kind = "delegation";
    } else {
      kind = "attenuation";
    }
    return new CapabilityTree.Node(
        d.id,
        d.index,
        kind,
        d.origin == null ? "recorded by the authority" : d.origin,
        d.holder,
        d.contentKnown,
        d.grants,
        d.caveats,
        d.sealed,
        state,
        d.revocation,
        d.allowed,
        d.denied,
        d.lastUse,
        d.recent,
        children);
  }

  // ---------------------------------------------------------------- reading events

  private static JsonNode detail(AuditEvent e) {
    if (e.detailJson() == null) {
      return Json.MAPPER.createObjectNode();
    }
    try {
      return Json.tree(e.detailJson());
    } catch (RuntimeException malformed) {
      return Json.MAPPER.createObjectNode();
    }
  }

  /** The recorded grants with their own caveats; what cannot be read goes to {@code unread}. */
  private static List<Grant> grants(JsonNode d, List<String> unread) {
    List<Grant> out = new ArrayList<>();
    JsonNode texts = d.path("grants");
    JsonNode own = d.path("grantCaveats");
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i).asText();
      try {
        Grant g = Grant.parse(text);
        List<String> ownUnread = new ArrayList<>();
        for (Caveat c : RecordedCaveats.readAll(own.path(i), ownUnread)) {
          g = g.with(c);
        }
        ownUnread.forEach(u -> unread.add(text + ": " + u));
        out.add(g);
      } catch (IllegalArgumentException e) {
        unread.add(text);
      }
    }
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Instant instant(JsonNode n) {
    if (!n.isTextual()) {
      return null;
    }
    try {
      return Instant.parse(n.asText());
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }
}
