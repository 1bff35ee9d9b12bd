package dev.mandate.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.token.Approval;
import dev.mandate.token.Block;
import dev.mandate.token.BudgetLedger;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Limits;
import dev.mandate.token.Presentation;
import dev.mandate.token.ReplayGuard;
import dev.mandate.token.Request;
import dev.mandate.token.UsageCounter;
import dev.mandate.token.Verifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's {@link CallGuard}: for each call, in order,
 *
 * <ol>
 *   <li>refuses everything while the revocation view is older than its bound (fail closed);
 *   <li>asks the {@link Verifier} (signatures, revocation, expiry, audience, grants, arguments,
 *       conditions, holder proof and its replay, approval and its single use, and last a use
 *       counted against every max-uses caveat; a failing replay guard or counter store is a denial
 *       coded {@code UNAVAILABLE});
 *   <li>appends the outcome to the durable audit spool (a call whose decision cannot be recorded is
 *       refused);
 *   <li>counts the outcome in metrics by code.
 * </ol>
 */
public final class Guard implements CallGuard {
  /**
   * The request context key of the W3C trace context a call carried (an MCP 2026-07-28 request's
   * {@code _meta.traceparent}), kept in the audit record of its decision so that a decision can be
   * found from a trace.
   */
  public static final String TRACE_CONTEXT = "traceparent";

  /** A W3C {@code traceparent}: version, trace id, parent id, flags, in lower-case hex. */
  public static final java.util.regex.Pattern TRACEPARENT =
      java.util.regex.Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

  private static final Logger LOG = LoggerFactory.getLogger(Guard.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_FIELD_CHARS = 1024;
  private static final int MAX_AUDITED_MORE_RESOURCES = 16;

  private final String audience;
  private final AuthorityLink link;
  private final Verifier verifier;
  private final BudgetLedger budgets;
  private final AuditSpool spool;
  private final PendingApprovals pending;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Timer timer;

  Guard(
      String audience,
      AuthorityLink link,
      GatewayConfig.Verification verification,
      ReplayGuard replayGuard,
      UsageCounter usage,
      BudgetLedger budgets,
      AuditSpool spool,
      PendingApprovals pending,
      Clock clock,
      MeterRegistry metrics) {
    this.audience = Objects.requireNonNull(audience, "audience");
    this.link = link;
    this.spool = spool;
    this.pending = pending;
    this.clock = clock;
    this.metrics = metrics;
    // One replay guard for proofs and approvals, so with Redis an approval is single-use across
    // every gateway, as a proof is. The verifier denies with UNAVAILABLE when a store fails; the
    // cause is logged here, where it is known, and never shown to the caller.
    ReplayGuard logged =
        (id, expiresAt) -> {
          try {
            return replayGuard.firstUse(id, expiresAt);
          } catch (RuntimeException e) {
            LOG.warn("replay guard unavailable: {}", e.getMessage());
            throw e;
          }
        };
    UsageCounter loggedUsage =
        limits -> {
          try {
            return usage.tryUse(limits);
          } catch (RuntimeException e) {
            LOG.warn("usage counters unavailable: {}", e.getMessage());
            throw e;
          }
        };
    this.budgets = budgets;
    BudgetLedger loggedBudgets =
        new BudgetLedger() {
          @Override
          public Outcome tryDebit(List<Debit> debits) {
            try {
              return budgets.tryDebit(debits);
            } catch (RuntimeException e) {
              LOG.warn("budget ledger unavailable: {}", e.getMessage());
              throw e;
            }
          }

          @Override
          public void refund(List<Debit> debits, long atMillis) {
            try {
              budgets.refund(debits, atMillis);
            } catch (RuntimeException e) {
              LOG.warn("budget ledger unavailable, a refund is lost: {}", e.getMessage());
              throw e;
            }
          }

          @Override
          public long[] spent(List<Debit> debits) {
            return budgets.spent(debits);
          }
        };
    this.verifier =
        Verifier.builder()
            .trustedKeys(link)
            .clock(clock)
            .clockSkew(verification.clockSkew())
            .proofWindow(verification.proofWindow())
            .revoked(link::isDenied)
            .replayGuard(logged)
            .usageCounter(loggedUsage)
            .budgetLedger(loggedBudgets)
            .limits(Limits.DEFAULTS.with(Limits.Limit.MAX_ARGS_BYTES, verification.maxArgsBytes()))
            .verificationCacheSize(verification.cacheSize())
            .build();
    this.timer =
        Timer.builder("mandate.gateway.check")
            .description("Time to decide a call, including the audit spool")
            .register(metrics);
  }

  @Override
  public GuardResult check(Presentation presented, Request request, String sourceIp) {
    Objects.requireNonNull(presented, "presented");
    Objects.requireNonNull(request, "request");
    long start = System.nanoTime();
    Map<String, Object> context = new HashMap<>(request.context());
    if (sourceIp != null) {
      context.put("sourceIp", sourceIp);
    }
    Request req = atThisGateway(request, context);
    GuardResult result = decide(atThisGateway(presented), req);
    if (result.allowed() && pending != null) {
      approvalUsed(presented);
    }
    result = audit(result, req, sourceIp, approvalId(presented));
    counter(result).increment();
    timer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    return result;
  }

  @Override
  public boolean hasVerified(String bearer) {
    return bearer != null && verifier.hasVerified(bearer);
  }

  /** The presentation as decided here: its call, if any, sent to this gateway's audience. */
  private Presentation atThisGateway(Presentation presented) {
    return presented.call().isEmpty()
        ? presented
        : presented.withCall(presented.call().get().withAudience(audience));
  }

  /** The request as decided here: with this gateway's audience and the given context. */
  private Request atThisGateway(Request request, Map<String, Object> context) {
    return new Request(
        audience,
        request.service(),
        request.action(),
        request.resource(),
        request.args(),
        context,
        request.moreResources());
  }

  @Override
  public GuardResult recordRefusal(
      String bearer,
      Request request,
      Decision.Code code,
      String reason,
      int status,
      String sourceIp) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(reason, "reason");
    if (code == Decision.Code.ALLOW) {
      throw new IllegalArgumentException("a refusal needs a denying code, not ALLOW");
    }
    Request req = atThisGateway(request, request.context());
    GuardResult result =
        GuardResult.deny(status, code.name(), "gateway", reason, claimedTokenId(bearer), null);
    result = audit(result, req, sourceIp, null);
    counter(result).increment();
    return result;
  }

