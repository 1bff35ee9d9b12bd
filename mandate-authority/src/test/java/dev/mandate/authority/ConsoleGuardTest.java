package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.testkit.ConsoleBrowser;
import dev.mandate.testkit.Reply;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the console's guard does for every page: security headers, CSRF and origin checks on every
 * state change, roles, and no script anywhere but files.
 */
class ConsoleGuardTest {
  @TempDir Path tmp;
  private ConsoleTests console;

  @BeforeEach
  void start() throws Exception {
    console = new ConsoleTests(tmp);
    console.person("olivia", "operator");
    console.person("abe", "approver", "finance");
  }

  @AfterEach
  void stop() {
    console.close();
  }

  @Test
  void everyAnswer_carriesTheSecurityHeaders() {
    ConsoleBrowser olivia = console.signedIn("olivia");
    List<Reply> answers =
        List.of(
            olivia.get("/console"),
            olivia.get("/console/audit"),
            olivia.get("/console/assets/console.css"),
            olivia.get("/console/assets/nothing.css"),
            console.browser().get("/console/sign-in"),
            console.browser().get("/console"),
            console.browser().postRaw("/console/sign-out", "", Map.of()));
    for (Reply r : answers) {
      assertThat(r.headers().firstValue("Content-Security-Policy"))
          .as("CSP of a %d", r.status())
          .contains(
              "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
                  + " connect-src 'self'; form-action 'self'; frame-ancestors 'none';"
                  + " base-uri 'none'");
      assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
      assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      assertThat(r.headers().firstValue("Referrer-Policy")).contains("same-origin");
    }
    assertThat(olivia.get("/console").headers().firstValue("Cache-Control")).contains("no-store");
  }

  @Test
  void theLiveStreams_carryTheSecurityHeaders_andTheStreamsOwn() {
    ConsoleBrowser olivia = console.signedIn("olivia");
    for (String path : List.of(DecisionsPage.EVENTS, ApprovalsPage.EVENTS)) {
      try (ConsoleBrowser.EventStream s = olivia.events(path, Map.of())) {
        assertThat(s.status()).as(path).isEqualTo(200);
        Console.securityHeaders()
            .forEach(
                (name, value) ->
                    assertThat(s.headers().allValues(name)).as(path + " " + name).contains(value));
        assertThat(s.headers().firstValue("Content-Security-Policy").orElseThrow())
            .contains("frame-ancestors 'none'");
        assertThat(s.headers().allValues("Cache-Control")).as(path).containsExactly("no-store");
        assertThat(s.headers().firstValue("Content-Type").orElseThrow())
            .startsWith("text/event-stream");
        assertThat(s.headers().firstValue("X-Accel-Buffering")).as(path).contains("no");
      }
    }
  }

  @Test
  void pages_haveNoInlineScriptOrStyle_andAreLabelled() {
    ConsoleBrowser olivia = console.signedIn("olivia");
    for (String path :
        List.of("/console", "/console/approvals", "/console/decisions", "/console/audit")) {
      String html = olivia.get(path).body();
      assertThat(html).as(path).doesNotContain("<style", " style=", "onclick", "javascript:");
      assertThat(
              html.replaceAll(
                  "<script src=\"/console/assets/[a-z0-9-]+\\.js\" defer></script>", ""))
          .as(path)
          .doesNotContain("<script");
      assertThat(html).as(path).contains("<html lang=\"en\">", "<main id=\"main\"", "<nav");
    }
    String signIn = console.browser().get("/console/sign-in").body();
    assertThat(signIn)
        .contains("<label for=\"name\">", "<label for=\"password\">", "<label for=\"code\">");
  }

  @Test
  void aFormWithoutTheCsrfToken_orWithAnotherSessions_isRefused() {
    ConsoleBrowser olivia = console.signedIn("olivia");
    ConsoleBrowser other = console.signedIn("abe");

    Reply none = olivia.postRaw("/console/sign-out", "", Map.of());
    Reply wrong = olivia.postRaw("/console/sign-out", "csrf=" + other.csrf(), Map.of());

    assertThat(none.status()).isEqualTo(403);
    assertThat(none.body()).contains("CSRF check");
    assertThat(wrong.status()).isEqualTo(403);
    assertThat(olivia.get("/console").status()).as("still signed in").isEqualTo(200);
    assertThat(console.audited("signout", "olivia")).isZero();
  }

