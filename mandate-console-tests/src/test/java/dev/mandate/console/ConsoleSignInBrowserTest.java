package dev.mandate.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.testkit.Browser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;

/**
 * The console's sign-in, sessions and layout in a real browser: signing in and out, what each role
 * sees, every page free of serious accessibility faults and of Content-Security-Policy violations;
 * and the attacks on a session: forms posted from another origin and another site, a cookie
 * replayed after sign-out, the console framed by another site.
 */
class ConsoleSignInBrowserTest {
  static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants: ["fs:read_text_file:/docs/**"]
          maxTtl: 10m
      """;

  @TempDir static Path tmp;
  @RegisterExtension static final SharedBrowser chromium = new SharedBrowser();
  static BrowserStack stack;
  static Site sameSite;
  static Site crossSite;
  private Browser browser;

  @BeforeAll
  static void start() throws Exception {
    stack = BrowserStack.start(tmp, POLICY, List.of("agent"), b -> {});
    sameSite = stack.closing(Site.start(Site.SAME_SITE));
    crossSite = stack.closing(Site.start(Site.CROSS_SITE));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @BeforeEach
  void fresh() {
    browser = chromium.get();
  }

  @Test
  void signingIn_leadsWhereThePersonWasGoing_andEveryPageOfTheirRolePassesAxe() {
    browser.open(stack.url("/console/audit"));
    browser.await(d -> d.getCurrentUrl().contains("/console/sign-in?next="));
    assertThat(browser.find(By.cssSelector("main h1")).getText()).isEqualTo("Sign in");
    assertThat(browser.axe()).isEmpty();
    assertThat(browser.consoleErrors()).isEmpty();
    browser.screenshot("sign-in");

    stack.signIn(browser, browser.url().substring(stack.url("").length()), "olivia", "wrong");
    assertThat(browser.find(By.cssSelector("[role=alert]")).getText())
        .isEqualTo("The name, password or code is wrong.");
    assertThat(browser.axe()).isEmpty();

    WebElement password = browser.find(By.id("password"));
    password.sendKeys(BrowserStack.password("olivia"));
    browser.find(By.cssSelector("form[action='/console/sign-in'] button")).click();
    browser.await(d -> d.getCurrentUrl().equals(stack.url("/console/audit")));

    stack.open(browser, "/console");
    assertThat(browser.text()).contains("Welcome, olivia");
    assertThat(browser.axe()).isEmpty();
    browser.screenshot("overview");

    List<String> pages = new ArrayList<>();
    for (WebElement link : browser.driver().findElements(By.cssSelector("nav.main-nav a"))) {
      pages.add(link.getDomAttribute("href"));
    }
    assertThat(pages).contains("/console", "/console/approvals", "/console/audit");
    browser.consoleErrors(); // forgets the failed sign-in's 401
    for (String page : pages) {
      stack.open(browser, page);
      assertThat(browser.axe()).as(page).isEmpty();
      assertThat(browser.consoleErrors()).as(page).isEmpty();
    }
  }

  @Test
  void theSessionCookie_isHttpOnlyAndSameSiteStrict() {
    stack.signIn(browser, "alice");
    Cookie session = browser.driver().manage().getCookieNamed("mandate_console");
    assertThat(session).isNotNull();
    assertThat(session.isHttpOnly()).isTrue();
    assertThat(session.getSameSite()).isEqualTo("Strict");
    assertThat(browser.script("return document.cookie"))
        .asString()
        .doesNotContain(session.getValue());
  }

  @Test
  void anApprover_isRefusedAnOperatorsPage() {
    stack.signIn(browser, "alice");
    assertThat(browser.driver().findElements(By.cssSelector("nav.main-nav a")))
        .extracting(WebElement::getText)
        .contains("Approvals")
        .doesNotContain("Audit", "Decisions");
    assertThat(stack.open(browser, "/console/audit")).isEqualTo("Not allowed");
    assertThat(browser.find(By.cssSelector("[role=alert]")).getText())
        .contains("This page is for people with the operator role");
    assertThat(browser.axe()).isEmpty();
  }

  @Test
  void aSessionCookieReplayedAfterSignOut_opensNothing() {
    stack.signIn(browser, "alice");
    Cookie session = browser.driver().manage().getCookieNamed("mandate_console");
    stack.signOut(browser);
    assertThat(browser.driver().manage().getCookieNamed("mandate_console")).isNull();

    browser.driver().manage().addCookie(session);
    browser.open(stack.url("/console"));
    browser.await(d -> d.getCurrentUrl().contains("/console/sign-in"));
    assertThat(browser.find(By.cssSelector("main h1")).getText()).isEqualTo("Sign in");
    assertThat(browser.driver().findElements(By.cssSelector(".who"))).isEmpty();
  }

  @Test
  void aFormPostedFromAnotherOriginOfTheSite_isRefused_evenWithTheRightToken() {
    stack.signIn(browser, "alice");
    String token = csrfOfThePage();
    for (String csrf : List.of("guessed", token)) {
      Attacks.postFrom(sameSite, browser, stack.url("/console/sign-out"), Map.of("csrf", csrf));
      assertThat(browser.find(By.cssSelector("[role=alert]")).getText())
          .as("csrf %s", csrf)
          .contains("did not come from this console");
      assertSignedInAs("alice");
    }
  }

  @Test
  void aFormPostedFromAnotherSite_changesNothing() {
    stack.signIn(browser, "alice");
    Attacks.postFrom(
        crossSite, browser, stack.url("/console/sign-out"), Map.of("csrf", csrfOfThePage()));
    assertSignedInAs("alice");
  }

  @Test
  void aSignInPostedFromAnotherSite_doesNotSignTheBrowserIn() {
    // Login CSRF: the attacker would sign the victim's browser in to the attacker's account.
    Attacks.postFrom(
        crossSite,
        browser,
        stack.url("/console/sign-in"),
        Map.of("name", "bob", "password", BrowserStack.password("bob"), "signin", "x"));
    assertThat(browser.find(By.cssSelector("[role=alert]")).getText()).contains("this console");
    browser.open(stack.url("/console"));
    browser.await(d -> d.getCurrentUrl().contains("/console/sign-in"));
  }

  @Test
  void anotherSite_cannotFrameTheConsole() {
    Attacks.assertNotFramable(crossSite, browser, stack.url("/console/sign-in"), By.id("name"));
    stack.signIn(browser, "alice");
    Attacks.assertNotFramable(crossSite, browser, stack.url("/console"), By.cssSelector(".who"));
  }

  private String csrfOfThePage() {
    return browser
        .driver()
        .findElement(By.cssSelector("form[action='/console/sign-out'] input[name=csrf]"))
        .getDomAttribute("value");
  }

  private void assertSignedInAs(String name) {
    assertThat(stack.open(browser, "/console")).isEqualTo("Overview");
    assertThat(browser.find(By.cssSelector(".who strong")).getText()).isEqualTo(name);
  }
}
