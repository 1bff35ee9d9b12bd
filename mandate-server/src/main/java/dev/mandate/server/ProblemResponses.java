package dev.mandate.server;

import dev.mandate.wire.Problem;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Writes a {@link Problem} as the whole answer: its status, {@code Content-Type: }{@value
 * Problem#MEDIA_TYPE}, {@code Cache-Control: no-store} and the body. Headers the caller set before
 * (such as {@code WWW-Authenticate} or {@code Retry-After}) are kept.
 */
public final class ProblemResponses {
  private ProblemResponses() {}

  /**
   * Answers with {@code problem} and completes {@code callback} when it is written.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the response is already committed
   */
  public static void send(Response response, Callback callback, Problem problem) {
    Objects.requireNonNull(response, "response");
    Objects.requireNonNull(callback, "callback");
    Objects.requireNonNull(problem, "problem");
    if (response.isCommitted()) {
      throw new IllegalStateException("the response is already committed");
    }
    byte[] body = problem.toJson();
    response.setStatus(problem.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
