package dev.mandate.token;

import dev.mandate.config.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Decides whether a presented capability allows a request. Thread-safe. {@link #authorize} never
 * throws on bad input: a malformed, forged, expired, revoked, out-of-scope or used-up token yields
 * a {@link Decision.Deny} that names the block, the check and the reason; an allow carries the
 * {@link VerifiedCapability}.
 *
 * <p>The checks run in the spec's order, each in its own part: the signature chain ({@link
 * ChainCheck}, cached by token text, so a second use costs only the per-call checks), the request's
 * limits and canonical form ({@link RequestCheck}), revocation, time, audience, grants, arguments
 * and conditions ({@link CaveatCheck}), the holder proof ({@link ProofCheck}), the approval ({@link
 * ApprovalCheck}) and last the budgets' debit and the max-uses count ({@link UseCheck}), so a call
 * is debited and counted only when it is otherwise allowed.
 */
public final class Verifier {
  private final Clock clock;
  private final ChainCheck chainCheck;
  private final RequestCheck requestCheck;
  private final CaveatCheck caveatCheck;
  private final ProofCheck proofCheck;
  private final ApprovalCheck approvalCheck;
  private final UseCheck useCheck;
  private final BudgetLedger budgetLedger;
  private final Duration clockSkew;

  private Verifier(Builder b) {
    ReplayGuard replayGuard =
        b.replayGuard != null ? b.replayGuard : ReplayGuard.inMemory(1_000_000, b.clock);
    this.clock = b.clock;
    this.chainCheck = new ChainCheck(b.trustedKeys, b.limits, b.cacheSize);
    this.requestCheck = new RequestCheck(b.limits);
    this.caveatCheck = new CaveatCheck(b.clock, b.clockSkew, b.revoked, b.limits);
    this.proofCheck = new ProofCheck(b.clockSkew, b.proofWindow, replayGuard, requestCheck);
    this.approvalCheck = new ApprovalCheck(b.trustedKeys, b.clockSkew, replayGuard);
    this.useCheck = new UseCheck(b.usageCounter, b.budgetLedger, b.clockSkew);
    this.budgetLedger = b.budgetLedger;
    this.clockSkew = b.clockSkew;
  }

  /** Starts building a verifier. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides whether what was presented allows {@code request}. An allowed call has used up its
   * proof and approval, been debited from every budget and rate that applies to it, and been
   * counted against every max-uses caveat.
   *
   * @param presented the token as presented, with the holder proof and the call as received that it
   *     signs (both required for holder-bound tokens) and the approval (required when a block has
   *     an approval caveat), if any
   * @param request the call as mapped for the grants; for a holder-bound token it must have the
   *     presented call's audience and service, and be derived from it
   * @return the decision; never null
   * @throws NullPointerException if presented or request is null (a programmer error)
   */
  public Decision authorize(Presentation presented, Request request) {
    Objects.requireNonNull(presented, "presented");
    Objects.requireNonNull(request, "request");
    ChainCheck.Verified verified;
    try {
      verified = verifiedChain(presented);
    } catch (Reasons.Denial d) {
      return d.decision;
    }
    Chain chain = verified.chain();
    return evaluated(
        chain,
        () -> {
          List<String> resources = requestCheck.resources(chain, request);
          Instant now = clock.instant();
          CaveatCheck.Spending spending = caveatCheck.check(chain, request, resources, now);
          proofCheck.check(
              chain, request, presented.proof().orElse(null), presented.call().orElse(null), now);
          approvalCheck.check(chain, request, presented.approval().orElse(null), now);
          useCheck.debit(chain, spending.uses(), spending.spends());
          return new Decision.Allow(verified.capability());
        });
  }

  /** The checks after the chain, run once; what they throw becomes the denial it stands for. */
  private interface Checks {
    Decision run() throws Reasons.Denial;
  }

  private static Decision evaluated(Chain chain, Checks checks) {
    try {
      return checks.run();
    } catch (Reasons.Denial d) {
      return d.decision;
    } catch (FormatException e) {
      return Reasons.deny(chain, e.code(), -1, Decision.Check.REQUEST, e.getMessage()).decision;
    } catch (RuntimeException e) {
      return Reasons.deny(
              chain,
              Decision.Code.INVALID_REQUEST,
              -1,
              Decision.Check.REQUEST,
              "the request could not be evaluated")
          .decision;
    }
  }

