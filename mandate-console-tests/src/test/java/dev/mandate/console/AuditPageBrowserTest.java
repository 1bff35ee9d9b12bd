package dev.mandate.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.testkit.Browser;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The audit page in a real browser, over decisions a real agent's calls made at a real gateway:
 * search finds them, verifying the chain says it holds, a record edited behind the authority's back
 * (in its database) is named as the one that breaks it, and a tool name an agent chose is shown as
 * text, never run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditPageBrowserTest {
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
  static Agent agent;
  private Browser browser;

  @BeforeAll
  static void start() throws Exception {
    stack = BrowserStack.start(tmp, POLICY, List.of("agent", "gateway"), b -> {});
    GatewayServer gateway = stack.startGateway();
    agent = stack.agent(gateway, "everything:echo:*");
    assertThat(agent.call("echo", Map.of("message", "hello")).allowed()).isTrue();
    assertThat(agent.call(Attacks.IMG, Map.of()).allowed()).isFalse();
    awaitDecisions(2);
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
  @Order(1)
  void search_findsTheAgentsDecisions_andTheToolNameItChoseIsText() {
    stack.open(browser, "/console/audit?type=decision&token=" + agent.tokenId);
    String records = browser.find(By.cssSelector("section[aria-labelledby=records]")).getText();
    assertThat(records).contains("echo").contains(Attacks.IMG);
    Attacks.assertNoScriptRan(browser);
    assertThat(browser.driver().findElements(By.cssSelector("table img"))).isEmpty();
    assertThat(browser.axe()).isEmpty();
  }

  @Test
  @Order(2)
  void verifying_anUntouchedChain_saysItHolds() {
    stack.open(browser, "/console/audit");
    browser.find(By.cssSelector("form[action='/console/audit/verify'] button")).click();
    assertThat(browser.find(By.cssSelector("[role=status]")).getText())
        .startsWith("The chain holds: all")
        .endsWith("records verified.");
  }

  @Test
  @Order(3)
  void aRecordEditedInTheDatabase_isNamedAsTheOneThatBreaksTheChain() throws Exception {
    long allowed = awaitDecisions(2).get(0).get("sequence").asLong();
    try (Connection db =
            DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("data/mandate.db"));
        PreparedStatement edit =
            db.prepareStatement(
                "UPDATE audit_log SET detail = replace(detail, '\"allow\"', '\"deny\"')"
                    + " WHERE sequence = ?")) {
      edit.setLong(1, allowed);
      assertThat(edit.executeUpdate()).isEqualTo(1);
    }

    stack.open(browser, "/console/audit");
    browser.find(By.cssSelector("form[action='/console/audit/verify'] button")).click();
    assertThat(browser.find(By.cssSelector("[role=alert]")).getText())
        .startsWith("The chain is broken at record " + allowed + ":");
    browser.find(By.linkText("Show record " + allowed + " and the ones before it")).click();
    assertThat(browser.find(By.cssSelector("tr.broken td")).getText())
        .isEqualTo(allowed + " breaks the chain");
    assertThat(browser.axe()).isEmpty();
    browser.screenshot("audit");
  }

  /** The agent's decision records, oldest first, once {@code n} have arrived. */
  private static List<JsonNode> awaitDecisions(int n) {
    List<JsonNode>[] found = new List[1];
    dev.mandate.testkit.Await.until(
        Duration.ofSeconds(20),
        () ->
            (found[0] = stack.stack.api().decisions(stack.stack.admin(), agent.tokenId)).size()
                >= n);
    return found[0];
  }
}
