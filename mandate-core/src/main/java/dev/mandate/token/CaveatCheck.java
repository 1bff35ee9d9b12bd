package dev.mandate.token;

import static dev.mandate.token.Reasons.deny;
import static dev.mandate.token.Reasons.printable;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.caveat.Caveat;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The caveats and grants of every block, in the spec's order (§6): revocation (all blocks), expiry
 * and not-before (all blocks), audience, grants (block by block), then arguments and conditions
 * (block by block, in caveat order). A grant's own arguments and conditions are checked with the
 * grants. Max-uses caveats are collected for {@link UseCheck}.
 */
record CaveatCheck(Clock clock, Duration clockSkew, Predicate<String> revoked, Limits limits) {

  /**
   * Checks every caveat and grant for this call at {@code now}.
   *
   * @param resources the request's resources as grants see them ({@link RequestCheck})
   * @return the max-uses caveats the call must be counted against and what it spends from budgets,
   *     in block order
   * @throws Reasons.Denial at the first caveat or grant that does not hold, or an amount a budget
   *     cannot count
   */
  Spending check(Chain chain, Request request, List<String> resources, Instant now) {
    checkRevocation(chain);
    checkTime(chain, now);
    checkAudience(chain, request.audience());
    CallFacts call = new CallFacts(request, now);
    checkGrants(chain, request, resources, call);
    List<UseCheck.Use> uses = checkArguments(chain, call);
    return new Spending(uses, BudgetCheck.spends(chain, call.budgets, call.args, clockSkew));
  }

  /** What an otherwise allowed call must be counted against and debited from. */
  record Spending(List<UseCheck.Use> uses, List<BudgetCheck.Spend> spends) {}

  /**
   * Checks what makes a token valid here whatever the call: revocation, time and audience.
   *
   * @throws Reasons.Denial at the first that does not hold
   */
  void checkValid(Chain chain, Request request, Instant now) {
    checkRevocation(chain);
    checkTime(chain, now);
    checkAudience(chain, request.audience());
  }

  /**
   * Whether the token could allow the request's action on its resources at its audience:
   * revocation, time, audience and the grants only.
   *
   * @param resources the request's resources as grants see them ({@link RequestCheck})
   */
  boolean covers(Chain chain, Request request, List<String> resources) {
    try {
      checkValid(chain, request, clock.instant());
      checkGrants(chain, request, resources, null);
      return true;
    } catch (Reasons.Denial d) {
      return false;
    }
  }

  /**
   * Whether the token could allow some call of the request's service and action at its audience:
   * revocation, time, audience and the grants' service and action patterns only.
   */
  boolean couldAllow(Chain chain, Request request) {
    try {
      checkRevocation(chain);
      checkTime(chain, clock.instant());
      checkAudience(chain, request.audience());
    } catch (Reasons.Denial d) {
      return false;
    }
    for (Chain.Link link : chain.links) {
      List<Grant> grants = link.block().grants();
      if (!grants.isEmpty()
          && grants.stream().noneMatch(g -> g.matchesAction(request.service(), request.action()))) {
        return false;
      }
    }
    return true;
  }

  private void checkRevocation(Chain chain) {
    for (Chain.Link link : chain.links) {
      if (revoked.test(link.block().revocationId())) {
        throw deny(
            chain,
            Decision.Code.REVOKED,
            link.block().index(),
            Decision.Check.REVOCATION,
            "block " + link.block().index() + " is revoked (" + link.block().revocationId() + ")");
      }
    }
  }

