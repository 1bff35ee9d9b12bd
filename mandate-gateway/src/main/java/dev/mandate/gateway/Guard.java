package dev.mandate.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.caveat.Caveat;
import dev.mandate.token.Approval;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Limits;
import dev.mandate.token.ReplayGuard;
import dev.mandate.token.Request;
import dev.mandate.token.Verifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 *       conditions, holder proof and its replay, approval and its single use);
 *   <li>counts a use against every max-uses caveat of an allowed call;
 *   <li>appends the outcome to the durable audit spool (a call whose decision cannot be recorded is
 *       refused);
 *   <li>counts the outcome in metrics by code.
 * </ol>
 */
public final class Guard implements CallGuard {
  private static final Logger LOG = LoggerFactory.getLogger(Guard.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_FIELD_CHARS = 1024;
  private static final int MAX_AUDITED_MORE_RESOURCES = 16;
  // How the verifier names an approval to the replay guard (spec §7.1), as opposed to a proof.
  private static final String APPROVAL_REPLAY_PREFIX = "approval:";

  private final String audience;
  private final AuthorityLink link;
  private final Verifier verifier;
  private final UsageCounter usage;
  private final AuditSpool spool;
  private final Clock clock;
  private final Duration clockSkew;
  private final MeterRegistry metrics;
  private final ThreadLocal<ReplayFailure> replayFailure = new ThreadLocal<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Timer timer;

  /** Why the replay guard failed, and whether for an approval (else for a proof). */
  private record ReplayFailure(RuntimeException cause, boolean approval) {}

  Guard(
      String audience,
      AuthorityLink link,
      GatewayConfig.Verification verification,
      ReplayGuard replayGuard,
      UsageCounter usage,
      AuditSpool spool,
      Clock clock,
      MeterRegistry metrics) {
    this.audience = Objects.requireNonNull(audience, "audience");
    this.link = link;
    this.usage = usage;
    this.spool = spool;
    this.clock = clock;
    this.clockSkew = verification.clockSkew();
    this.metrics = metrics;
    // One replay guard for proofs and approvals, so with Redis an approval is single-use across
    // every gateway, as a proof is.
    ReplayGuard tracked =
        (id, expiresAt) -> {
          try {
            return replayGuard.firstUse(id, expiresAt);
          } catch (RuntimeException e) {
            // The verifier turns any exception into a generic denial; remember the real cause.
            replayFailure.set(new ReplayFailure(e, id.startsWith(APPROVAL_REPLAY_PREFIX)));
            throw e;
          }
        };
    this.verifier =
        Verifier.builder()
            .trustedKeys(link)
            .clock(clock)
            .clockSkew(verification.clockSkew())
            .proofWindow(verification.proofWindow())
            .revoked(link::isDenied)
            .replayGuard(tracked)
            .limits(Limits.DEFAULTS.withMaxArgsBytes(verification.maxArgsBytes()))
            .verificationCacheSize(verification.cacheSize())
            .build();
    this.timer =
        Timer.builder("mandate.gateway.check")
            .description("Time to decide a call, including the audit spool")
            .register(metrics);
  }

  @Override
  public GuardResult check(
      String bearer, String proof, String approval, Request request, String sourceIp) {
    Objects.requireNonNull(request, "request");
    long start = System.nanoTime();
    Map<String, Object> context = new HashMap<>(request.context());
    if (sourceIp != null) {
      context.put("sourceIp", sourceIp);
    }
    Request req = atThisGateway(request, context);
    GuardResult result = decide(bearer, proof, approval, req);
    result = audit(result, req, sourceIp, approvalId(approval));
    counter(result).increment();
    timer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    return result;
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
      String bearer, Request request, Decision.Code code, String reason, String sourceIp) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(reason, "reason");
    if (code == Decision.Code.ALLOW) {
      throw new IllegalArgumentException("a refusal needs a denying code, not ALLOW");
    }
    Request req = atThisGateway(request, request.context());
    GuardResult result =
        GuardResult.deny(403, code.name(), "gateway", reason, claimedTokenId(bearer), null);
    result = audit(result, req, sourceIp, null);
    counter(result).increment();
    return result;
  }

