package dev.mandate.authority;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import dev.mandate.config.Durations;
import dev.mandate.token.Grant;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The pages a person sees at the authorization endpoint, rendered on the server: sign in, then
 * consent (what the client asks for, in plain language, with the means to narrow it), and errors.
 * Every value that came from a request or a client is HTML-escaped; the pages need no script, and
 * their headers forbid scripts, framing, caching and referrers.
 */
final class ConsentPage {
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();
  private static final String STYLE =
      "body{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}"
          + "li{margin:.4em 0}code{background:#eee;padding:0 .2em}"
          + ".warn{color:#8a1c1c}fieldset{margin:1em 0}";
  private static final String STYLE_HASH = sha256(STYLE);

  /** The lifetimes a person may choose for an authorization, shortest first. */
  static final List<Duration> LIFETIMES =
      List.of(
          Duration.ofHours(1),
          Duration.ofHours(8),
          Duration.ofDays(1),
          Duration.ofDays(7),
          Duration.ofDays(30),
          Duration.ofDays(90),
          Duration.ofDays(366));

  private ConsentPage() {}

  /** The headers of every page: no script, no framing, no caching, no referrer. */
  static Map<String, String> headers(String redirectUri) {
    String formAction = "'self'";
    if (redirectUri != null) {
      URI u = URI.create(redirectUri);
      formAction +=
          " "
              + (u.getHost() == null
                  ? u.getScheme() + ":"
                  : u.getScheme() + "://" + u.getRawAuthority());
    }
    String csp =
        "default-src 'none'; style-src '"
            + STYLE_HASH
            + "'; form-action "
            + formAction
            + "; frame-ancestors 'none'; base-uri 'none'";
    Map<String, String> h = Console.pageHeaders(csp, "no-referrer");
    h.put("Pragma", "no-cache");
    return h;
  }

  static Reply.Text html(String title, String body) {
    return new Reply.Text(
        "text/html; charset=utf-8",
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            + esc(title)
            + "</title><style>"
            + STYLE
            + "</style></head><body><h1>"
            + esc(title)
            + "</h1>"
            + body
            + "</body></html>");
  }

  static Reply.Text error(String message) {
    return html(
        "Authorization failed",
        "<p class=\"warn\">"
            + esc(message)
            + "</p><p>Nothing was granted. Close this window and try again from the"
            + " application.</p>");
  }

  /** The sign-in form for one pending authorization. */
  static Reply.Text signIn(OAuthFlow.Pending p, String message) {
    StringBuilder b = new StringBuilder();
    b.append("<p><strong>")
        .append(esc(p.client().name()))
        .append("</strong> asks for access to <code>")
        .append(esc(p.resource()))
        .append("</code>. Sign in to see what it asks for and decide.</p>");
    if (!p.client().name().equals(p.client().clientId())) {
      b.append("<p>Client id: <code>").append(esc(p.client().clientId())).append("</code></p>");
    }
    if (message != null) {
      b.append("<p class=\"warn\">").append(esc(message)).append("</p>");
    }
    b.append("<form method=\"post\" action=\"/oauth/authorize\">")
        .append(hidden("request", p.id()))
        .append(hidden("csrf", p.csrf()))
        .append(hidden("step", "sign-in"))
        .append("<p><label>Name <input name=\"username\" autocomplete=\"username\" required>")
        .append("</label></p><p><label>Password <input name=\"password\" type=\"password\"")
        .append(" autocomplete=\"current-password\" required></label></p>")
        .append("<p><label>One-time code (if you set up an authenticator app) <input name=\"code\"")
        .append(
            " inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"8\"></label></p>")
        .append("<p><button type=\"submit\">Sign in</button></p></form>");
    return html("Sign in to Mandate", b.toString());
  }

  /** The consent form: each grant with a box to keep it, and the narrowing choices. */
  static Reply.Text consent(OAuthFlow.Pending p, List<Grant> offered, Duration maxLife) {
    StringBuilder b = new StringBuilder();
    b.append("<p>Signed in as <strong>")
        .append(esc(p.person()))
        .append("</strong>.</p><p><strong>")
        .append(esc(p.client().name()))
        .append("</strong> asks to act for you at <code>")
        .append(esc(p.resource()))
        .append("</code> with these permissions. Untick any you do not want to give.</p>");
    b.append("<form method=\"post\" action=\"/oauth/authorize\">")
        .append(hidden("request", p.id()))
        .append(hidden("csrf", p.csrf()))
        .append(hidden("step", "consent"))
        .append("<fieldset><legend>Permissions</legend><ul>");
    for (int i = 0; i < offered.size(); i++) {
      b.append("<li><label><input type=\"checkbox\" name=\"grant\" value=\"")
          .append(i)
          .append("\" checked> ")
          .append(describe(offered.get(i)))
          .append("</label></li>");
    }
    b.append("</ul>");
    for (String a : p.asked().arguments()) {
      b.append("<p>On every call: ").append(describe(a)).append("</p>");
    }
    for (String c : p.asked().conditions()) {
      b.append("<p>On every call, only when <code>").append(esc(c)).append("</code></p>");
    }
    b.append("</fieldset><fieldset><legend>Limits</legend>")
        .append("<p><label>For how long <select name=\"lifetime\">");
    for (Duration d : LIFETIMES) {
      if (d.compareTo(maxLife) <= 0) {
        b.append("<option value=\"")
            .append(Durations.format(d))
            .append("\">")
            .append(esc(Durations.format(d)))
            .append("</option>");
      }
    }
    b.append("</select></label></p>")
        .append("<p><label>At most this many calls per access token (empty: no limit)")
        .append(" <input name=\"maxUses\" type=\"number\" min=\"1\" max=\"1000000\"></label></p>")
        .append("<p><label>Every call needs a person's approval from group")
        .append(" <input name=\"approvers\" pattern=\"[a-z0-9][a-z0-9._-]{0,63}\"")
        .append(" placeholder=\"(no approval)\"></label></p></fieldset>")
        .append("<p><button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button> ")
        .append("<button type=\"submit\" name=\"decision\" value=\"deny\">Refuse</button></p>")
        .append("</form>");
    return html("Allow access?", b.toString());
  }

  /** A grant in plain language, escaped. */
  static String describe(Grant g) {
    return PlainLanguage.grant(g).html();
  }

  private static String describe(String argument) {
    return "<code>" + esc(argument) + "</code>";
  }

  private static String hidden(String name, String value) {
    return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + esc(value) + "\">";
  }

  static String esc(String s) {
    return HTML.escape(s == null ? "" : s);
  }

  private static String sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + Base64.getEncoder().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }
}
