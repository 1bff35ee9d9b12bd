package dev.mandate.gateway;

import dev.mandate.server.ProblemResponses;
import dev.mandate.wire.Problem;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The HTTP front end's one way to answer a {@link Denial}: an RFC 9457 problem whose code is the
 * denial's. A 401 carries {@code WWW-Authenticate} (RFC 6750: {@code error="invalid_token"} unless
 * no token was sent); a 503 carries {@code Retry-After}; an {@code APPROVAL_REQUIRED} denial adds
 * {@link GuardResult.ApprovalNeeded#toJson()}'s members, a budget's denial {@link
 * GuardResult#budgetJson()}'s.
 */
final class ProblemDenials implements DenialRenderer {
  @Override
  public void render(Exchange x, Denial d) {
    Problem problem = Problem.of(d.status(), d.error(), d.reason());
    if (d.status() == 401) {
      x.resource().challenge(x, null);
    } else if (d.status() == 503) {
      x.response().getHeaders().put(HttpHeader.RETRY_AFTER, "1");
    } else {
      x.resource().forbidden(x, d);
      if (d.result() != null && d.result().approvalNeeded() != null) {
        problem = problem.withAll(d.result().approvalNeeded().toJson());
      } else if (d.result() != null && d.result().budgetJson() != null) {
        problem = problem.withAll(d.result().budgetJson());
      }
    }
    ProblemResponses.send(x.response(), x.callback(), problem);
  }
}
