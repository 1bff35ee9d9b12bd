package dev.mandate.authority;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What an endpoint answers: a status, a body that is serialised as JSON (or sent as is when it is a
 * {@link Text}) and extra headers.
 */
record Reply(int status, Object body, Map<String, String> headers) {

  /** A body sent verbatim with its own content type (for Prometheus text). */
  record Text(String contentType, String text) {}

  /**
   * A body written over time (server-sent events). The stream sets its own headers, writes with
   * {@code last=false}, and completes {@code callback} when it ends.
   */
  interface Stream {
    void stream(
        org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback);
  }

  static Reply of(int status, Object body) {
    return new Reply(status, body, Map.of());
  }

  static CompletionStage<Reply> now(int status, Object body) {
    return CompletableFuture.completedFuture(of(status, body));
  }
}