  /**
   * Tells whether the presented token could allow some call of the request's action on its service
   * at its audience: the chain verifies, nothing is revoked or expired, the audience is accepted,
   * and every block has a grant whose service and action patterns match. The request's resources
   * and arguments, conditions, proofs, approvals and use counts are not considered, so a true
   * answer does not mean a particular call is allowed. Used to show an agent only the tools it may
   * call (for example to filter an MCP tools/list). Never throws on bad input; returns false for
   * it.
   *
   * @throws NullPointerException if presented or request is null
   */
  public boolean couldAllow(Presentation presented, Request request) {
    Objects.requireNonNull(presented, "presented");
    Objects.requireNonNull(request, "request");
    try {
      return caveatCheck.couldAllow(chainCheck.verified(presented.token()).chain(), request);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Tells whether the presented token could allow the request's action on its resources: as {@link
   * #couldAllow}, and the grants of every block cover each resource (a path normalised first, as
   * {@link #authorize} does). Arguments, conditions, proofs, approvals and use counts are not
   * considered. Used to show an agent only the resources and prompts it may use (for example to
   * filter an MCP resources/list). Never throws on bad input; returns false for it.
   *
   * @throws NullPointerException if presented or request is null
   */
  public boolean covers(Presentation presented, Request request) {
    Objects.requireNonNull(presented, "presented");
    Objects.requireNonNull(request, "request");
    try {
      Chain chain = chainCheck.verified(presented.token()).chain();
      return caveatCheck.covers(chain, request, requestCheck.resources(chain, request));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Whether this token's signature chain verified before and is remembered (the verification cache)
   * under a root key its {@link TrustedKeys} return without waiting: deciding a call with it then
   * checks no signature of the chain and fetches no key. The per-call checks (revocation, time,
   * grants, proofs, uses) are not consulted. For a caller that must know a decision will not wait
   * on the chain's keys. Never throws.
   */
  public boolean hasVerified(String token) {
    return chainCheck.cachedWithoutWaiting(token);
  }

  /**
   * Returns what is left of every budget and rate of a capability (its blocks' and their grants',
   * in block order; empty if it has none), so that a holder or an operator can see it before
   * spending. The token's signature chain must verify under a trusted root key; whether it is
   * expired, revoked or meant for this audience does not matter here, and no holder proof is needed
   * (what is left is not a secret of the holder's).
   *
   * @throws InvalidTokenException if the token is malformed or does not verify under a trusted key
   * @throws IllegalStateException if this verifier has no budget ledger, or the ledger cannot
   *     answer
   */
  public List<Decision.BudgetLeft> budgetsLeft(String token) {
    Objects.requireNonNull(token, "token");
    Chain chain;
    try {
      chain = verifiedChain(Presentation.of(token)).chain();
    } catch (Reasons.Denial d) {
      throw new InvalidTokenException(d.decision.code(), d.decision.block(), d.decision.reason());
    }
    if (budgetLedger == null) {
      throw new IllegalStateException("this verifier has no budget ledger");
    }
    try {
      return BudgetCheck.left(chain, budgetLedger, clockSkew);
    } catch (RuntimeException e) {
      throw new IllegalStateException("the budget ledger cannot answer right now");
    }
  }

  /**
   * Checks only a token's signature chain, exactly as {@link #authorize} checks it first: the text
   * is well-formed within the limits, block 0 is signed by a trusted root key, every further block
   * by the key the block before it names, a bearer token's final secret matches its last block, and
   * no max-depth caveat is broken. Whether it is expired, revoked, meant for this audience or
   * allows anything is not considered, and nothing is used up: this is for showing a presented
   * token as what it is (an operator inspecting one), never for deciding a call.
   *
   * @return the token, decoded, once its chain verified
   * @throws InvalidTokenException saying why not: its code, the block at fault and the reason
   * @throws NullPointerException if token is null
   */
  public Capability verifySignatures(String token) {
    Objects.requireNonNull(token, "token");
    try {
      return Capability.of(verifiedChain(Presentation.of(token)).chain());
    } catch (Reasons.Denial d) {
      throw new InvalidTokenException(d.decision.code(), d.decision.block(), d.decision.reason());
    }
  }

  /**
   * Decides whether what was presented is a capability that is valid here and, if holder-bound,
   * presented by its holder: the signature chain, revocation, time and audience, and the holder
   * proof over the presented call (used up, as for a call). Grants, arguments, conditions,
   * approvals and use counts are not considered: this is for what a holder does that no grant
   * names, such as opening, using and ending an MCP session, so that a stolen holder-bound token
   * without its key can do none of it.
   *
   * @param presented the token as presented, with the holder proof and the call it signs if any
   * @param request the operation (its audience and service are the call's; its action and resource
   *     name the operation for the audit trail)
   * @return an {@link Decision.Allow} with the verified capability, or the denial; never null
   * @throws NullPointerException if presented or request is null (a programmer error)
   */
  public Decision authenticate(Presentation presented, Request request) {
    Objects.requireNonNull(presented, "presented");
    Objects.requireNonNull(request, "request");
    ChainCheck.Verified verified;
    try {
      verified = verifiedChain(presented);
    } catch (Reasons.Denial d) {
      return d.decision;
    }
    Chain chain = verified.chain();
    return evaluated(
        chain,
        () -> {
          requestCheck.resources(chain, request);
          Instant now = clock.instant();
          caveatCheck.checkValid(chain, request, now);
          proofCheck.check(
              chain, request, presented.proof().orElse(null), presented.call().orElse(null), now);
          return new Decision.Allow(verified.capability());
        });
  }

  /**
   * The presented token's verified chain (cached by its text).
   *
   * @throws Reasons.Denial if it is malformed, too large, or does not verify under a trusted key
   */
  private ChainCheck.Verified verifiedChain(Presentation presented) {
    try {
      return chainCheck.verified(presented.token());
    } catch (Chain.BlockFormatException e) {
      throw new Reasons.Denial(
          Reasons.undecoded(
              e.cause.code(),
              e.block,
              Decision.Check.FORMAT,
              "block " + e.block + ": " + e.getMessage()));
    } catch (FormatException e) {
      throw new Reasons.Denial(
          Reasons.undecoded(e.code(), -1, Decision.Check.FORMAT, e.getMessage()));
    } catch (Reasons.Denial d) {
      throw d;
    } catch (RuntimeException e) {
      throw new Reasons.Denial(
          Reasons.undecoded(
              Decision.Code.MALFORMED,
              -1,
              Decision.Check.FORMAT,
              "the token could not be processed"));
    }
  }

  /** Configures a {@link Verifier}. */
  public static final class Builder {
    private TrustedKeys trustedKeys;
    private Clock clock = Clock.systemUTC();
    private Duration clockSkew = Duration.ofSeconds(30);
    private Duration proofWindow = Duration.ofSeconds(60);
    private Predicate<String> revoked = id -> false;
    private Limits limits = Limits.DEFAULTS;
    private ReplayGuard replayGuard;
    private UsageCounter usageCounter;
    private BudgetLedger budgetLedger;
    private long cacheSize = 10_000;

    private Builder() {}

    /** The root keys to trust (required). */
    public Builder trustedKeys(TrustedKeys keys) {
      this.trustedKeys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /** The clock for expiry and proofs (default: system UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How far clocks may disagree (default 30 s, at most 10 min).
     *
     * @throws IllegalArgumentException if negative or above 10 minutes
     */
    public Builder clockSkew(Duration skew) {
      this.clockSkew =
          Durations.requireWithin("clockSkew", skew, Duration.ZERO, Duration.ofMinutes(10));
      return this;
    }

    /**
     * How old a proof may be (default 60 s, 1 s to 10 min).
     *
     * @throws IllegalArgumentException if outside 1 s to 10 minutes
     */
    public Builder proofWindow(Duration window) {
      this.proofWindow =
          Durations.requireWithin(
              "proofWindow", window, Duration.ofSeconds(1), Duration.ofMinutes(10));
      return this;
    }

    /** Tells whether a revocation id is revoked (default: none is). Must be fast and not throw. */
    public Builder revoked(Predicate<String> isRevoked) {
      this.revoked = Objects.requireNonNull(isRevoked, "isRevoked");
      return this;
    }

    /** The limits (default {@link Limits#DEFAULTS}). */
    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Where used proofs and approvals are remembered (default: in memory, 1 000 000 entries). A
     * guard that throws makes the call a denial coded {@link Decision.Code#UNAVAILABLE}.
     */
    public Builder replayGuard(ReplayGuard guard) {
      this.replayGuard = Objects.requireNonNull(guard, "guard");
      return this;
    }

    /**
     * Where uses of capabilities with max-uses caveats are counted (default: none, so a call on
     * such a capability is denied with {@link Decision.Code#UNAVAILABLE}: an uncounted use is never
     * allowed). Use {@link UsageCounter#inMemory} in one process, a shared counter across several.
     */
    public Builder usageCounter(UsageCounter counter) {
      this.usageCounter = Objects.requireNonNull(counter, "counter");
      return this;
    }

    /**
     * Where what calls spent from budgets and rates is kept (default: none, so a call on a
     * capability with a budget is denied with {@link Decision.Code#UNAVAILABLE}: an undebited call
     * is never allowed). Use {@link BudgetLedger#inMemory} in one process, a shared ledger across
     * several.
     */
    public Builder budgetLedger(BudgetLedger ledger) {
      this.budgetLedger = Objects.requireNonNull(ledger, "ledger");
      return this;
    }

    /**
     * How many verified signature chains to remember (default 10 000; 0 disables the cache).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder verificationCacheSize(long entries) {
      if (entries < 0) {
        throw new IllegalArgumentException("cache size must not be negative, got " + entries);
      }
      this.cacheSize = entries;
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @throws IllegalStateException if no trusted keys were given
     */
    public Verifier build() {
      if (trustedKeys == null) {
        throw new IllegalStateException("a verifier needs trusted root keys (trustedKeys(...))");
      }
      return new Verifier(this);
    }
  }
}
