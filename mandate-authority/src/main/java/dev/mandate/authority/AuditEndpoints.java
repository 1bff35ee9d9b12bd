package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mandate.authority.store.AuditEvent;
import dev.mandate.authority.store.AuditQuery;
import dev.mandate.authority.store.AuditRecord;
import dev.mandate.authority.store.TokenRecord;
import dev.mandate.wire.Problem;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The audit trail over HTTP.
 *
 * <ul>
 *   <li>{@code POST /v1/audit/batches} (clients with {@code role: gateway} in the policy, else 403
 *       {@code not_a_gateway}, the body unread): appends a batch of decision events all or nothing;
 *       a batch id already ingested from the same client is answered 200 {@code {"duplicate":true}}
 *       and recorded nothing. Event types must start with {@code decision} or {@code gateway}: the
 *       other types are the authority's own and cannot be forged. Each event's {@code at} must lie
 *       within {@link AuthorityConfig#auditMaxAge()} before and {@link
 *       AuthorityConfig#auditMaxSkew()} after the authority's clock (else 400 {@code
 *       implausible_time}), and each gateway may upload {@link
 *       AuthorityConfig#auditEventsPerSecond()} events a second on average (else 429 {@code
 *       rate_limited} with {@code Retry-After}, and nothing recorded). An event about a token this
 *       authority minted, that names no client, is recorded with the minting client, so {@code GET
 *       /v1/audit?client=} finds the decisions on a client's capabilities.
 *   <li>{@code GET /v1/audit} (admin): records filtered by {@code tokenId}, {@code client}, {@code
 *       from}, {@code to} (ISO-8601), paged by {@code after} (a sequence) and {@code limit}.
 *   <li>{@code GET /v1/audit/verify} (admin): walks the hash chain and says where it breaks.
 * </ul>
 */
final class AuditEndpoints extends Endpoints {
  static final int MAX_EVENTS_PER_BATCH = 1000;

  /**
   * The body limit of a batch, above the authority's general one: a gateway sends up to {@value
   * #MAX_EVENTS_PER_BATCH} events of a few hundred bytes each in one batch, since a batch's fixed
   * costs (the request, the chain head, the commit) are then shared by more events. Only read once
   * the caller is known to be a gateway.
   */
  static final int MAX_BATCH_BYTES = 1024 * 1024;

  static final int MAX_PAGE = 1000;
  private static final Pattern BATCH_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");
  private static final Pattern EVENT_TYPE =
      Pattern.compile("(decision|gateway)(\\.[a-z0-9_\\-]{1,32}){0,4}");