  @Override
  public GuardResult authenticate(String bearer, Request request) {
    Objects.requireNonNull(request, "request");
    if (bearer == null || bearer.isEmpty()) {
      return GuardResult.deny(
          401,
          Decision.Code.MALFORMED.name(),
          Decision.Check.FORMAT.label(),
          "no capability was presented; send Authorization: Bearer <token>",
          null,
          null);
    }
    GuardResult unavailable = stale(bearer);
    if (unavailable != null) {
      return unavailable;
    }
    // Without the proof: a holder-bound capability is refused as PROOF_REQUIRED only after every
    // other check of authenticate passed, and its proof signs the body, which is not read yet.
    Decision d = verifier.authenticate(Presentation.of(bearer), atThisGateway(request, null));
    if (d.allowed() || d.code() == Decision.Code.PROOF_REQUIRED) {
      return null;
    }
    return GuardResult.of(d);
  }

  @Override
  public GuardResult record(GuardResult denial, Request request, String sourceIp) {
    Objects.requireNonNull(denial, "denial");
    Objects.requireNonNull(request, "request");
    if (denial.allowed()) {
      throw new IllegalArgumentException("only a denial is recorded this way");
    }
    GuardResult result = audit(denial, atThisGateway(request, request.context()), sourceIp, null);
    counter(result).increment();
    return result;
  }

