package dev.mandate.authority;

import dev.mandate.authority.store.StoreException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns replies and exceptions into HTTP responses; no stack trace ever reaches a caller. */
final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);
  static final String JSON = "application/json";

  private Replies() {}

  static Map<String, String> error(String code, String message) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", message);
    return body;
  }

  static Reply fromException(Throwable thrown) {
    Throwable t = thrown;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ApiException e) {
      return Reply.of(e.status(), error(e.code(), e.getMessage()));
    }
    if (t instanceof Router.Unauthenticated) {
      return new Reply(
          401,
          error(
              "unauthenticated",
              "send valid client credentials with HTTP Basic authentication (client_id:secret)"),
          Map.of("WWW-Authenticate", "Basic realm=\"mandate\", charset=\"UTF-8\""));
    }
    if (t instanceof StoreException e) {
      LOG.warn("store failure: {}", e.getMessage(), e);
      return Reply.of(
          503,
          error(
              "store_unavailable",
              "the authority's database did not complete the operation; nothing was acknowledged,"
                  + " retry later"));
    }
    if (t instanceof IllegalArgumentException e) {
      return Reply.of(400, error("invalid_request", e.getMessage()));
    }
    LOG.error("unexpected failure while handling a request", t);
    return Reply.of(
        500,
        error("internal_error", "the authority failed unexpectedly; the details are in its log"));
  }

  static void write(Reply reply, Response response, Callback callback) {
    if (reply.body() instanceof Reply.Stream stream) {
      response.setStatus(reply.status());
      reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
      stream.stream(response, callback);
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
        bytes =
            Json.write(error("internal_error", "the authority failed to write its answer"))
                .getBytes(StandardCharsets.UTF_8);
        contentType = JSON;
        reply = Reply.of(500, null);
      }
    }
    response.setStatus(reply.status());
    reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
