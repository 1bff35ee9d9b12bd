package dev.mandate.authority;

import dev.mandate.authority.store.StoreException;
import dev.mandate.server.ProblemResponses;
import dev.mandate.wire.Problem;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns replies and exceptions into HTTP responses; every error is a {@link Problem} and no stack
 * trace ever reaches a caller.
 */
final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);
  static final String JSON = "application/json";

  private Replies() {}

  static Reply problem(int status, String code, String detail) {
    return Reply.of(status, Problem.of(status, code, detail));
  }

  /** A 401 {@code unauthenticated} problem, with the {@code WWW-Authenticate} challenge to meet. */
  static Reply unauthenticated(String challenge, String detail) {
    return new Reply(
        401, Problem.of(401, "unauthenticated", detail), Map.of("WWW-Authenticate", challenge));
  }

  static Reply fromException(Throwable thrown) {
    Throwable t = thrown;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ApiException e) {
      return problem(e.status(), e.code(), e.getMessage());
    }
    if (t instanceof Router.Unauthenticated) {
      return unauthenticated(
          "Basic realm=\"mandate\", charset=\"UTF-8\"",
          "send valid client credentials with HTTP Basic authentication (client_id:secret)");
    }
    if (t instanceof StoreException e) {
      LOG.warn("store failure: {}", e.getMessage(), e);
      return problem(
          503,
          "store_unavailable",
          "the authority's database did not complete the operation; nothing was acknowledged,"
              + " retry later");
    }
    if (t instanceof IllegalArgumentException e) {
      return problem(400, "invalid_request", e.getMessage());
    }
    LOG.error("unexpected failure while handling a request", t);
    return problem(
        500, "internal_error", "the authority failed unexpectedly; the details are in its log");
  }

  static void write(Reply reply, Response response, Callback callback) {
    if (reply.body() instanceof Reply.Stream stream) {
      response.setStatus(reply.status());
      reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
      stream.stream(response, callback);
      return;
    }
    if (reply.body() instanceof Problem problem) {
      reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
      ProblemResponses.send(response, callback, problem);
      return;
    }
    byte[] bytes;
    String contentType;
    if (reply.body() instanceof Reply.Text text) {
      bytes = text.text().getBytes(StandardCharsets.UTF_8);
      contentType = text.contentType();
    } else {
      try {
        bytes = Json.write(reply.body()).getBytes(StandardCharsets.UTF_8);
        contentType = JSON;
      } catch (RuntimeException e) {
        LOG.error("cannot serialise a reply", e);
        ProblemResponses.send(
            response,
            callback,
            Problem.of(500, "internal_error", "the authority failed to write its answer"));
        return;
      }
    }
    response.setStatus(reply.status());
    reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
