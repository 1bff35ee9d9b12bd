package dev.mandate.authority;

import dev.mandate.authority.store.PersonRecord;
import dev.mandate.authority.store.StoreException;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.TemplateException;
import gg.jte.output.StringOutput;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console (docs/console.md): server-rendered pages under {@code /console} for the people in the
 * store. Every page goes through one guard, in this order:
 *
 * <ol>
 *   <li>the session from the cookie ({@link ConsoleSessions}); without one, a GET is sent to the
 *       sign-in page and anything else refused;
 *   <li>the person's role against the page's ({@link ConsolePage#role()});
 *   <li>for anything but GET, the request's origin ({@code Sec-Fetch-Site}, {@code Origin}) and the
 *       session's CSRF token (the form's {@code csrf} field or the {@code X-CSRF-Token} header);
 *   <li>the page's handler; its refusals and failures become an error page, never a stack trace;
 *   <li>the security headers on every answer: a strict Content-Security-Policy (scripts and styles
 *       only from files under {@code /console/assets/}), no framing, no sniffing, no referrer, no
 *       caching.
 * </ol>
 *
 * Templates live in {@code src/main/jte}, compiled at build time with HTML escaping of every
 * expression.
 */
final class Console {
  private static final Logger LOG = LoggerFactory.getLogger(Console.class);

  static final String ROOT = "/console";
  static final String SIGN_IN = ROOT + "/sign-in";
  static final String SIGN_OUT = ROOT + "/sign-out";
  static final String ASSETS = ROOT + "/assets";
  static final String CSRF_FIELD = "csrf";
  static final String CSRF_HEADER = "X-CSRF-Token";
  static final String HTML = "text/html; charset=utf-8";
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  private static final Pattern ASSET = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}\\.(css|js|svg)");
  private static final int MAX_ASSET_BYTES = 512 * 1024;
  private static final Pattern NEXT = Pattern.compile("/console(/[A-Za-z0-9._~%/?=&-]{0,500})?");

  private final ConsoleSettings settings;
  private final ConsoleSessions sessions;
  private final SignIn signIn;
  private final AuditTrail audit;
  private final Clock clock;
  private final List<ConsolePage> pages;
  private final TemplateEngine templates =
      TemplateEngine.createPrecompiled(
          null, ContentType.Html, Console.class.getClassLoader(), "dev.mandate.authority");
  private final Map<String, Reply> assets = new ConcurrentHashMap<>();

  Console(Endpoints.Parts parts, ConsoleSettings settings, SignIn signIn, List<ConsolePage> pages) {
    this.settings = settings;
    this.sessions = new ConsoleSessions(parts.store(), settings, parts.clock(), parts.random());
    this.signIn = signIn;
    this.audit = parts.audit();
    this.clock = parts.clock();
    List<ConsolePage> all = new ArrayList<>(pages);
    // A navigation entry nobody has built yet shows a placeholder (to operators and up).
    for (ConsoleNav n : ConsoleNav.ALL) {
      if (all.stream().noneMatch(p -> p.method().equals("GET") && p.path().equals(n.path()))) {
        all.add(
            ConsolePage.get(
                n.path(),
                n.placeholderRole(),
                call -> call.page("placeholder.jte", n.label(), n.label())));
      }
    }
    this.pages = List.copyOf(all);
  }

  Instant now() {
    return clock.instant();
  }

  /** The console's routes: sign-in and out, assets, and every page behind the guard. */
  List<Route> routes() {
    List<Route> routes = new ArrayList<>();
    routes.add(route("GET", SIGN_IN, this::signInPage));
    routes.add(route("POST", SIGN_IN, this::signInSubmit));
    routes.add(route("POST", SIGN_OUT, this::signOut));
    routes.add(route("GET", ROOT + "/", c -> redirect(ROOT)));
    routes.add(route("GET", ASSETS + "/{name}", c -> asset(c.path("name"))));
    for (ConsolePage page : pages) {
      routes.add(route(page.method(), page.path(), c -> guarded(page, c)));
    }
    return routes;
  }

  /**
   * A public route (the console checks its own sessions) whose refusals, even those thrown before
   * the page runs (a body too large, not a form), are pages, not JSON.
   */
  private Route route(String method, String path, java.util.function.Function<Call, Reply> f) {
    return new Route(
        method,
        path,
        Route.Access.PUBLIC,
        c -> {
          Reply r;
          try {
            r = f.apply(c);
          } catch (ApiException e) {
            r = error(e.status(), e.getMessage(), null);
          } catch (StoreException e) {
            LOG.warn("store failure in the console: {}", e.getMessage());
            r = error(503, "The authority's database did not answer; nothing was changed.", null);
          } catch (RuntimeException e) {
            LOG.error("the console failed", e);
            r = error(500, "The console failed unexpectedly; the details are in its log.", null);
          }
          return CompletableFuture.completedFuture(r);
        });
  }

  /** Deletes expired sessions; run periodically. */
  void sweep() {
    sessions.sweep();
  }

  // ---- the guard ----

  private Reply guarded(ConsolePage page, Call call) {
    Optional<ConsoleSessions.Session> session;
    try {
      session = sessions.find(call.request());
    } catch (StoreException e) {
      return error(503, "The authority's database is not answering; try again in a moment.", null);
    }
    boolean get = page.method().equals("GET");
    if (session.isEmpty()) {
      if (get) {
        String next = Request.getPathInContext(call.request());
        return redirect(
            SIGN_IN
                + "?next="
                + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8));
      }
      return error(
          403, "Your session has ended (or you never signed in). Sign in again and retry.", null);
    }
    ConsoleSessions.Session s = session.get();
    PersonRecord person = s.person();
    if (!person.role().includes(page.role())) {
      return error(
          403,
          "This page is for people with the "
              + page.role().label()
              + " role; you are signed in as "
              + person.name()
              + " ("
              + person.role().label()
              + ").",
          s);
    }
    Map<String, List<String>> form = Map.of();
    if (!get) {
      if (!sameOrigin(call.request())) {
        return error(
            403, "The request did not come from a page of this console (origin check).", s);
      }
      String contentType = call.header(HttpHeader.CONTENT_TYPE);
      String token = call.header(CSRF_HEADER);
      if (contentType != null
          && contentType
              .toLowerCase(java.util.Locale.ROOT)
              .startsWith("application/x-www-form-urlencoded")) {
        form = ConsoleCall.parseForm(call.formBody());
        List<String> field = form.get(CSRF_FIELD);
        token = field == null || field.size() != 1 ? token : field.get(0);
      }
      if (!OAuthFlow.constantTimeEquals(token, s.csrf())) {
        return error(
            403,
            "The form was not sent by a page this console showed you (CSRF check). Reload the page"
                + " and try again.",
            s);
      }
    }
    ConsoleCall consoleCall =
        new ConsoleCall(
            this,
            call,
            person,
            s.csrf(),
            form,
            section(page.path()),
            () -> sessions.live(s.idHash()));
    try {
      return page.handler().handle(consoleCall);
    } catch (ApiException e) {
      return error(e.status(), e.getMessage(), s);
    } catch (IllegalArgumentException e) {
      return error(400, e.getMessage(), s);
    } catch (StoreException e) {
      LOG.warn("store failure on a console page: {}", e.getMessage());
      return error(503, "The authority's database did not answer; nothing was changed.", s);
    } catch (Exception e) {
      LOG.error("a console page failed", e);
      return error(
          500, "The console failed unexpectedly; the details are in the authority's log.", s);
    }
  }

  /**
   * Whether a state-changing request comes from this console: {@code Sec-Fetch-Site} (browsers send
   * it) must be {@code same-origin} or {@code none}, and an {@code Origin} must be the console's
   * own. A request with neither (an old browser, a script) relies on the CSRF token alone.
   */
  private boolean sameOrigin(Request request) {
    String site = request.getHeaders().get("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      return false;
    }
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin == null) {
      return true;
    }
    return origin.equalsIgnoreCase(expectedOrigin(request));
  }

  private String expectedOrigin(Request request) {
    Optional<URI> url = settings.publicUrl();
    if (url.isPresent()) {
      return url.get().toString();
    }
    var uri = request.getHttpURI();
    String authority = request.getHeaders().get(HttpHeader.HOST);
    return uri.getScheme() + "://" + (authority == null ? uri.getAuthority() : authority);
  }

  private static ConsoleNav section(String path) {
    ConsoleNav best = ConsoleNav.OVERVIEW;
    for (ConsoleNav n : ConsoleNav.ALL) {
      if ((path.equals(n.path()) || path.startsWith(n.path() + "/"))
          && n.path().length() > best.path().length()) {
        best = n;
      }
    }
    return best;
  }

  /** The navigation {@code person} may use, {@code current} marked. */
  List<ConsoleView.NavLink> nav(PersonRecord person, ConsoleNav current) {
    List<ConsoleView.NavLink> links = new ArrayList<>();
    for (ConsoleNav n : ConsoleNav.ALL) {
      boolean allowed =
          pages.stream()
              .anyMatch(
                  p ->
                      p.method().equals("GET")
                          && p.path().equals(n.path())
                          && person.role().includes(p.role()));
      if (allowed) {
        links.add(new ConsoleView.NavLink(n.label(), n.path(), n.equals(current)));
      }
    }
    return links;
  }

  // ---- sign-in and sign-out ----

  /** What the sign-in template shows. */
  record SignInForm(String token, String next, String name, String message) {}

  private Reply signInPage(Call call) {
    if (sessions.find(call.request()).isPresent()) {
      return redirect(safeNext(call.query("next")));
    }
    return signInForm(200, call.query("next"), null, null);
  }

  private Reply signInForm(int status, String next, String name, String message) {
    String token = sessions.newId();
    Reply page =
        render(
            status,
            "signin.jte",
            ConsoleView.anonymous("Sign in"),
            new SignInForm(token, safeNext(next), name, message));
    Map<String, String> headers = new LinkedHashMap<>(page.headers());
    headers.put("Set-Cookie", sessions.signInCookie(token));
    return new Reply(page.status(), page.body(), headers);
  }

  private Reply signInSubmit(Call call) {
    if (!sameOrigin(call.request())) {
      return error(403, "The sign-in form did not come from this console (origin check).", null);
    }
    Map<String, List<String>> form = ConsoleCall.parseForm(call.formBody());
    String token = OAuthFlow.first(form, "signin");
    boolean tokenOk =
        ConsoleSessions.cookies(call.request(), sessions.signInCookieName()).stream()
            .anyMatch(c -> OAuthFlow.constantTimeEquals(c, token));
    String next = OAuthFlow.first(form, "next");
    if (!tokenOk) {
      return signInForm(
          403,
          next,
          null,
          "The sign-in form expired or did not come from this console; try again.");
    }
    String name = OAuthFlow.first(form, "name");
    SignIn.Result result =
        signIn.check(
            name,
            OAuthFlow.first(form, "password"),
            OAuthFlow.first(form, "code"),
            "console",
            Request.getRemoteAddr(call.request()));
    String shownName = name != null && PersonRecord.NAME.matcher(name).matches() ? name : null;
    switch (result.outcome()) {
      case OK:
        break;
      case LOCKED:
        return signInForm(
            429,
            next,
            shownName,
            "Too many failed sign-ins: this account is locked for a while. Try again later or ask"
                + " an admin.");
      case THROTTLED:
        return signInForm(
            429, next, shownName, "Too many failed sign-ins from this address; wait a minute.");
      case BUSY:
        return signInForm(503, next, shownName, "The authority is busy; try again in a moment.");
      default:
        return signInForm(401, next, shownName, "The name, password or code is wrong.");
    }
    String id = sessions.create(result.person());
    Map<String, String> headers = new LinkedHashMap<>(securityHeaders());
    headers.put("Location", safeNext(next));
    headers.put("Set-Cookie", sessions.sessionCookie(id));
    return new Reply(303, new Reply.Text("text/plain; charset=utf-8", ""), headers);
  }

  private Reply signOut(Call call) {
    // First, and whether or not a session came along: a post from another site carries no
    // SameSite=Strict cookie, and must not clear it either (logout CSRF).
    if (!sameOrigin(call.request())) {
      return error(403, "The sign-out form did not come from this console (origin check).", null);
    }
    Optional<ConsoleSessions.Session> session = sessions.find(call.request());
    if (session.isPresent()) {
      Map<String, List<String>> form = ConsoleCall.parseForm(call.formBody());
      List<String> token = form.get(CSRF_FIELD);
      if (token == null
          || token.size() != 1
          || !OAuthFlow.constantTimeEquals(token.get(0), session.get().csrf())) {
        return error(403, "The sign-out form did not come from this console (CSRF check).", null);
      }
      sessions.end(session.get());
      audit.record("signout", session.get().person().name(), null, null, Map.of("via", "console"));
    }
    Map<String, String> headers = new LinkedHashMap<>(securityHeaders());
    headers.put("Location", SIGN_IN);
    headers.put("Set-Cookie", sessions.clearedSessionCookie());
    return new Reply(303, new Reply.Text("text/plain; charset=utf-8", ""), headers);
  }

  /** {@code next} if it is a console path (never another site or a scheme), else the overview. */
  static String safeNext(String next) {
    if (next == null
        || !NEXT.matcher(next).matches()
        || next.contains("//")
        || next.startsWith(SIGN_IN)) {
      return ROOT;
    }
    return next;
  }

  // ---- answers ----

  /** Renders a template taking {@code view} and {@code m}, with the security headers. */
  Reply render(int status, String template, ConsoleView view, Object model) {
    StringOutput out = new StringOutput();
    Map<String, Object> params = new HashMap<>();
    params.put("view", view);
    params.put("m", model);
    try {
      templates.render(template, params, out);
    } catch (TemplateException e) {
      LOG.error("the console template {} failed", template, e);
      if (template.equals("error.jte")) {
        return new Reply(
            500, new Reply.Text("text/plain; charset=utf-8", "console error"), securityHeaders());
      }
      return error(
          500, "The page could not be drawn; the details are in the authority's log.", null);
    }
    return new Reply(status, new Reply.Text(HTML, out.toString()), securityHeaders());
  }

  /** An error page, in the layout when a session is known. */
  Reply error(int status, String message, ConsoleSessions.Session session) {
    ConsoleView view =
        session == null
            ? ConsoleView.anonymous(title(status))
            : new ConsoleView(
                title(status),
                nav(session.person(), null),
                session.person().name(),
                session.person().role().label(),
                session.csrf(),
                List.of());
    return render(status, "error.jte", view, message);
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "That request is not valid";
      case 403 -> "Not allowed";
      case 404 -> "Not found";
      case 409 -> "Not possible now";
      case 429 -> "Too many attempts";
      case 503 -> "Unavailable";
      default -> status >= 500 ? "Something went wrong" : "Refused";
    };
  }

  static Reply redirect(String path) {
    Map<String, String> headers = new LinkedHashMap<>(securityHeaders());
    headers.put("Location", path);
    return new Reply(303, new Reply.Text("text/plain; charset=utf-8", ""), headers);
  }

  /** The headers of every console answer. */
  static Map<String, String> securityHeaders() {
    // Not no-referrer: under that policy Chromium sends "Origin: null" on every form post, even a
    // same-origin one, and the origin check refuses it. same-origin keeps the referrer on the site.
    Map<String, String> h = pageHeaders(CSP, "same-origin");
    h.put("Cross-Origin-Opener-Policy", "same-origin");
    h.put("Cross-Origin-Resource-Policy", "same-origin");
    return h;
  }

  /**
   * The headers of every page for people, the console's and the consent page's: this content policy
   * and referrer policy, no framing, no sniffing, no caching. A new map, for more headers.
   */
  static Map<String, String> pageHeaders(String contentSecurityPolicy, String referrerPolicy) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Security-Policy", contentSecurityPolicy);
    h.put("X-Frame-Options", "DENY");
    h.put("X-Content-Type-Options", "nosniff");
    h.put("Referrer-Policy", referrerPolicy);
    h.put("Cache-Control", "no-store");
    return h;
  }

  private Reply asset(String name) {
    if (name == null || !ASSET.matcher(name).matches()) {
      return error(404, "There is no such file.", null);
    }
    Reply cached = assets.get(name);
    if (cached != null) {
      return cached;
    }
    byte[] bytes;
    try (InputStream in = Console.class.getResourceAsStream("console/" + name)) {
      if (in == null) {
        return error(404, "There is no such file.", null);
      }
      bytes = in.readNBytes(MAX_ASSET_BYTES);
    } catch (IOException e) {
      return error(404, "There is no such file.", null);
    }
    String type =
        name.endsWith(".css")
            ? "text/css; charset=utf-8"
            : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "image/svg+xml";
    Map<String, String> headers = new LinkedHashMap<>(securityHeaders());
    headers.put("Cache-Control", "no-cache");
    Reply reply =
        new Reply(
            200,
            new Reply.Text(type, new String(bytes, java.nio.charset.StandardCharsets.UTF_8)),
            headers);
    assets.put(name, reply);
    return reply;
  }
}