  private void checkTime(Chain chain, Instant now) {
    for (Chain.Link link : chain.links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.Expiry e && now.isAfter(e.notAfter().plus(clockSkew))) {
          throw deny(
              chain,
              Decision.Code.EXPIRED,
              link.block().index(),
              Decision.Check.EXPIRY,
              "the capability expired at "
                  + e.notAfter()
                  + " (block "
                  + link.block().index()
                  + ")");
        }
        if (c instanceof Caveat.NotBefore n && now.plus(clockSkew).isBefore(n.notBefore())) {
          throw deny(
              chain,
              Decision.Code.NOT_YET_VALID,
              link.block().index(),
              Decision.Check.NOT_BEFORE,
              "the capability is not valid before " + n.notBefore());
        }
      }
    }
  }

  private static void checkAudience(Chain chain, String audience) {
    for (Chain.Link link : chain.links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.Audience a
            && (audience == null || !a.audiences().contains(audience))) {
          throw deny(
              chain,
              Decision.Code.AUDIENCE,
              link.block().index(),
              Decision.Check.AUDIENCE,
              "audience '"
                  + (audience == null ? "(none)" : printable(audience))
                  + "' is not among "
                  + a.audiences());
        }
      }
    }
  }

  /**
   * Checks that each resource is covered by a grant of every block that lists grants. With {@code
   * call}, a grant covers a resource only if its own caveats hold too (spec 5.3); when grants match
   * but the caveats of each fail, the first matching grant's failure is reported. Without, only the
   * patterns count.
   */
  private static void checkGrants(
      Chain chain, Request request, List<String> resources, CallFacts call) {
    for (Chain.Link link : chain.links) {
      List<Grant> grants = link.block().grants();
      if (grants.isEmpty()) {
        continue;
      }
      int index = link.block().index();
      for (String resource : resources) {
        Failure first = null;
        boolean covered = false;
        for (int gi = 0; gi < grants.size(); gi++) {
          Grant g = grants.get(gi);
          if (!g.matches(request.service(), request.action(), resource)) {
            continue;
          }
          Failure failure = call == null ? null : call.firstFailure(g.caveats(), index, g);
          if (failure == null) {
            covered = true;
            if (call != null
                && !g.caveats().isEmpty()
                && g.caveats().stream().anyMatch(BudgetCheck::isBudget)) {
              BudgetCheck.grantBudgets(link, gi, call.budgets);
            }
            break;
          }
          first = first == null ? failure : first;
        }
        if (covered) {
          continue;
        }
        if (first != null) {
          throw deny(chain, first.code(), index, first.check(), first.reason());
        }
        throw deny(
            chain,
            Decision.Code.GRANT,
            index,
            Decision.Check.GRANT,
            printable(request.service() + ":" + request.action() + ":" + resource)
                + " is not covered by block "
                + index
                + "'s grants "
                + Reasons.grantList(grants));
      }
    }
  }

  /** Why an argument constraint or a condition does not hold. */
  private record Failure(Decision.Code code, Decision.Check check, String reason) {}

  /** The call's arguments and context, for argument constraints and conditions. */
  private final class CallFacts {
    private final Request request;
    private final Instant now;
    private final JsonNode args;
    private Map<String, Object> context;
    private final List<BudgetCheck.Applied> budgets = new ArrayList<>(0);

    CallFacts(Request request, Instant now) {
      this.request = request;
      this.now = now;
      this.args = request.argsTree();
    }

    /**
     * Returns the first of these caveats (arguments and conditions; others are skipped) that does
     * not hold, or null; {@code grant} names the grant they belong to, or is null for the block's.
     */
    Failure firstFailure(List<Caveat> caveats, int index, Grant grant) {
      String owner = grant == null ? "block " + index : "grant " + grant + " of block " + index;
      for (Caveat c : caveats) {
        if (c instanceof Caveat.Argument a) {
          JsonNode value = args.at(JsonPointer.compile(a.pointer()));
          if (value.isMissingNode()) {
            return new Failure(
                Decision.Code.ARGUMENT,
                Decision.Check.ARGUMENT,
                "argument " + a.pointer() + " is required by " + owner + " but missing");
          }
          String violation = a.constraint().violation(value);
          if (violation != null) {
            return new Failure(
                Decision.Code.ARGUMENT,
                Decision.Check.ARGUMENT,
                "argument "
                    + a.pointer()
                    + (grant == null ? "" : " (" + owner + ")")
                    + ": "
                    + violation);
          }
        } else if (c instanceof Caveat.Condition cond) {
          if (context == null) {
            context = new HashMap<>(request.context());
            context.put("time", now);
          }
          String problem = Conditions.check(cond.expression(), args, context, limits);
          if (problem != null) {
            return new Failure(
                Decision.Code.CONDITION,
                Decision.Check.CONDITION,
                "condition '" + cond.expression() + "' of " + owner + ": " + problem);
          }
        }
      }
      return null;
    }
  }

  private static List<UseCheck.Use> checkArguments(Chain chain, CallFacts call) {
    List<UseCheck.Use> uses = List.of();
    for (Chain.Link link : chain.links) {
      int index = link.block().index();
      Failure failure = call.firstFailure(link.caveats(), index, null);
      if (failure != null) {
        throw deny(chain, failure.code(), index, failure.check(), failure.reason());
      }
      BudgetCheck.blockBudgets(link, call.budgets);
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.MaxUses u) {
          if (uses.isEmpty()) {
            uses = new ArrayList<>(2);
          }
          uses.add(new UseCheck.Use(index, link.block().revocationId(), u.uses()));
        }
      }
    }
    return uses;
  }
}
