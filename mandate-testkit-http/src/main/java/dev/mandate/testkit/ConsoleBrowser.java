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

  /**
   * Opens a server-sent event stream at {@code path} with this browser's cookies (and any extra
   * headers, such as {@code Last-Event-ID}); read it with {@link EventStream#next}. Close it when
   * done.
   */
  public EventStream events(String path, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/event-stream").GET();
    headers.forEach(b::header);
    HttpResponse<java.io.InputStream> r =
        Http.exchange(client, b.build(), HttpResponse.BodyHandlers.ofInputStream());
    return new EventStream(r.statusCode(), r.headers(), r.body());
  }

  /** An open server-sent event stream: its status, headers, and its events as they come. */
  public static final class EventStream implements AutoCloseable {
    /** One event: its id, type ({@code message} when unnamed) and data, or a comment line. */
    public record Event(String id, String type, String data, String comment) {}

    private static final Event END = new Event(null, null, null, null);
    private final int status;
    private final java.net.http.HttpHeaders headers;
    private final java.io.InputStream body;
    private final java.util.concurrent.BlockingQueue<Event> events =
        new java.util.concurrent.LinkedBlockingQueue<>();

    private EventStream(int status, java.net.http.HttpHeaders headers, java.io.InputStream body) {
      this.status = status;
      this.headers = headers;
      this.body = body;
      Thread reader = new Thread(this::read, "event-stream-reader");
      reader.setDaemon(true);
      reader.start();
    }

    public int status() {
      return status;
    }

    public java.net.http.HttpHeaders headers() {
      return headers;
    }

    /**
     * The next event or comment, or empty when the stream ended or none came within {@code
     * timeout}.
     */
    public Optional<Event> next(Duration timeout) {
      try {
        Event e = events.poll(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        if (e == END) {
          events.add(END);
          return Optional.empty();
        }
        return Optional.ofNullable(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }

    /** The next event (not a comment) of {@code type}, skipping others, within {@code timeout}. */
    public Optional<Event> next(String type, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return Optional.empty();
        }
        Optional<Event> e = next(Duration.ofNanos(left));
        if (e.isEmpty()) {
          return e;
        }
        if (type.equals(e.get().type())) {
          return e;
        }
      }
    }

    /** Whether the server ended the stream within {@code timeout} (skipping what it sent). */
    public boolean ended(Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = Math.max(0, deadline - System.nanoTime());
        if (next(Duration.ofNanos(left)).isEmpty()) {
          return events.peek() == END;
        }
      }
    }

    private void read() {
      try (java.io.BufferedReader in =
          new java.io.BufferedReader(new java.io.InputStreamReader(body, StandardCharsets.UTF_8))) {
        String id = null;
        String type = null;
        StringBuilder data = null;
        String line;
        while ((line = in.readLine()) != null) {
          if (line.isEmpty()) {
            if (data != null) {
              events.add(new Event(id, type == null ? "message" : type, data.toString(), null));
            }
            id = null;
            type = null;
            data = null;
          } else if (line.startsWith(":")) {
            events.add(new Event(null, null, null, line.substring(1).strip()));
          } else if (line.startsWith("id:")) {
            id = line.substring(3).strip();
          } else if (line.startsWith("event:")) {
            type = line.substring(6).strip();
          } else if (line.startsWith("data:")) {
            String d = line.substring(5);
            d = d.startsWith(" ") ? d.substring(1) : d;
            data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
          }
        }
      } catch (IOException e) {
        // Closed by the test or the server: the stream has ended either way.
      } finally {
        events.add(END);
      }
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException e) {
        // Already closed.
      }
    }
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
    return Http.send(client, request);
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