  @Override
  public boolean couldAllow(String bearer, String service, String action) {
    try {
      return link.isFresh() && verifier.couldAllow(bearer, audience, service, action);
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public boolean couldAllow(String bearer, String service, String action, String resource) {
    // TEMP-EDGE-MCP: resource-level coverage comes with the core verifier API (core-api).
    return couldAllow(bearer, service, action);
  }

  @Override
  public boolean isRevoked(String revocationId) {
    return link.isDenied(revocationId);
  }

  private GuardResult decide(String bearer, String proof, String approval, Request req) {
    if (bearer != null && !bearer.isEmpty() && !link.isFresh()) {
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
    replayFailure.remove();
    Decision decision = verifier.authorize(bearer, req, proof, approval);
    ReplayFailure failure = replayFailure.get();
    replayFailure.remove();
    if (failure != null) {
      String what = failure.approval() ? "approval" : "proof";
      LOG.warn("{} replay guard unavailable: {}", what, failure.cause().getMessage());
      return GuardResult.deny(
          503,
          GuardResult.UNAVAILABLE,
          failure.approval() ? "approval" : "holder",
          "the gateway cannot check this "
              + what
              + " for "
              + (failure.approval() ? "single use" : "replay")
              + " right now (its shared store is unreachable); try again shortly",
          decision.tokenId(),
          null);
    }
    if (decision.code() == Decision.Code.APPROVAL_REQUIRED) {
      try {
        return GuardResult.approvalRequired(decision, approvalNeeded(bearer, decision, req));
      } catch (RuntimeException e) {
        // Not expected (the verifier decoded the token and digested the request); still a denial.
        LOG.warn("cannot describe the approval a call needs: {}", e.toString());
        return GuardResult.of(decision);
      }
    }
    if (!decision.allowed() || decision.useLimits().isEmpty()) {
      return GuardResult.of(decision);
    }
    return countUses(bearer, decision);
  }

  /**
   * What a client needs to ask for approval of {@code req}. The groups are those every approval
   * caveat of the (verified) token accepts, since one approval must satisfy them all.
   */
  private static GuardResult.ApprovalNeeded approvalNeeded(
      String bearer, Decision decision, Request req) {
    List<String> groups = null;
    for (Block b : Capability.decode(bearer).blocks()) {
      for (Caveat c : b.caveats()) {
        if (c instanceof Caveat.ApprovalRequired a) {
          if (groups == null) {
            groups = new ArrayList<>(a.groups());
          } else {
            groups.retainAll(a.groups());
          }
        }
      }
    }
    return new GuardResult.ApprovalNeeded(
        decision.tokenId(), Approval.requestDigest(req), groups == null ? List.of() : groups, req);
  }

  /**
   * The id of a presented approval, for the audit trail (the approval text itself is never
   * recorded); null if none was presented or it cannot be decoded.
   */
  private static String approvalId(String approval) {
    if (approval == null || approval.isEmpty()) {
      return null;
    }
    try {
      return Approval.decode(approval).approvalId();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The token id a token claims (unverified, like the verifier's for forged tokens), or null. */
  private static String claimedTokenId(String bearer) {
    try {
      return Capability.decode(bearer).tokenId();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private GuardResult countUses(String bearer, Decision decision) {
    List<UsageCounter.Limit> limits = limits(bearer, decision);
    int exhausted;
    try {
      exhausted = usage.tryUse(limits);
    } catch (UsageCounter.UnavailableException e) {
      LOG.warn("usage counters unavailable: {}", e.getMessage());
      return GuardResult.deny(
          503,
          GuardResult.UNAVAILABLE,
          GuardResult.CAVEAT_MAX_USES,
          "the gateway cannot count uses of this capability right now (its shared counter store is"
              + " unreachable); try again shortly",
          decision.tokenId(),
          decision);
    }
    if (exhausted < 0) {
      return GuardResult.of(decision);
    }
    UsageCounter.Limit limit = limits.get(exhausted);
    int block = decision.revocationIds().indexOf(limit.revocationId());
    return GuardResult.deny(
        403,
        Decision.Code.LIMIT_EXCEEDED.name(),
        GuardResult.CAVEAT_MAX_USES,
        "block "
            + block
            + " allows at most "
            + limit.maxUses()
            + " use"
            + (limit.maxUses() == 1 ? "" : "s")
            + ", and all were used",
        decision.tokenId(),
        decision);
  }

  /**
   * A counter for a block may be forgotten once no token containing that block can be valid: after
   * the earliest expiry among the block and those before it (every such token carries them all).
   */
  private List<UsageCounter.Limit> limits(String bearer, Decision decision) {
    List<Block> blocks = Capability.decode(bearer).blocks();
    List<UsageCounter.Limit> limits = new ArrayList<>();
    for (Decision.UseLimit u : decision.useLimits()) {
      Instant expiry = null;
      for (Block b : blocks) {
        for (Caveat c : b.caveats()) {
          if (c instanceof Caveat.Expiry e && (expiry == null || e.notAfter().isBefore(expiry))) {
            expiry = e.notAfter();
          }
        }
        if (b.revocationId().equals(u.revocationId())) {
          break;
        }
      }
      Instant forget = (expiry != null ? expiry : clock.instant().plus(Duration.ofDays(366)));
      limits.add(new UsageCounter.Limit(u.revocationId(), u.maxUses(), forget.plus(clockSkew)));
    }
    return limits;
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
      if (result.decision() != null && result.decision().block() >= 0) {
        g.writeNumberField("block", result.decision().block());
      }
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
      g.writeNumberField("status", result.httpStatus());
      g.writeEndObject();
      g.writeEndObject();
    }
    return bytes.toByteArray();
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
