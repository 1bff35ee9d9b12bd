package dev.mandate.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.wire.Problem;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Calls the authority's HTTP API ({@code /v1/...}) as one client, with HTTP Basic credentials.
 * Every failure becomes an {@link AuthorityCallException} with a one-line message; answers are JSON
 * trees, because each command reads only a few fields of them.
 */
final class AuthorityClient {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** Longer than the longest long-poll the authority allows (30 s). */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  /** Answers larger than this are not from a well-behaved authority. */
  static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String clientId;
  private final String authorization;
  private final HttpClient http;

  private AuthorityClient(URI base, String clientId, String authorization) {
    this.base = base;
    this.clientId = clientId;
    this.authorization = authorization;
    this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
  }

  /**
   * A client that authenticates as {@code clientId}.
   *
   * @throws BadInputException if the URL is not an http(s) URL
   */
  static AuthorityClient authenticated(String url, String clientId, String secret) {
    String basic =
        Base64.getEncoder()
            .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return new AuthorityClient(baseUri(url), clientId, "Basic " + basic);
  }

  /**
   * A client without credentials, for the public endpoints (keys, revocation feed).
   *
   * @throws BadInputException if the URL is not an http(s) URL
   */
  static AuthorityClient anonymous(String url) {
    return new AuthorityClient(baseUri(url), null, null);
  }

  /** The base URL, without a trailing slash. */
  String url() {
    return base.toString();
  }

  /** {@code GET path?query}; the query parameters with null values are left out. */
  JsonNode get(String path, Map<String, ?> query) {
    return send(request(path + queryString(query)).GET().build());
  }

  /**
   * {@code POST path} with {@code body} as JSON (a map's null values left out), or no body if null.
   */
  JsonNode post(String path, Object body) {
    HttpRequest.BodyPublisher publisher;
    if (body == null) {
      publisher = HttpRequest.BodyPublishers.noBody();
    } else {
      Object present = body;
      if (body instanceof Map<?, ?> map) {
        Map<Object, Object> nonNull = new LinkedHashMap<>();
        map.forEach(
            (k, v) -> {
              if (v != null) {
                nonNull.put(k, v);
              }
            });
        present = nonNull;
      }
      try {
        publisher = HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(present));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write the request as JSON: " + e.getMessage(), e);
      }
    }
    return send(request(path).header("Content-Type", "application/json").POST(publisher).build());
  }

  private HttpRequest.Builder request(String pathAndQuery) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .timeout(REQUEST_TIMEOUT)
            .header("Accept", "application/json");
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  private JsonNode send(HttpRequest request) {
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException e) {
      throw AuthorityCallException.unreachable(
          "cannot reach the authority at "
              + base
              + ": no connection within "
              + seconds(CONNECT_TIMEOUT));
    } catch (HttpTimeoutException e) {
      throw AuthorityCallException.unreachable(
          "the authority at " + base + " did not answer within " + seconds(REQUEST_TIMEOUT));
    } catch (ConnectException e) {
      throw AuthorityCallException.unreachable(
          "cannot reach the authority at "
              + base
              + ": "
              + (e.getMessage() == null ? "connection refused" : e.getMessage())
              + " (is 'mandate serve' running there?)");
    } catch (IOException e) {
      throw AuthorityCallException.unreachable(
          "cannot reach the authority at " + base + ": " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw AuthorityCallException.unreachable("interrupted while waiting for the authority");
    }
    byte[] bytes = response.body();
    if (bytes.length > MAX_ANSWER_BYTES) {
      throw AuthorityCallException.unreachable(
          "the authority at "
              + base
              + " sent an answer larger than "
              + MAX_ANSWER_BYTES
              + " bytes");
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      JsonNode json = parse(bytes);
      if (json == null) {
        throw notAnAuthority(status);
      }
      return json;
    }
    Optional<Problem> problem = Problem.parse(bytes);
    String code = problem.map(Problem::code).orElse(null);
    String message = problem.map(Problem::detail).orElse(null);
    if (status == 401) {
      throw AuthorityCallException.answered(
          "the authority at "
              + base
              + (clientId == null
                  ? " wants client credentials; give --client and --secret-file"
                  : " refused the credentials of client '"
                      + Printable.escape(clientId)
                      + "'; check --client and the secret in --secret-file"),
          status,
          code,
          message);
    }
    if (code == null || message == null) {
      throw notAnAuthority(status);
    }
    throw AuthorityCallException.answered(
        "the authority refused (" + status + " " + code + "): " + message, status, code, message);
  }

  private AuthorityCallException notAnAuthority(int status) {
    return AuthorityCallException.answered(
        "the server at "
            + base
            + " answered "
            + status
            + " without a Mandate problem body; is it a"
            + " Mandate authority?",
        status,
        null,
        null);
  }

  private static JsonNode parse(byte[] bytes) {
    if (bytes.length == 0) {
      return null;
    }
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  private static String queryString(Map<String, ?> query) {
    if (query == null) {
      return "";
    }
    StringJoiner q = new StringJoiner("&", "?", "");
    q.setEmptyValue("");
    query.forEach(
        (k, v) -> {
          if (v != null) {
            q.add(k + "=" + URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8));
          }
        });
    return q.toString();
  }

  private static URI baseUri(String url) {
    String u = url == null ? "" : url.strip();
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    URI uri;
    try {
      uri = new URI(u);
    } catch (URISyntaxException e) {
      throw new BadInputException(
          "--authority '" + Printable.escape(url) + "' is not a URL; e.g. http://127.0.0.1:7700");
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
        || uri.getHost() == null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || uri.getRawUserInfo() != null) {
      throw new BadInputException(
          "--authority '"
              + Printable.escape(url)
              + "' must be an http:// or https:// base URL without credentials, query or fragment,"
              + " e.g. http://127.0.0.1:7700");
    }
    return uri;
  }

  private static String seconds(Duration d) {
    return d.toSeconds() + "s";
  }

  private static String describe(IOException e) {
    return Errors.describe(e);
  }
}
