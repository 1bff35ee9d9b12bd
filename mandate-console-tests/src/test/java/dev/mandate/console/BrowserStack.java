package dev.mandate.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.testkit.Browser;
import dev.mandate.testkit.GatewayYaml;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.NpmPeers;
import dev.mandate.testkit.Stack;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * What a browser test runs against: a {@link Stack} (a real authority, SQLite in the test's
 * directory) with the console on and its people made through the admin API, plus whatever else the
 * test starts and wants stopped with it (a gateway, {@link Site}s); and the steps every console
 * test takes in the browser (sign in, sign out, open a page).
 *
 * <p>The people: {@code alice} approves for finance, {@code bob} for legal, {@code olivia} is an
 * operator, {@code adam} an admin; each one's password is {@link #password}.
 */
final class BrowserStack implements AutoCloseable {
  /** The people every stack has: name, role, approver groups. */
  record Person(String name, String role, List<String> groups) {}

  static final List<Person> PEOPLE =
      List.of(
          new Person("alice", "approver", List.of("finance")),
          new Person("bob", "approver", List.of("legal")),
          new Person("olivia", "operator", List.of()),
          new Person("adam", "admin", List.of("finance", "legal")));

  final Stack stack;
  private final List<AutoCloseable> others = new ArrayList<>();

  private BrowserStack(Stack stack) {
    this.stack = stack;
  }

  /**
   * Starts the authority with {@code policy} and {@code clients}, and makes the people.
   *
   * @param more further settings of the stack (the authority's, a clock)
   */
  static BrowserStack start(
      Path dir, String policy, List<String> clients, Consumer<Stack.Builder> more)
      throws IOException {
    Stack.Builder b =
        Stack.builder(dir)
            .policy(policy)
            .clients(clients.toArray(String[]::new))
            .throwawayMasterKey();
    more.accept(b);
    Stack stack = b.start();
    try {
      for (Person p : PEOPLE) {
        stack.api().createPerson(p.name(), password(p.name()), p.role(), p.groups(), null);
      }
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
    return new BrowserStack(stack);
  }

  /** {@code name}'s password. */
  static String password(String name) {
    return "correct horse battery staple for " + name;
  }

  /**
   * Stops {@code c} when the stack closes, before the authority and what came before; returns it.
   */
  <T extends AutoCloseable> T closing(T c) {
    others.add(0, c);
    return c;
  }

  /** The gateway's audience, in the policies of the tests that start one. */
  static final String AUDIENCE = "console-gw";

  /** Where the gateway serves the npm everything server (tools echo and get-sum). */
  static final String EVERYTHING = "/mcp/everything";

  /**
   * Starts a gateway (client {@code gateway}, which the policy must give {@code role: gateway})
   * before the npm everything MCP server, with tools {@code echo} and {@code get-sum}.
   */
  GatewayServer startGateway() throws IOException {
    GatewayYaml yaml =
        stack
            .gatewayYaml(AUDIENCE)
            .pollWait("5s")
            .mcp(
                List.of("callTimeout: 20s"),
                McpUpstream.node("everything", NpmPeers.server("server-everything"), "stdio")
                    .path(EVERYTHING)
                    .tool("echo")
                    .tool("get-sum"));
    return stack.startGateway(
        yaml, (text, file, env) -> GatewayServer.start(GatewayConfig.parse(text, file, env)));
  }

  /** An agent of client {@code agent} connected to {@code gateway} with a capability it minted. */
  Agent agent(GatewayServer gateway, String... grants) {
    String token = stack.api().mint(stack.auth("agent"), "10m", AUDIENCE, null, grants).token();
    return closing(new Agent(gateway.url(), EVERYTHING, AUDIENCE, "everything", token));
  }

  /** The URL of a console path such as {@code /console/approvals}. */
  String url(String path) {
    return stack.url() + path;
  }

  /** Opens the sign-in page and signs in as {@code name}; waits for the page it leads to. */
  void signIn(Browser browser, String name) {
    signIn(browser, "/console/sign-in", name, password(name));
    browser.await(d -> !d.getCurrentUrl().contains("/console/sign-in"));
    assertThat(browser.find(By.cssSelector(".who strong")).getText()).isEqualTo(name);
  }

  /** Opens {@code path} (a sign-in page, or a page that leads to one) and submits the form. */
  void signIn(Browser browser, String path, String name, String password) {
    browser.open(url(path));
    WebElement field = browser.find(By.id("name"));
    field.clear();
    field.sendKeys(name);
    browser.find(By.id("password")).sendKeys(password);
    browser.find(By.cssSelector("form[action='/console/sign-in'] button[type=submit]")).click();
  }

  /** Signs out with the layout's button; waits for the sign-in page. */
  void signOut(Browser browser) {
    browser.find(By.cssSelector("form[action='/console/sign-out'] button")).click();
    browser.await(d -> d.getCurrentUrl().endsWith("/console/sign-in"));
  }

  /** Opens a console page and waits for its main heading; returns the heading's text. */
  String open(Browser browser, String path) {
    browser.open(url(path));
    return browser.find(By.cssSelector("main h1")).getText();
  }

  @Override
  public void close() {
    RuntimeException failed = null;
    for (AutoCloseable c : others) {
      try {
        c.close();
      } catch (Exception e) {
        failed = failed == null ? new IllegalStateException("could not stop " + c, e) : failed;
      }
    }
    stack.close();
    if (failed != null) {
      throw failed;
    }
  }
}
