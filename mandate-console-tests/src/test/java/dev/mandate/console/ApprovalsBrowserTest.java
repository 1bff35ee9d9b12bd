package dev.mandate.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.gateway.GatewayServer;
import dev.mandate.sdk.ApprovalWait;
import dev.mandate.testkit.Browser;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The approvals inbox in a real browser, with a real agent waiting on a real gateway: its call,
 * denied for want of an approval, appears in the inbox with every argument shown as text; the
 * approver approves it and the agent's retry succeeds, once; when either of two groups may approve,
 * the second group's refusal is what the request shows and what the agent learns; and an approver
 * cannot answer for a group they are not in.
 */
class ApprovalsBrowserTest {
  static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants: ["everything:*:*"]
          maxTtl: 10m
        gateway:
          role: gateway
      """;

  @TempDir static Path tmp;
  @RegisterExtension static final SharedBrowser chromium = new SharedBrowser();
  static BrowserStack stack;
  static GatewayServer gateway;
  private Browser browser;

  @BeforeAll
  static void start() throws Exception {
    stack = BrowserStack.start(tmp, POLICY, List.of("agent", "gateway"), b -> {});
    gateway = stack.startGateway();
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
  void aDeniedCall_waitsInTheInbox_isApproved_andTheAgentsRetrySucceedsOnce() throws Exception {
    Agent agent = agentNeeding("finance");
    Map<String, Object> args = Map.of("message", "pay invoice 7 " + Attacks.BOTH);
    Agent.Outcome denied = agent.call("echo", args);
    assertThat(denied.code()).isEqualTo("APPROVAL_REQUIRED");
    String id = denied.denial().at("/approvalTask/id").asText();
    CompletableFuture<Agent.Outcome> retried = waitAndRetry(agent, denied, "echo", args);

    stack.signIn(browser, "alice");
    WebElement card = awaitCard(id);
    assertThat(card.findElement(By.tagName("h2")).getText()).isEqualTo("echo on everything");
    assertThat(card.findElement(By.cssSelector("table.args")).getText())
        .contains("message")
        .contains("pay invoice 7 " + Attacks.BOTH);
    assertThat(card.getText()).contains("finance 0 of 1 approval");
    Attacks.assertNoScriptRan(browser);
    assertThat(browser.driver().findElements(By.cssSelector("table.args img"))).isEmpty();
    assertThat(browser.axe()).isEmpty();
    assertThat(browser.consoleErrors()).isEmpty();
    browser.screenshot("approvals");

    card.findElement(By.cssSelector("form[action$='/approve'] button")).click();
    assertThat(browser.find(By.cssSelector("[role=status]")).getText())
        .isEqualTo("Your approval was recorded.");
    assertThat(browser.find(By.cssSelector("main")).getText()).contains("Approved");

    Agent.Outcome outcome = retried.get(60, TimeUnit.SECONDS);
    assertThat(outcome.allowed()).as(outcome.text()).isTrue();
    assertThat(outcome.text()).contains("pay invoice 7");
    Agent.Outcome again = agent.call("echo", args);
    assertThat(again.code()).as("the approval opened one call").isEqualTo("APPROVAL_REQUIRED");
    assertThat(again.denial().at("/approvalTask/id").asText()).isNotEqualTo(id);
  }

  @Test
  void whenEitherOfTwoGroupsMayApprove_legalsRefusalIsShown_andTheAgentIsRefused()
      throws Exception {
    Agent agent = agentNeeding("finance", "legal"); // one caveat: approval by finance or legal
    Map<String, Object> args = Map.of("message", "wire 9000 EUR");
    Agent.Outcome denied = agent.call("echo", args);
    assertThat(denied.code()).isEqualTo("APPROVAL_REQUIRED");
    String id = denied.denial().at("/approvalTask/id").asText();
    CompletableFuture<Agent.Outcome> retried = waitAndRetry(agent, denied, "echo", args);

    stack.signIn(browser, "alice");
    assertThat(awaitCard(id).getText())
        .contains("finance 0 of 1 approval")
        .contains("legal 0 of 1 approval");
    stack.signOut(browser);

    stack.signIn(browser, "bob");
    WebElement card = awaitCard(id);
    card.findElement(By.tagName("textarea")).sendKeys("legal has not seen the contract");
    card.findElement(By.cssSelector("form[action$='/refuse'] button")).click();
    assertThat(browser.find(By.cssSelector("[role=status]")).getText())
        .isEqualTo("Your refusal was recorded; the agent is told.");
    String shown = browser.find(By.cssSelector("main")).getText();
    assertThat(shown).contains("Refused").contains("legal has not seen the contract");
    assertThat(browser.axe()).isEmpty();
    browser.screenshot("approval-refused");

    Agent.Outcome outcome = retried.get(60, TimeUnit.SECONDS);
    assertThat(outcome).as("the runtime does not retry a refused call").isSameAs(denied);
    stack.signOut(browser);
    stack.signIn(browser, "alice");
    assertThat(stack.open(browser, "/console/approvals")).isEqualTo("Approvals");
    assertThat(
            browser
                .driver()
                .findElements(By.cssSelector("article[aria-labelledby='req-" + id + "']")))
        .as("a refused request leaves the inbox of the other group too")
        .isEmpty();
  }

  @Test
  void anApprover_cannotAnswerForAGroupTheyAreNotIn() throws Exception {
    Agent agent = agentNeeding("finance");
    Agent.Outcome denied = agent.call("echo", Map.of("message", "for finance only"));
    String id = denied.denial().at("/approvalTask/id").asText();
    stack.signIn(browser, "alice");
    awaitCard(id); // recorded and waiting

    stack.signOut(browser);
    stack.signIn(browser, "bob");
    assertThat(stack.open(browser, "/console/approvals")).isEqualTo("Approvals");
    assertThat(
            browser
                .driver()
                .findElements(By.cssSelector("article[aria-labelledby='req-" + id + "']")))
        .isEmpty();
    // Bob posts the approve form anyway, from a console page with his own valid CSRF token.
    String csrf =
        browser
            .driver()
            .findElement(By.cssSelector("form[action='/console/sign-out'] input[name=csrf]"))
            .getDomAttribute("value");
    browser.script(
        "const f = document.createElement('form'); f.method = 'post';"
            + " f.action = '/console/approvals/' + arguments[0] + '/approve';"
            + " const t = document.createElement('input'); t.type = 'hidden'; t.name = 'csrf';"
            + " t.value = arguments[1]; f.appendChild(t); document.body.appendChild(f); f.submit();",
        id,
        csrf);
    browser.await(d -> d.getCurrentUrl().endsWith("/approve"));
    assertThat(browser.find(By.cssSelector("main h1")).getText()).isNotEqualTo("Approvals");
    assertThat(browser.find(By.cssSelector("[role=alert]")).getText()).isNotBlank();

    stack.signOut(browser);
    stack.signIn(browser, "alice");
    assertThat(awaitCard(id).getText()).contains("finance 0 of 1 approval");
  }

  /**
   * An agent whose capability needs each call approved by one of {@code groups} (the policy's
   * {@code requireApproval} of its mint request: one approval caveat).
   */
  private static Agent agentNeeding(String... groups) {
    String token =
        stack
            .stack
            .api()
            .mint(
                stack.stack.auth("agent"),
                "10m",
                BrowserStack.AUDIENCE,
                "\"requireApproval\":[\"" + String.join("\",\"", groups) + "\"]",
                "everything:echo:*")
            .token();
    return stack.closing(
        new Agent(
            gateway.url(), BrowserStack.EVERYTHING, BrowserStack.AUDIENCE, "everything", token));
  }

  /** As the agent's runtime does: waits for the answer, and retries once if approved. */
  private static CompletableFuture<Agent.Outcome> waitAndRetry(
      Agent agent, Agent.Outcome denied, String tool, Map<String, Object> args) {
    ApprovalWait approvals =
        ApprovalWait.of(
            agent.wallet,
            URI.create(stack.stack.url()),
            HttpClient.newHttpClient(),
            Duration.ofSeconds(90));
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return approvals.await(agent.handle, denied.denial()) ? agent.call(tool, args) : denied;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        });
  }

  /** The inbox's card of request {@code id}, once the gateway's recording has reached it. */
  private WebElement awaitCard(String id) {
    By card = By.cssSelector("article[aria-labelledby='req-" + id + "']");
    browser.open(stack.url("/console/approvals"));
    browser.await(
        d -> {
          if (d.findElements(card).isEmpty()) {
            d.navigate().refresh();
            return false;
          }
          return true;
        });
    return browser.find(card);
  }
}
