package dev.mandate.authority;

import dev.mandate.authority.store.ClientRecord;
import dev.mandate.authority.store.FeedEntry;
import dev.mandate.authority.store.RevocationSnapshot;
import dev.mandate.authority.store.TokenRecord;
import dev.mandate.token.Capability;
import dev.mandate.token.DelegatedRevocation;
import dev.mandate.token.InvalidTokenException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Revocation, indirect suspension and the revocation feed.
 *
 * <ul>
 *   <li>{@code POST /v1/revocations} (admin, or the client that minted the token): publishes a
 *       REVOKE and answers 201 only once it is durable. With {@code token} (the capability's text)
 *       and {@code block} (1 or more), it revokes that delegated block only, leaving the blocks
 *       before it (the delegator's own capability) valid; allowed to the client that minted the
 *       token, an admin, or any client with a {@code proof} signed by the key that signed the
 *       block, the delegator's ({@link DelegatedRevocation}).
 *   <li>{@code POST /v1/indirect/{tokenId}/suspend} and {@code .../resume} (admin or minting
 *       client): switch an indirect capability off and on.
 *   <li>{@code GET /v1/revocations?since=N&wait=MS} (public): the feed after N, long-polling up to
 *       {@value #MAX_WAIT_MS} ms for an entry. With {@code since=0}, when the follower is more than
 *       a page behind, or ahead of the feed, the answer carries {@code snapshot}: the denied ids as
 *       of {@code latestSequence}; the follower replaces its set with it and continues from there.
 * </ul>
 */
final class RevocationEndpoints extends Endpoints {
  static final int PAGE = 1000;
  static final long MAX_WAIT_MS = 30_000;

  private final Executor executor;

  record RevokeBody(
      String revocationId,
      String tokenId,
      String reason,
      String token,
      Integer block,
      String proof) {}

  record SuspendBody(String reason) {}

  record Published(long sequence, String revocationId, String tokenId) {}

  record EntryView(long sequence, FeedEntry.Kind kind, String revocationId, Instant at) {}

  record FeedView(
      long latestSequence, List<EntryView> entries, List<String> snapshot, Instant serverTime) {}

  RevocationEndpoints(Parts parts, Executor executor) {
    super(parts);
    this.executor = executor;
  }

  @Override
  List<Route> routes() {
    return List.of(
        new Route("POST", "/v1/revocations", Route.Access.CLIENT, this::revoke),
        new Route("GET", "/v1/revocations", Route.Access.PUBLIC, this::follow),
        new Route(
            "POST",
            "/v1/indirect/{tokenId}/suspend",
            Route.Access.CLIENT,
            call -> switchIndirect(call, FeedEntry.Kind.SUSPEND)),
        new Route(
            "POST",
            "/v1/indirect/{tokenId}/resume",
            Route.Access.CLIENT,
            call -> switchIndirect(call, FeedEntry.Kind.RESUME)));
  }

  private CompletionStage<Reply> revoke(Call call) {
    RevokeBody body = call.body(RevokeBody.class);
    ClientRecord caller = call.client();
    String tokenId = Ids.check("tokenId", body.tokenId());
    String revocationId = Ids.check("revocationId", body.revocationId());
    String reason = Ids.reason(body.reason(), true);
    if (body.token() != null || body.block() != null || body.proof() != null) {
      if (tokenId != null || revocationId != null) {
        throw ApiException.badRequest(
            "invalid_field",
            "give either token and block (a delegated block) or tokenId/revocationId, not both");
      }
      return delegated(call, body, reason);
    }
    if (tokenId == null && revocationId == null) {
      throw ApiException.badRequest(
          "missing_field", "give the tokenId or the revocationId of what to revoke");
    }
    if (tokenId != null) {
      TokenRecord token = ownedToken(call, tokenId);
      if (revocationId == null) {
        // The authority block's id: revoking it denies the token and everything delegated from it.
        revocationId = token.revocationIds().get(0);
      } else if (!token.revocationIds().contains(revocationId)) {
        throw ApiException.badRequest(
            "invalid_id", "revocationId " + revocationId + " is not a block of token " + tokenId);
      }
    } else if (!call.admin()) {
      throw ApiException.forbidden(
          "not_owner",
          "only an admin may revoke by revocation id alone; give the tokenId of a token you"
              + " minted");
    }
    return publish(caller, revocationId, tokenId, reason, null);
  }

  /**
   * Revokes one delegated block of a presented capability: for the client that minted it (or an
   * admin), or with a proof by the key that signed the block.
   */
  private CompletionStage<Reply> delegated(Call call, RevokeBody body, String reason) {
    if (body.token() == null || body.block() == null) {
      throw ApiException.badRequest(
          "missing_field", "a delegated block is named by token (its text) and block (1 or more)");
    }
    if (body.token().length() > 32_768) {
      throw ApiException.badRequest("invalid_field", "token is longer than any capability");
    }
    String revocationId;
    String tokenId;
    String by;
    try {
      if (body.proof() != null) {
        revocationId =
            DelegatedRevocation.checkProof(
                body.token(), body.block(), body.proof(), keys.trusted(), clock);
        by = "delegator";
      } else {
        revocationId = DelegatedRevocation.revocationId(body.token(), body.block(), keys.trusted());
        by = "minter";
      }
      tokenId = Capability.decode(body.token()).tokenId();
    } catch (InvalidTokenException e) {
      throw ApiException.badRequest("invalid_token", Router.printable(e.getMessage()));
    }
    if (body.proof() == null) {
      // Without the delegator's proof, only who minted the token (or an admin) may revoke.
      TokenRecord token =
          store
              .token(tokenId)
              .orElseThrow(
                  () ->
                      ApiException.forbidden(
                          "not_owner",
                          "give a proof signed by the delegator's key (proof), or be the client"
                              + " that minted the token"));
      requireOwner(call, token);
    }
    return publish(call.client(), revocationId, tokenId, reason, by + " of block " + body.block());
  }

  private CompletionStage<Reply> publish(
      ClientRecord caller, String revocationId, String tokenId, String reason, String delegated) {
    return Reply.now(201, revoke(caller.clientId(), revocationId, tokenId, reason, delegated));
  }

  /**
   * Revokes {@code revocationId} (of token {@code tokenId}) for {@code actor}, who is allowed to:
   * the REVOKE is durable, followers are woken, and the revocation is audited when this returns.
   *
   * @param delegated how a delegated block was named, for the audit record, or null
   */
  Published revoke(
      String actor, String revocationId, String tokenId, String reason, String delegated) {
    FeedEntry entry =
        store.publish(FeedEntry.Kind.REVOKE, revocationId, tokenId, reason, actor, clock.instant());
    feed.published(entry.sequence());
    metrics.feedEntry(entry.kind().name());
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("revocationId", revocationId);
    detail.put("sequence", entry.sequence());
    detail.put("reason", reason);
    if (delegated != null) {
      detail.put("delegated", delegated);
    }
    audit.record("revoke", actor, tokenId, actor, detail);
    return new Published(entry.sequence(), revocationId, tokenId);
  }

  private CompletionStage<Reply> switchIndirect(Call call, FeedEntry.Kind kind) {
    String id = Ids.require("tokenId", call.path("tokenId"));
    SuspendBody body = call.optionalBody(SuspendBody.class);
    String reason = Ids.reason(body == null ? null : body.reason(), false);
    ClientRecord caller = call.client();
    List<TokenRecord> tokens = store.tokensForIndirect(id);
    if (tokens.isEmpty()) {
      ownedToken(call, id);
      throw ApiException.conflict(
          "not_indirect",
          "token " + id + " was not minted as indirect; revoke it instead (POST /v1/revocations)");
    }
    for (TokenRecord token : tokens) {
      requireOwner(call, token);
    }
    List<Published> published = new ArrayList<>();
    for (TokenRecord token : tokens) {
      String revocationId = token.revocationIds().get(0);
      FeedEntry entry =
          store.publish(
              kind, revocationId, token.tokenId(), reason, caller.clientId(), clock.instant());
      feed.published(entry.sequence());
      metrics.feedEntry(kind.name());
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("indirectId", id);
      detail.put("revocationId", revocationId);
      detail.put("sequence", entry.sequence());
      detail.put("reason", reason);
      audit.record(
          kind == FeedEntry.Kind.SUSPEND ? "suspend" : "resume",
          caller.clientId(),
          token.tokenId(),
          caller.clientId(),
          detail);
      published.add(new Published(entry.sequence(), revocationId, token.tokenId()));
    }
    return Reply.now(201, published.size() == 1 ? published.get(0) : Map.of("entries", published));
  }

  private TokenRecord ownedToken(Call call, String tokenId) {
    TokenRecord token =
        store
            .token(tokenId)
            .orElseThrow(() -> ApiException.notFound("the authority minted no token " + tokenId));
    requireOwner(call, token);
    return token;
  }

  private static void requireOwner(Call call, TokenRecord token) {
    if (!call.admin() && !token.clientId().equals(call.client().clientId())) {
      // Same answer as for an unknown token, so a client cannot probe others' token ids.
      throw ApiException.notFound("the authority minted no token " + token.tokenId());
    }
  }

  private CompletionStage<Reply> follow(Call call) {
    long since = longParam(call, "since", 0, Long.MAX_VALUE, 0);
    if (ServerSentEvents.requested(call.request())) {
      // A reconnecting EventSource resumes after the last id it saw.
      String lastEventId = call.header("Last-Event-ID");
      long from = lastEventId == null ? since : sequence(lastEventId);
      return CompletableFuture.completedFuture(
          new FeedStream(feed, this::page, executor, from).reply());
    }
    long waitMs = longParam(call, "wait", 0, MAX_WAIT_MS, 0);
    boolean ahead = since > feed.latest() && since > store.latestSequence();
    Duration wait = ahead ? Duration.ZERO : Duration.ofMillis(waitMs);
    return feed.awaitAfter(since, wait).thenApplyAsync(v -> Reply.of(200, page(since)), executor);
  }

  /** The entries after {@code since}, or a snapshot when there is no cheaper way to catch up. */
  FeedView page(long since) {
    return page(since, true);
  }

  /**
   * As {@link #page(long)}; with {@code snapshotAtZero} false, {@code since=0} gets the entries
   * (for a stream that has already sent its snapshot at 0).
   */
  FeedView page(long since, boolean snapshotAtZero) {
    long latest = store.latestSequence();
    if ((since == 0 && snapshotAtZero) || since > latest || latest - since > PAGE) {
      RevocationSnapshot snapshot = store.deniedSnapshot();
      return new FeedView(
          snapshot.sequence(),
          List.of(),
          snapshot.denied().stream().sorted().toList(),
          clock.instant());
    }
    List<EntryView> entries =
        store.feedSince(since, PAGE).stream()
            .map(e -> new EntryView(e.sequence(), e.kind(), e.revocationId(), e.at()))
            .toList();
    long last = entries.isEmpty() ? since : entries.get(entries.size() - 1).sequence();
    return new FeedView(Math.max(latest, last), entries, null, clock.instant());
  }

  private static long sequence(String lastEventId) {
    try {
      return Math.max(0, Long.parseLong(lastEventId.strip()));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "invalid_parameter", "Last-Event-ID must be a feed sequence number");
    }
  }

  static long longParam(Call call, String name, long min, long max, long otherwise) {
    String raw = call.query(name);
    if (raw == null || raw.isEmpty()) {
      return otherwise;
    }
    long value;
    try {
      value = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "invalid_parameter",
          name + " must be a whole number, got '" + Router.printable(raw) + "'");
    }
    if (value < min || value > max) {
      throw ApiException.badRequest(
          "invalid_parameter", name + " must be " + min + ".." + max + ", got " + value);
    }
    return value;
  }
}
