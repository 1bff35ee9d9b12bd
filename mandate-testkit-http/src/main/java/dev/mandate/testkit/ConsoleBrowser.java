package dev.mandate.testkit;

import java.io.IOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A person's browser at the authority's console, for HTTP-level tests of its pages: keeps cookies,
 * does not follow redirects (so each step can be looked at), remembers the CSRF token of the last
 * page it saw and puts it in the forms it posts. Browser tests proper (JavaScript, accessibility)
 * drive a real Chromium instead.
 */
public final class ConsoleBrowser {
  private static final Pattern HIDDEN =
      Pattern.compile("<input type=\"hidden\" name=\"([A-Za-z0-9_-]+)\" value=\"([^\"]*)\">");

  private final String base;
  private final CookieManager cookies = new CookieManager();
  private final HttpClient client;
  private String csrf;

  /** A browser with no cookies, for the authority at {@code base} (scheme, host and port). */
  public ConsoleBrowser(String base) {
    this.base = base;
    this.client =
        HttpClient.newBuilder()
            .cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /**
   * Opens the sign-in page and signs in; answers the sign-in's response (a 303 to the console when
   * it worked) and, when it worked, opens the overview so that {@link #csrf()} is the session's.
   *
   * @param code the one-time code, or null
   */
  public Reply signIn(String name, String password, String code) {
    Reply page = get("/console/sign-in");
    if (page.status() != 200) {
      throw new IllegalStateException("the sign-in page answered " + page.status());
    }
    Map<String, String> form = hidden(page.body());
    form.put("name", name);
    form.put("password", password);
    if (code != null) {
      form.put("code", code);
    }
    Reply r = send(formRequest("/console/sign-in", encode(form)));
    if (r.status() == 303) {
      get("/console");
    }
    return r;
  }

  /** GET a path; remembers the page's CSRF token, if it has one. */
  public Reply get(String path) {
    Reply r = send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    remember(r);
    return r;
  }

  /**
   * POST a form to {@code path}, with the CSRF token of the last page seen added as {@code csrf}.
   */
  public Reply post(String path, Map<String, String> fields) {
    Map<String, String> form = new LinkedHashMap<>();
    if (csrf != null) {
      form.put("csrf", csrf);
    }
    form.putAll(fields);
    return postRaw(path, encode(form), Map.of());
  }

  /** POST a form body exactly as given, with extra headers (such as a foreign {@code Origin}). */
  public Reply postRaw(String path, String body, Map<String, String> headers) {
    HttpRequest.Builder b = formRequest(path, body);
    headers.forEach(b::header);
    Reply r = send(b);
    remember(r);
    return r;
  }

  /** The CSRF token of the last page seen that had one. */
  public String csrf() {
    return csrf;
  }

  /** The value of a cookie this browser holds, if any. */
  public Optional<String> cookie(String name) {
    return cookies.getCookieStore().getCookies().stream()
        .filter(c -> c.getName().equals(name))
        .map(HttpCookie::getValue)
        .findFirst();
  }

  /** Sets a cookie, as a browser that was handed one (a replayed or stolen cookie). */
  public void setCookie(String name, String value) {
    HttpCookie c = new HttpCookie(name, value);
    c.setPath("/");
    c.setVersion(0);
    cookies.getCookieStore().add(URI.create(base), c);
  }

  /** The hidden fields of a page's forms, by name (the last of a name wins). */
  public static Map<String, String> hidden(String html) {
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher m = HIDDEN.matcher(html);
    while (m.find()) {
      fields.put(m.group(1), m.group(2));
    }
    return fields;
  }

  private void remember(Reply r) {
    String token = hidden(r.body()).get("csrf");
    if (token != null) {
      csrf = token;
    }
  }

  private HttpRequest.Builder formRequest(String path, String body) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r =
          client.send(
              request.timeout(Http.CALL_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException("HTTP call failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during an HTTP call", e);
    }
  }

  /** A form body, {@code application/x-www-form-urlencoded}. */
  public static String encode(Map<String, String> form) {
    return form.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }
}
