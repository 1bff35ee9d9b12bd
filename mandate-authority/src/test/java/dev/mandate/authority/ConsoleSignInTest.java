package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.io.BaseEncoding;
import dev.mandate.testkit.ConsoleBrowser;
import dev.mandate.testkit.Reply;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signing in to the console and out of it: passwords, TOTP, lock-out, sessions, cookies. */
class ConsoleSignInTest {
  @TempDir Path tmp;
  private ConsoleTests console;

  @BeforeEach
  void start() throws Exception {
    console = new ConsoleTests(tmp);
    console.person("olivia", "operator");
  }

  @AfterEach
  void stop() {
    console.close();
  }

  @Test
  void signIn_setsAStrictHttpOnlySessionCookie_andOpensTheConsole() {
    ConsoleBrowser browser = console.browser();
    Reply r = browser.signIn("olivia", ConsoleTests.PASSWORD, null);

    assertThat(r.status()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).contains("/console");
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie)
        .startsWith("mandate_console=")
        .contains("; Path=/", "; HttpOnly", "; SameSite=Strict")
        .doesNotContain("Secure");
    Reply home = browser.get("/console");
    assertThat(home.status()).isEqualTo(200);
    assertThat(home.body())
        .contains("Signed in as <strong>olivia</strong>")
        .contains(">Audit</a>", ">Clients &amp; policy</a>", ">Decisions</a>")
        .contains("name=\"csrf\" value=\"" + browser.csrf() + "\"");
    assertThat(console.audited("signin", "olivia")).isEqualTo(1);
  }

  @Test
  void theNextPage_isFollowedOnlyWithinTheConsole() {
    ConsoleBrowser browser = console.browser();
    Reply gate = browser.get("/console/audit");
    assertThat(gate.status()).isEqualTo(303);
    assertThat(gate.headers().firstValue("Location"))
        .contains("/console/sign-in?next=%2Fconsole%2Faudit");

    Reply page = browser.get("/console/sign-in?next=%2Fconsole%2Faudit");
    Map<String, String> form = ConsoleBrowser.hidden(page.body());
    assertThat(form).containsEntry("next", "/console/audit");
    form.put("name", "olivia");
    form.put("password", ConsoleTests.PASSWORD);
    Reply r = browser.postRaw("/console/sign-in", ConsoleBrowser.encode(form), Map.of());
    assertThat(r.headers().firstValue("Location")).contains("/console/audit");

    for (String hostile :
        List.of(
            "https://evil.example/", "//evil.example/console", "/console/\"><script>x</script>")) {
      Reply p =
          console
              .browser()
              .get(
                  "/console/sign-in?next="
                      + java.net.URLEncoder.encode(
                          hostile, java.nio.charset.StandardCharsets.UTF_8));
      assertThat(ConsoleBrowser.hidden(p.body())).as(hostile).containsEntry("next", "/console");
      assertThat(p.body()).doesNotContain("<script>x");
    }
  }

  @Test
  void aWrongPassword_isRefusedAndAudited_withoutSayingWhichPartWasWrong() {
    Reply r = console.browser().signIn("olivia", "not the password", null);
    Reply unknown = console.browser().signIn("nobody", "not the password", null);

    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body()).contains("The name, password or code is wrong.");
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.body()).contains("The name, password or code is wrong.");
    assertThat(r.headers().firstValue("Set-Cookie").orElse("")).doesNotContain("mandate_console=");
    assertThat(console.audited("signin.failed", "olivia")).isEqualTo(1);
    assertThat(console.audited("signin.failed", "nobody")).isEqualTo(1);
  }

  @Test
  void fiveFailures_lockTheAccount_evenForTheRightPassword_untilTheLockOutEnds() {
    for (int i = 1; i <= 4; i++) {
      assertThat(console.browser().signIn("olivia", "wrong " + i, null).status()).isEqualTo(401);
    }
    Reply fifth = console.browser().signIn("olivia", "wrong 5", null);
    assertThat(fifth.status()).isEqualTo(429);
    assertThat(fifth.body()).contains("locked");

    Reply right = console.browser().signIn("olivia", ConsoleTests.PASSWORD, null);
    assertThat(right.status()).isEqualTo(429);
    assertThat(console.audited("signin.lockout", "olivia")).isEqualTo(1);
    assertThat(
            console
                .api
                .get("/v1/people", console.api.admin())
                .expect(200)
                .get(0)
                .get("lockedUntil")
                .asText())
        .isEqualTo(AuthorityTests.NOW.plus(Duration.ofMinutes(15)).toString());

    console.clock.set(AuthorityTests.NOW.plus(Duration.ofMinutes(16)));
    assertThat(console.browser().signIn("olivia", ConsoleTests.PASSWORD, null).status())
        .isEqualTo(303);
  }

  @Test
  void failuresSpreadOverMoreThanTheWindow_doNotLock() {
    for (int i = 0; i < 8; i++) {
      console.clock.set(AuthorityTests.NOW.plus(Duration.ofMinutes(4L * i)));
      assertThat(console.browser().signIn("olivia", "wrong", null).status()).isEqualTo(401);
    }
    assertThat(console.audited("signin.lockout", "olivia")).isZero();
  }

  @Test
  void withTotp_theCodeIsRequired_andWorksOnce() {
    String uri =
        console
            .api
            .post("/v1/people/olivia/totp", "", console.api.admin())
            .expect(200)
            .get("otpauthUri")
            .asText();
    assertThat(uri).startsWith("otpauth://totp/Mandate:olivia?secret=").contains("&issuer=Mandate");
    byte[] secret = secretOf(uri);
    String code = new Totp().code(secret, AuthorityTests.NOW);

    assertThat(console.browser().signIn("olivia", ConsoleTests.PASSWORD, null).status())
        .isEqualTo(401);
    assertThat(
            console
                .browser()
                .signIn(
                    "olivia", ConsoleTests.PASSWORD, "000000".equals(code) ? "111111" : "000000")
                .status())
        .isEqualTo(401);
    assertThat(console.browser().signIn("olivia", ConsoleTests.PASSWORD, code).status())
        .isEqualTo(303);
    assertThat(console.browser().signIn("olivia", ConsoleTests.PASSWORD, code).status())
        .as("a used code does not work again")
        .isEqualTo(401);

    console.clock.set(AuthorityTests.NOW.plus(Duration.ofSeconds(60)));
    String next = new Totp().code(secret, AuthorityTests.NOW.plus(Duration.ofSeconds(60)));
    assertThat(console.browser().signIn("olivia", ConsoleTests.PASSWORD, next).status())
        .isEqualTo(303);
  }

  @Test
  void signOut_deletesTheSession_soTheCookieReplayedIsRefused() {
    ConsoleBrowser browser = console.signedIn("olivia");
    String cookie = browser.cookie("mandate_console").orElseThrow();

    Reply out = browser.post("/console/sign-out", Map.of());
    assertThat(out.status()).isEqualTo(303);
    assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
    assertThat(console.audited("signout", "olivia")).isEqualTo(1);

    ConsoleBrowser replay = console.browser();
    replay.setCookie("mandate_console", cookie);
    Reply r = replay.get("/console");
    assertThat(r.status()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location").orElseThrow()).startsWith("/console/sign-in");
  }

  @Test
  void aSession_endsWhenIdle_andAtItsAbsoluteLimit() {
    ConsoleBrowser browser = console.signedIn("olivia");
    for (int minutes = 20; minutes <= 12 * 60 - 20; minutes += 20) {
      console.clock.set(AuthorityTests.NOW.plus(Duration.ofMinutes(minutes)));
      assertThat(browser.get("/console").status()).as("at %d minutes", minutes).isEqualTo(200);
    }
    console.clock.set(AuthorityTests.NOW.plus(Duration.ofHours(12)));
    assertThat(browser.get("/console").status()).as("absolute limit").isEqualTo(303);

    ConsoleBrowser idle = console.signedIn("olivia");
    console.clock.set(AuthorityTests.NOW.plus(Duration.ofHours(12)).plus(Duration.ofMinutes(31)));
    assertThat(idle.get("/console").status()).as("idle limit").isEqualTo(303);
  }

  @Test
  void disablingAPerson_orChangingTheirPassword_endsTheirSessions() {
    console.person("pat", "operator");
    ConsoleBrowser olivia = console.signedIn("olivia");
    ConsoleBrowser pat = console.signedIn("pat");

    console.api.post("/v1/people/olivia/disable", "", console.api.admin()).expect(200);
    console
        .api
        .post(
            "/v1/people/pat/password",
            "{\"password\":\"another long password\"}",
            console.api.admin())
        .expect(200);

    assertThat(olivia.get("/console").status()).isEqualTo(303);
    assertThat(pat.get("/console").status()).isEqualTo(303);
    assertThat(console.browser().signIn("olivia", ConsoleTests.PASSWORD, null).status())
        .isEqualTo(401);
    assertThat(console.browser().signIn("pat", "another long password", null).status())
        .isEqualTo(303);
  }

  @Test
  void theSignInForm_withoutItsCookieToken_isRefused() {
    ConsoleBrowser browser = console.browser();
    Map<String, String> form = ConsoleBrowser.hidden(browser.get("/console/sign-in").body());
    ConsoleBrowser other = console.browser();
    form.put("name", "olivia");
    form.put("password", ConsoleTests.PASSWORD);

    Reply r = other.postRaw("/console/sign-in", ConsoleBrowser.encode(form), Map.of());
    assertThat(r.status()).isEqualTo(403);
    assertThat(console.audited("signin", "olivia")).isZero();
  }

  private static byte[] secretOf(String otpauth) {
    String query = URI.create(otpauth).getRawQuery();
    for (String part : query.split("&")) {
      if (part.startsWith("secret=")) {
        return BaseEncoding.base32().decode(part.substring(7));
      }
    }
    throw new AssertionError("no secret in " + otpauth);
  }
}
