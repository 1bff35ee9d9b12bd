package dev.mandate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A person's browser at the authority's consent pages ({@code /oauth/authorize}), as tests drive it
 * over HTTP: it keeps cookies, follows no redirect (so each step can be looked at), reads the
 * hidden fields of a page's form and posts the form back as a person would.
 */
public final class ConsentBrowser {
  private static final Pattern GRANT = Pattern.compile("name=\"grant\" value=\"(\\d+)\"");

  private final String authority;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .cookieHandler(new CookieManager())
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** A browser with no cookies, for the authority at {@code authority} (its base URL). */
  public ConsentBrowser(String authority) {
    this.authority = authority;
  }

  /** GET {@code uri}. */
  public HttpResponse<String> get(URI uri) {
    return send(HttpRequest.newBuilder(uri).timeout(Http.CALL_TIMEOUT).GET().build());
  }

  /** POST a form, url-encoded, to {@code path} of the authority. */
  public HttpResponse<String> post(String path, Map<String, String> form) {
    return post(path, encode(form));
  }

  /** POST an url-encoded body to {@code path} of the authority. */
  public HttpResponse<String> post(String path, String body) {
    return send(
        HttpRequest.newBuilder(URI.create(authority + path))
            .timeout(Http.CALL_TIMEOUT)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /**
   * Opens the authorization URI and signs in: the consent page, or a redirect to the client.
   *
   * @throws IllegalStateException if the authorization URI does not show the sign-in page
   */
  public HttpResponse<String> signIn(URI authorize, String user, String password) {
    HttpResponse<String> page = get(authorize);
    if (page.statusCode() != 200) {
      throw new IllegalStateException(
          "the authorization URI answered " + page.statusCode() + ": " + page.body());
    }
    Map<String, String> form = hidden(page.body());
    form.put("username", user);
    form.put("password", password);
    return post("/oauth/authorize", form);
  }

  /**
   * Goes from the authorization URI through sign-in and consent as {@code user}, keeping every
   * offered permission unless {@code narrowing} names the {@code grant}s to keep, with the other
   * fields of {@code narrowing} ({@code lifetime}, {@code maxUses}, {@code approvers}) as chosen.
   *
   * @return the redirect to the client: its {@code Location}
   * @throws IllegalStateException if a page is not the one a person would see next
   */
  public URI consent(URI authorize, String user, String password, Map<String, String> narrowing) {
    HttpResponse<String> consent = signIn(authorize, user, password);
    if (consent.statusCode() != 200) {
      throw new IllegalStateException(
          "signing in answered " + consent.statusCode() + ": " + consent.body());
    }
    Map<String, String> approve = hidden(consent.body());
    approve.put("decision", "approve");
    approve.putAll(narrowing);
    StringBuilder body = new StringBuilder(encode(approve));
    if (!narrowing.containsKey("grant")) {
      Matcher m = GRANT.matcher(consent.body());
      while (m.find()) {
        body.append("&grant=").append(m.group(1));
      }
    }
    return location(post("/oauth/authorize", body.toString()));
  }

  /**
   * The {@code Location} of a redirect (303).
   *
   * @throws IllegalStateException if {@code r} is not a redirect
   */
  public static URI location(HttpResponse<String> r) {
    if (r.statusCode() != 303 || r.headers().firstValue("Location").isEmpty()) {
      throw new IllegalStateException(
          "expected a redirect to the client, got " + r.statusCode() + ": " + r.body());
    }
    return URI.create(r.headers().firstValue("Location").orElseThrow());
  }

  /** The hidden fields of a page's form, by name. */
  public static Map<String, String> hidden(String html) {
    return ConsoleBrowser.hidden(html);
  }

  /** A form's fields, url-encoded. */
  public static String encode(Map<String, String> form) {
    return ConsoleBrowser.encode(form);
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