  @Override
  public boolean couldAllow(String bearer, String service, String action) {
    try {
      return link.isFresh()
          && verifier.couldAllow(
              Presentation.of(bearer), new Request(audience, service, action, "", null, null));
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public boolean couldAllow(String bearer, String service, String action, String resource) {
    try {
      return link.isFresh()
          && verifier.covers(
              Presentation.of(bearer),
              new Request(audience, service, action, resource, null, null));
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public GuardResult checkSession(Presentation presented, Request request, String sourceIp) {
    Objects.requireNonNull(presented, "presented");
    Objects.requireNonNull(request, "request");
    Request req = atThisGateway(request, request.context());
    GuardResult result = stale(presented.token());
    if (result == null) {
      result = GuardResult.of(verifier.authenticate(atThisGateway(presented), req));
    }
    if (result.allowed()) {
      return result;
    }
    result = audit(result, req, sourceIp, null);
    counter(result).increment();
    return result;
  }

  /**
   * What is left of every budget and rate of a capability ({@link Verifier#budgetsLeft}).
   *
   * @throws dev.mandate.token.InvalidTokenException if it does not verify here
   * @throws IllegalStateException if the budget ledger cannot answer
   */
  List<Decision.BudgetLeft> budgetsLeft(String token) {
    return verifier.budgetsLeft(token);
  }

  @Override
  public boolean isRevoked(String revocationId) {
    return link.isDenied(revocationId);
  }

  /** The denial while the revocation view is stale, or null when it is fresh (or no token). */
  private GuardResult stale(String bearer) {
    if (bearer == null || bearer.isEmpty() || link.isFresh()) {
      return null;
    }
    long age = link.viewAge().toSeconds();
    // Not the token's fault and not a revocation: the gateway cannot decide safely right now.
    return GuardResult.deny(
        503,
        GuardResult.UNAVAILABLE,
        GuardResult.CAVEAT_REVOCATION_VIEW,
        "the gateway's revocation view is "
            + (age > 86_400 ? "not yet loaded" : age + " s old")
            + ", older than the "
            + link.maxStaleness().toSeconds()
            + " s bound; denying until the authority is reachable",
        claimedTokenId(bearer),
        null);
  }

  private GuardResult decide(Presentation presented, Request req) {
    GuardResult unavailable = stale(presented.token());
    if (unavailable != null) {
      return unavailable;
    }
    Decision decision = verifier.authorize(presented, req);
    if (decision instanceof Decision.Deny deny && deny.code() == Decision.Code.APPROVAL_REQUIRED) {
      try {
        GuardResult.ApprovalNeeded needed =
            new GuardResult.ApprovalNeeded(
                deny.tokenId(), Approval.requestDigest(req), deny.approverGroups(), req, null);
        if (pending != null && !needed.groups().isEmpty()) {
          needed = needed.withTask(pending.ask(presented.token(), needed));
        }
        return GuardResult.approvalRequired(deny, needed);
      } catch (RuntimeException e) {
        // Not expected (the verifier decoded the token and digested the request); still a denial.
        LOG.warn("cannot describe the approval a call needs: {}", e.toString());
        return GuardResult.of(decision);
      }
    }
    return GuardResult.of(decision);
  }

  /** A call allowed with an approval used it up: its next identical call asks anew. */
  private void approvalUsed(Presentation presented) {
    presented
        .approval()
        .ifPresent(
            a -> {
              try {
                Approval.Claims claims = a.claims();
                pending.used(claims.tokenId(), claims.requestDigest());
              } catch (RuntimeException e) {
                // An approval the verifier accepted decodes; nothing to forget otherwise.
              }
            });
  }

  /**
   * The id of a presented approval, for the audit trail (the approval text itself is never
   * recorded); null if none was presented or it cannot be decoded.
   */
  private static String approvalId(Presentation presented) {
    return presented
        .approval()
        .map(
            a -> {
              try {
                return a.claims().approvalId();
              } catch (RuntimeException e) {
                return null;
              }
            })
        .orElse(null);
  }

  /**
   * The token id a token claims, for decisions made before the verifier is asked (unverified, like
   * the verifier's for forged tokens), or null.
   */
  private static String claimedTokenId(String bearer) {
    try {
      return Capability.decode(bearer).tokenId();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private GuardResult audit(GuardResult result, Request req, String sourceIp, String approvalId) {
    try {
      spool.append(auditEvent(result, req, sourceIp, approvalId));
      return result;
    } catch (IOException e) {
      LOG.error(
          "cannot record a decision in the audit spool; refusing the call: {}", e.getMessage());
      return GuardResult.deny(
          503,
          GuardResult.UNAVAILABLE,
          "audit",
          "the gateway cannot record this call in its audit trail right now; try again shortly",
          result.tokenId(),
          result.decision());
    }
  }

  /**
   * The decision as one JSON line, written field by field with Jackson's generator: no tree is
   * built, since this runs for every call.
   */
  private byte[] auditEvent(GuardResult result, Request req, String sourceIp, String approvalId)
      throws IOException {
    ByteArrayBuilder bytes = new ByteArrayBuilder(512);
    try (JsonGenerator g = JSON.getFactory().createGenerator(bytes)) {
      g.writeStartObject();
      g.writeStringField("type", "decision");
      g.writeStringField("actor", audience);
      if (result.tokenId() != null) {
        g.writeStringField("tokenId", result.tokenId());
      }
      g.writeStringField("at", clock.instant().toString());
      g.writeObjectFieldStart("detail");
      g.writeStringField("decision", result.allowed() ? "allow" : "deny");
      g.writeStringField("code", result.code());
      if (result.caveat() != null) {
        g.writeStringField("caveat", result.caveat());
      }
      if (result.decision() instanceof Decision.Deny deny && deny.block() >= 0) {
        g.writeNumberField("block", deny.block());
      }
      writeChain(g, result.decision());
      g.writeStringField("reason", truncate(result.reason()));
      g.writeStringField("service", truncate(req.service()));
      g.writeStringField("action", truncate(req.action()));
      g.writeStringField("resource", truncate(req.resource()));
      if (!req.moreResources().isEmpty()) {
        // Bounded so that a record stays well inside the authority's limit on its detail.
        g.writeArrayFieldStart("moreResources");
        List<String> more = req.moreResources();
        for (String r : more.subList(0, Math.min(more.size(), MAX_AUDITED_MORE_RESOURCES))) {
          g.writeString(r.length() <= 256 ? r : r.substring(0, 256) + "...");
        }
        g.writeEndArray();
        if (more.size() > MAX_AUDITED_MORE_RESOURCES) {
          g.writeNumberField("moreResourcesOmitted", more.size() - MAX_AUDITED_MORE_RESOURCES);
        }
      }
      g.writeStringField("audience", audience);
      if (sourceIp != null) {
        g.writeStringField("sourceIp", truncate(sourceIp));
      }
      if (approvalId != null) {
        g.writeStringField("approvalId", approvalId);
      }
      if (req.context().get(TRACE_CONTEXT) instanceof String trace
          && TRACEPARENT.matcher(trace).matches()) {
        g.writeStringField(TRACE_CONTEXT, trace);
      }
      g.writeNumberField("status", result.httpStatus());
      g.writeEndObject();
      g.writeEndObject();
    }
    return bytes.toByteArray();
  }

  /**
   * The blocks the call came through, so the authority can place a use under the delegated block
   * that made it (the console's capability tree): for an allowed call each verified block's
   * revocation id and holder key id; for a denied one the revocation ids of what was presented, if
   * it decoded (not verified: the authority only matches them against blocks it knows).
   */
  private static void writeChain(JsonGenerator g, Decision decision) throws IOException {
    if (decision instanceof Decision.Allow allow) {
      g.writeArrayFieldStart("blocks");
      for (Block b : allow.capability().blocks()) {
        g.writeStartObject();
        g.writeStringField("revocationId", b.revocationId());
        if (b.holderKeyId() != null) {
          g.writeStringField("holderKeyId", b.holderKeyId());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    } else if (decision instanceof Decision.Deny deny && !deny.revocationIds().isEmpty()) {
      g.writeArrayFieldStart("revocationIds");
      for (String id : deny.revocationIds()) {
        g.writeString(id);
      }
      g.writeEndArray();
    }
  }

  private Counter counter(GuardResult r) {
    String key = (r.allowed() ? "allow:" : "deny:") + r.code();
    return counters.computeIfAbsent(
        key,
        k ->
            Counter.builder("mandate.gateway.decisions")
                .description("Calls decided, by outcome and code")
                .tag("decision", r.allowed() ? "allow" : "deny")
                .tag("code", r.code())
                .register(metrics));
  }

  private static String truncate(String s) {
    if (s == null) {
      return null;
    }
    return s.length() <= MAX_FIELD_CHARS ? s : s.substring(0, MAX_FIELD_CHARS) + "...";
  }
}