  private final Duration maxAge;
  private final Duration maxSkew;
  private final RateLimiter ingestRate;
  private final Runnable appended;
  // Token id -> the client that minted it ("" for a token the authority did not mint).
  private final Cache<String, String> owners =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(10)).build();

  record RecordView(
      long sequence,
      String type,
      String actor,
      String tokenId,
      String clientId,
      Instant at,
      JsonNode detail,
      String previousHash,
      String hash) {
    static RecordView of(AuditRecord r) {
      AuditEvent e = r.event();
      return new RecordView(
          r.sequence(),
          e.type(),
          e.actor(),
          e.tokenId(),
          e.clientId(),
          e.at(),
          Json.tree(e.detailJson()),
          r.previousHash(),
          r.hash());
    }
  }

  record Page(List<RecordView> records, Long nextAfter) {}

  /**
   * @param appended told after each batch is appended (the live decision stream), never blocking
   */
  AuditEndpoints(Parts parts, AuthorityConfig config, Runnable appended) {
    super(parts);
    this.appended = appended;
    this.maxAge = config.auditMaxAge();
    this.maxSkew = config.auditMaxSkew();
    int perSecond = config.auditEventsPerSecond();
    // Ten seconds' worth at once, and never less than one full batch.
    long burst = Math.max(MAX_EVENTS_PER_BATCH, 10L * perSecond);
    this.ingestRate = new RateLimiter(clock, perSecond, Duration.ofSeconds(1), burst);
  }

  @Override
  List<Route> routes() {
    return List.of(
        new Route("POST", "/v1/audit/batches", Route.Access.CLIENT, this::ingest),
        new Route("GET", "/v1/audit", Route.Access.ADMIN, this::query),
        new Route(
            "GET",
            "/v1/audit/verify",
            Route.Access.ADMIN,
            call -> Reply.now(200, store.verifyAudit())));
  }

  private CompletionStage<Reply> ingest(Call call) {
    // Only a gateway's decisions belong in the trail: any other client could record an "allow"
    // that never happened. Checked before the body is read.
    String client = requireGateway(call, "add audit records");
    AuditBatch body =
        call.withBodyLimit(Math.max(call.maxBodyBytes(), MAX_BATCH_BYTES)).body(AuditBatch::read);
    if (body.batchId() == null || !BATCH_ID.matcher(body.batchId()).matches()) {
      throw ApiException.badRequest(
          "invalid_field", "batchId must be 1 to 128 characters of A-Z a-z 0-9 . _ : -");
    }
    if (body.events() == null || body.events().isEmpty()) {
      throw ApiException.badRequest("missing_field", "events must hold at least one event");
    }
    if (body.events().size() > MAX_EVENTS_PER_BATCH) {
      throw ApiException.badRequest(
          "batch_too_large",
          "a batch holds at most "
              + MAX_EVENTS_PER_BATCH
              + " events, got "
              + body.events().size()
              + "; split it");
    }
    List<AuditEvent> events = new ArrayList<>(body.events().size());
    Instant now = clock.instant();
    Instant earliest = now.minus(maxAge);
    Instant latest = now.plus(maxSkew);
    for (int i = 0; i < body.events().size(); i++) {
      AuditEvent event = withOwner(toEvent(client, body.events().get(i), i));
      checkTime(event.at(), earliest, latest, i);
      events.add(event);
    }
    long wait = ingestRate.take(client, events.size());
    if (wait > 0) {
      return CompletableFuture.completedFuture(
          new Reply(
              429,
              Problem.of(
                  429,
                  "rate_limited",
                  "client '"
                      + client
                      + "' uploads audit events faster than the authority takes them; retry in "
                      + wait
                      + " s"),
              Map.of("Retry-After", Long.toString(wait))));
    }
    // Batch ids are per client, so two gateways cannot collide or suppress each other's batches.
    boolean added = store.appendBatch(client + "/" + body.batchId(), events);
    if (!added) {
      return Reply.now(200, Map.of("duplicate", true));
    }
    appended.run();
    return Reply.now(201, Map.of("duplicate", false, "recorded", events.size()));
  }

  /**
   * The event with the client that minted its token, when the gateway named none: a gateway knows
   * the token, the authority knows whose it is, so decisions can be found by client.
   */
  private AuditEvent withOwner(AuditEvent e) {
    if (e.clientId() != null || e.tokenId() == null) {
      return e;
    }
    String owner = owners.get(e.tokenId(), this::owner);
    return owner.isEmpty()
        ? e
        : new AuditEvent(e.type(), e.actor(), e.tokenId(), owner, e.at(), e.detailJson());
  }

  private String owner(String tokenId) {
    try {
      return store.token(tokenId).map(TokenRecord::clientId).orElse("");
    } catch (IllegalArgumentException notAnId) {
      return "";
    }
  }

  /**
   * Refuses a time far from the authority's clock: a gateway spools events for at most an outage,
   * and its clock differs from the authority's by seconds, so anything else is fabricated or broken
   * (a back-dated record would insert itself into history).
   */
  private static void checkTime(Instant at, Instant earliest, Instant latest, int index) {
    if (at.isBefore(earliest) || at.isAfter(latest)) {
      throw ApiException.badRequest(
          "implausible_time",
          "events["
              + index
              + "].at is "
              + at
              + "; the authority accepts events from "
              + earliest
              + " to "
              + latest);
    }
  }

  private static AuditEvent toEvent(String client, AuditBatch.Event e, int index) {
    if (e == null) {
      throw ApiException.badRequest("wrong_type", "events[" + index + "] must be an object");
    }
    // A gateway's decisions are nearly all of type "decision": no pattern match for those.
    if (e.type() == null
        || !(e.type().equals("decision") || EVENT_TYPE.matcher(e.type()).matches())) {
      throw ApiException.badRequest(
          "invalid_field",
          "events["
              + index
              + "]"
              + ".type must be 'decision' or 'gateway', optionally followed by .words; the other"
              + " types are recorded only by the authority itself");
    }
    if (e.at() == null) {
      throw ApiException.badRequest("missing_field", "events[" + index + "].at is required");
    }
    // The authenticated client is always part of the actor, so one client cannot speak for another.
    String actor =
        e.actor() == null || e.actor().isBlank() || e.actor().equals(client)
            ? client
            : client + "/" + e.actor();
    try {
      return new AuditEvent(e.type(), actor, e.tokenId(), e.clientId(), e.at(), e.detailJson());
    } catch (IllegalArgumentException x) {
      throw ApiException.badRequest("invalid_field", "events[" + index + "]: " + x.getMessage());
    }
  }

  private CompletionStage<Reply> query(Call call) {
    int limit = (int) RevocationEndpoints.longParam(call, "limit", 1, MAX_PAGE, 100);
    long after = RevocationEndpoints.longParam(call, "after", 0, Long.MAX_VALUE, 0);
    AuditQuery query;
    try {
      query =
          new AuditQuery(
              blankToNull(call.query("tokenId")),
              blankToNull(call.query("client")),
              instant(call, "from"),
              instant(call, "to"),
              after,
              limit);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid_parameter", e.getMessage());
    }
    List<RecordView> records = store.audit(query).stream().map(RecordView::of).toList();
    Long next = records.size() == limit ? records.get(records.size() - 1).sequence() : null;
    return Reply.now(200, new Page(records, next));
  }

  private static Instant instant(Call call, String name) {
    String raw = blankToNull(call.query(name));
    if (raw == null) {
      return null;
    }
    try {
      return Instant.parse(raw);
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(
          "invalid_parameter",
          name
              + " must be an ISO-8601 time such as 2025-01-31T12:00:00Z, got '"
              + Router.printable(raw)
              + "'");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