  @Test
  void aFormFromAnotherSite_isRefused_evenWithTheToken() {
    ConsoleBrowser olivia = console.signedIn("olivia");
    String body = "csrf=" + olivia.csrf();

    Reply origin =
        olivia.postRaw("/console/sign-out", body, Map.of("Origin", "https://evil.example"));
    Reply site = olivia.postRaw("/console/sign-out", body, Map.of("Sec-Fetch-Site", "cross-site"));
    Reply signIn =
        console
            .browser()
            .postRaw("/console/sign-in", "name=olivia", Map.of("Origin", "https://evil.example"));

    assertThat(origin.status()).isEqualTo(403);
    assertThat(origin.body()).contains("origin check");
    assertThat(site.status()).isEqualTo(403);
    assertThat(signIn.status()).isEqualTo(403);
    assertThat(olivia.get("/console").status()).isEqualTo(200);
    Reply same =
        olivia.postRaw(
            "/console/sign-out",
            body,
            Map.of("Origin", console.authority.url(), "Sec-Fetch-Site", "same-origin"));
    assertThat(same.status()).isEqualTo(303);
  }

  @Test
  void behindTls_theCookieIsSecureWithTheHostPrefix_andFormsMustComeFromThePublicOrigin()
      throws Exception {
    try (ConsoleTests tls =
        new ConsoleTests(
            tmp, "tls", ConsoleSettings.builder().publicUrl("https://console.example").build())) {
      tls.person("olivia", "operator");
      ConsoleBrowser b = tls.browser();
      Reply page = b.get("/console/sign-in");
      assertThat(page.headers().firstValue("Set-Cookie").orElseThrow())
          .startsWith("__Host-mandate_signin=")
          .contains("; Secure", "; Path=/");
      java.util.Map<String, String> form = ConsoleBrowser.hidden(page.body());
      form.put("name", "olivia");
      form.put("password", ConsoleTests.PASSWORD);
      String body = ConsoleBrowser.encode(form);
      String token = form.get("signin");

      Reply local =
          b.postRaw(
              "/console/sign-in",
              body,
              Map.of("Origin", tls.authority.url(), "Cookie", "__Host-mandate_signin=" + token));
      Reply ok =
          b.postRaw(
              "/console/sign-in",
              body,
              Map.of(
                  "Origin", "https://console.example", "Cookie", "__Host-mandate_signin=" + token));

      assertThat(local.status()).isEqualTo(403);
      assertThat(ok.status()).isEqualTo(303);
      assertThat(ok.headers().firstValue("Set-Cookie").orElseThrow())
          .startsWith("__Host-mandate_console=")
          .contains("; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/");
    }
  }

  @Test
  void anApprover_seesOnlyTheirPages_andIsRefusedTheOthers() {
    ConsoleBrowser abe = console.signedIn("abe");
    String home = abe.get("/console").body();

    assertThat(home).contains(">Approvals</a>").doesNotContain(">Audit</a>", ">Decisions</a>");
    assertThat(home).contains("finance");
    Reply audit = abe.get("/console/audit");
    assertThat(audit.status()).isEqualTo(403);
    assertThat(audit.body()).contains("operator role").contains("abe (approver)");
  }

  @Test
  void withoutASession_pagesSendToSignIn_andFormsAreRefused() {
    Reply page = console.browser().get("/console/decisions");
    Reply form = console.browser().postRaw("/console/sign-out", "", Map.of());

    assertThat(page.status()).isEqualTo(303);
    assertThat(page.headers().firstValue("Location").orElseThrow())
        .isEqualTo("/console/sign-in?next=%2Fconsole%2Fdecisions");
    assertThat(form.status()).isEqualTo(303);
    assertThat(form.headers().firstValue("Location")).contains("/console/sign-in");
  }

  @Test
  void assets_areServedFromFilesOnly() {
    ConsoleBrowser b = console.browser();
    Reply css = b.get("/console/assets/console.css");
    Reply js = b.get("/console/assets/live.js");

    assertThat(css.status()).isEqualTo(200);
    assertThat(css.headers().firstValue("Content-Type")).contains("text/css; charset=utf-8");
    assertThat(js.headers().firstValue("Content-Type")).contains("text/javascript; charset=utf-8");
    Reply icon = b.get("/console/assets/favicon.svg");
    assertThat(icon.status()).isEqualTo(200);
    assertThat(icon.headers().firstValue("Content-Type")).contains("image/svg+xml");
    assertThat(b.get("/console/sign-in").body())
        .contains("<link rel=\"icon\" href=\"/console/assets/favicon.svg\"");
    assertThat(b.get("/console/assets/..%2Fconsole.css").status()).isIn(400, 404);
    assertThat(b.get("/console/assets/Console.class").status()).isEqualTo(404);
  }
}
