package dev.mandate.gateway.mcp;

import dev.mandate.gateway.Secret;
import dev.mandate.gateway.SecretRedaction;
import dev.mandate.gateway.mcp.McpConfig.Http;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpMethod;

/**
 * An upstream reached over HTTP, as both transports to it (a session, {@link HttpUpstream}; one
 * POST a request, {@link StatelessUpstream}) see it: where it is, the client that reaches it, the
 * bounds on its answers, and its configured headers (its credentials) both to send and to redact
 * from what it answers.
 *
 * @param service the upstream's service, for messages
 * @param config its address and configured headers
 * @param client the gateway's HTTP client
 * @param maxMessageBytes the largest message it may answer, in bytes
 * @param timeout how long one request may take
 * @param credentials the configured header values, redacted from its answers
 */
record HttpTarget(
    String service,
    Http config,
    HttpClient client,
    long maxMessageBytes,
    Duration timeout,
    SecretRedaction credentials) {

  static HttpTarget of(
      String service, Http config, HttpClient client, long maxMessageBytes, Duration timeout) {
    return new HttpTarget(
        service,
        config,
        client,
        maxMessageBytes,
        timeout,
        SecretRedaction.ofHeaderValues(config.headers().values()));
  }

  /** A request to the upstream's address with its configured headers (revealed for this use). */
  Request newRequest(HttpMethod method) {
    return client
        .newRequest(config.url())
        .method(method)
        .headers(
            h -> {
              for (Map.Entry<String, Secret> e : config.headers().entrySet()) {
                h.put(e.getKey(), e.getValue().revealForUse());
              }
            });
  }
}
