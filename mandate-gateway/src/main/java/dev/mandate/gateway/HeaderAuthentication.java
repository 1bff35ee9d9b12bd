package dev.mandate.gateway;

import dev.mandate.token.Request;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Stage 2 of the {@link Pipeline}: the capability in the request's headers is checked before any
 * byte of its body is read ({@link CallGuard#authenticate}). A request refused here is audited,
 * answered at once and its connection closed: the body of a sender without a usable capability is
 * never read nor drained, so a flood of slow bodies costs the gateway a header parse each.
 */
public final class HeaderAuthentication {
  private final CallGuard guard;

  /** Authenticates with this guard. */
  public HeaderAuthentication(CallGuard guard) {
    this.guard = Objects.requireNonNull(guard, "guard");
  }

  /**
   * Refuses the request if its capability is not usable here and {@code refuseNow} says this denial
   * ends it before its body; otherwise lets it on (the verify stage denies it then, in the call's
   * own terms).
   *
   * @param bearer the presented token, or null
   * @param operation what a refusal is audited as
   * @param sourceIp the caller's address; may be null
   * @param refuseNow which denials end the request before its body
   * @throws Denial the recorded denial, with its body never to be read ({@link Denial.Body#CLOSE})
   */
  public void check(
      String bearer, Request operation, String sourceIp, Predicate<GuardResult> refuseNow) {
    GuardResult denial = guard.authenticate(bearer, operation);
    if (denial != null && refuseNow.test(denial)) {
      throw Denial.of(guard.record(denial, operation, sourceIp)).body(Denial.Body.CLOSE);
    }
  }
}
