package dev.mandate.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.gateway.GatewayServer;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Browser;
import dev.mandate.token.Capability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The operator's pages in a real browser, over a real gateway and real agents: live decisions
 * arrive without a reload (and an agent's tool name is text there), and a delegated block revoked
 * from its capability's tree, after the page showed what the cascade cuts, is denied by the gateway
 * within a second while its parent still works.
 */
class OperatorPagesBrowserTest {
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
    stack.signIn(browser, "olivia");
  }

  @Test
  void liveDecisions_arriveWithoutAReload_andAToolNameAnAgentChoseIsText() {
    Agent agent = stack.agent(gateway, "everything:echo:*");
    assertThat(stack.open(browser, "/console/decisions")).isEqualTo("Decisions");
    browser.await(d -> d.findElement(By.id("live-status")).getText().startsWith("Live:"));

    assertThat(agent.call("echo", Map.of("message", "hello")).allowed()).isTrue();
    assertThat(agent.call(Attacks.IMG, Map.of()).allowed()).isFalse();

    String capability = agent.tokenId.substring(0, 8);
    browser.await(
        d ->
            d.findElements(By.cssSelector("#decision-rows tr.decision-deny")).stream()
                .anyMatch(r -> r.getText().contains(Attacks.IMG)));
    assertThat(browser.find(By.id("decision-rows")).getText())
        .contains("echo")
        .contains(capability);
    Attacks.assertNoScriptRan(browser);
    assertThat(browser.driver().findElements(By.cssSelector("#decision-rows img"))).isEmpty();
    assertThat(browser.axe()).isEmpty();
    assertThat(browser.consoleErrors()).isEmpty();
    browser.screenshot("decisions");
  }

  @Test
  void aDelegationRevokedFromItsTree_isDeniedByTheGatewayWithinASecond_itsParentStillAllowed() {
    Agent parent = stack.agent(gateway, "everything:*:*");
    String narrower =
        Capability.decode(parent.token)
            .attenuate()
            .allow("everything:echo:*")
            .maxUses(50)
            .sign()
            .toText();
    Agent child = stack.closing(parent.sibling(narrower));
    assertThat(parent.call("get-sum", Map.of("a", 1, "b", 2)).allowed()).isTrue();
    assertThat(child.call("echo", Map.of("message", "from the sub-agent")).allowed()).isTrue();
    String childBlock = Capability.decode(narrower).revocationIds().get(1);

    String page = "/console/capabilities/" + parent.tokenId;
    browser.open(stack.url(page));
    // The child block is known from the gateway's decision, which travels in a batch.
    browser.await(
        d -> {
          if (d.findElements(By.id("revoke-" + childBlock)).isEmpty()) {
            d.navigate().refresh();
            return false;
          }
          return true;
        });
    assertThat(browser.find(By.id("capability-tree")).getText())
        .contains("Block 0: minted")
        .contains("Block 1: attenuation");
    assertThat(browser.axe()).isEmpty();
    browser.screenshot("capability");

    browser.find(By.id("revoke-" + childBlock)).click();
    assertThat(browser.find(By.id("cascade-heading")).getText()).isEqualTo("Revoking cuts 1 block");
    assertThat(browser.driver().findElements(By.cssSelector("#cascade tbody tr")))
        .singleElement()
        .satisfies(r -> assertThat(r.getDomAttribute("data-revocation-id")).isEqualTo(childBlock));
    assertThat(browser.axe()).isEmpty();
    browser.screenshot("revoke");
    browser.find(By.id("revoke-reason")).sendKeys("the sub-agent's task is over");
    browser.find(By.id("confirm-revoke")).click();
    browser.find(By.id("capability-notice"));

    Duration took =
        Await.until(
            Duration.ofSeconds(5), () -> !child.call("echo", Map.of("message", "again")).allowed());
    assertThat(took).isLessThan(Duration.ofSeconds(1));
    assertThat(parent.call("get-sum", Map.of("a", 2, "b", 3)).allowed())
        .as("the block it came from is not revoked")
        .isTrue();
    assertThat(
            browser
                .find(By.cssSelector("#block-" + childBlock + " .block-head .badge"))
                .getDomAttribute("data-state"))
        .isEqualTo("revoked");
  }
}
