package dev.mandate.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * Plain HTTP/1.1 calls for tests, over one shared client: a failure to connect or an interrupt
 * becomes an {@link IllegalStateException}, an answer of any status a {@link Reply}.
 */
public final class Http {
  static final ObjectMapper JSON = new ObjectMapper();

  /** How long a call may take before it fails; longer than any server-side wait under test. */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(40);

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Http() {}

  /** The {@code Authorization} header value for HTTP Basic credentials. */
  public static String basic(String user, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** A request builder for {@code url} with the call timeout and, if not null, authorization. */
  public static HttpRequest.Builder request(String url, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(CALL_TIMEOUT);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  /** GET {@code url}, with {@code authorization} if not null. */
  public static Reply get(String url, String authorization) {
    return send(request(url, authorization).GET());
  }

  /** POST a JSON body to {@code url}, with {@code authorization} if not null. */
  public static Reply post(String url, String json, String authorization) {
    return send(
        request(url, authorization)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** Sends a request with the call timeout; its answer whatever the status. */
  public static Reply send(HttpRequest.Builder request) {
    return send(CLIENT, request);
  }

  /** Sends a request on {@code client} with the call timeout; its answer whatever the status. */
  static Reply send(HttpClient client, HttpRequest.Builder request) {
    HttpResponse<String> r =
        exchange(
            client, request.timeout(CALL_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.headers(), r.body());
  }

  /** Sends a request on {@code client}; a failure to send is an unchecked exception. */
  static <T> HttpResponse<T> exchange(
      HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      return client.send(request, body);
    } catch (IOException e) {
      throw new IllegalStateException("HTTP call failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during an HTTP call", e);
    }
  }
}
