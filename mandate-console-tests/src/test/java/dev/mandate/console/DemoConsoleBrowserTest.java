package dev.mandate.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.demo.Demo;
import dev.mandate.demo.DemoCall;
import dev.mandate.demo.DemoReport;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Browser;
import java.io.BufferedReader;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The "done when", with the demo's own pieces: {@code mandate demo --console} runs as a
 * newcomer runs it at a terminal (its authority, gateway, filesystem MCP server and agents); the
 * assistant's write of its summary, denied for want of an approval, waits in the inbox; the person
 * signs in with the account and password the demo printed and approves it in the browser; the
 * assistant's runtime retries once, the call goes through, and both the denial and the allowed
 * retry are on the live decisions page while the demo keeps the console up, until Enter.
 */
class DemoConsoleBrowserTest {
  private static final Pattern CONSOLE =
      Pattern.compile("console\\s+(http://127\\.0\\.0\\.1:[0-9]+)/console/approvals");
  private static final Pattern SIGN_IN =
      Pattern.compile(
          "sign in\\s+as (\\S+) \\(an operator who approves for finance\\) with the"
              + " password (\\S+)\\n");
  private static final Pattern REQUEST = Pattern.compile("as request ([A-Za-z0-9_-]+)\\.");
  private static final Pattern STAYS_UP = Pattern.compile("(press Enter) to stop the demo");

  @RegisterExtension static final SharedBrowser chromium = new SharedBrowser();

  @Test
  void theDemosCall_waitsInTheInbox_isApprovedInTheBrowser_andTheRetryGoesThroughOnce()
      throws Exception {
    Browser browser = chromium.get();
    StringWriter printed = new StringWriter();
    PipedWriter keyboard = new PipedWriter();
    BufferedReader terminal = new BufferedReader(new PipedReader(keyboard));
    CompletableFuture<DemoReport> demo =
        CompletableFuture.supplyAsync(
            () ->
                Demo.runWithConsole(
                    new PrintWriter(printed, true), false, terminal, Duration.ofMinutes(2)));

    String base = await(printed, CONSOLE, demo).group(1);
    Matcher account = await(printed, SIGN_IN, demo);
    String id = await(printed, REQUEST, demo).group(1);

    browser.open(base + "/console/approvals");
    browser.await(d -> d.getCurrentUrl().contains("/console/sign-in"));
    browser.find(By.id("name")).sendKeys(account.group(1));
    browser.find(By.id("password")).sendKeys(account.group(2));
    browser.find(By.cssSelector("form[action='/console/sign-in'] button[type=submit]")).click();
    browser.await(d -> d.getCurrentUrl().endsWith("/console/approvals"));
    WebElement card = browser.find(By.cssSelector("article[aria-labelledby='req-" + id + "']"));
    assertThat(card.findElement(By.tagName("h2")).getText()).isEqualTo("write_file on fs");
    assertThat(card.getText())
        .contains("/invoices/2024/summary.txt")
        .contains("finance 0 of 1 approval");
    assertThat(demo).as("the assistant waits for the answer").isNotDone();

    card.findElement(By.cssSelector("form[action$='/approve'] button")).click();
    assertThat(browser.find(By.cssSelector("[role=status]")).getText())
        .isEqualTo("Your approval was recorded.");
    assertThat(browser.find(By.cssSelector("main")).getText()).contains("Approved");

    await(printed, STAYS_UP, demo);
    assertThat(printed.toString())
        .containsPattern("assistant\\s+task\\s+write_file\\s+/invoices/2024/summary\\.txt\\s+ALLOW")
        .contains("5/5 task calls allowed");
    browser.open(base + "/console/decisions");
    By allowed = By.cssSelector("#decision-rows tr.decision-allow");
    By denied = By.cssSelector("#decision-rows tr.decision-deny");
    browser.await(
        d -> {
          boolean both =
              d.findElements(allowed).stream().anyMatch(r -> isTheWrite(r.getText()))
                  && d.findElements(denied).stream()
                      .anyMatch(
                          r ->
                              isTheWrite(r.getText()) && r.getText().contains("APPROVAL_REQUIRED"));
          if (!both) {
            d.navigate().refresh();
          }
          return both;
        });
    assertThat(demo).as("the console stays up until Enter").isNotDone();

    keyboard.write("\n");
    keyboard.flush();
    DemoReport report = demo.get(60, TimeUnit.SECONDS);
    assertThat(report.passed()).as(printed.toString()).isTrue();
    assertThat(report.legitimate())
        .filteredOn(c -> c.tool().equals("write_file"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.decision()).isEqualTo(DemoCall.Decision.ALLOW);
              assertThat(c.target()).isEqualTo("/invoices/2024/summary.txt");
              assertThat(c.reason()).contains("approved by a person in the console");
            });
  }

  private static boolean isTheWrite(String row) {
    return row.contains("write_file") && row.contains("/invoices/2024/summary.txt");
  }

  /** The match of {@code pattern} once the demo has printed it. */
  private static Matcher await(
      StringWriter printed, Pattern pattern, CompletableFuture<DemoReport> demo) {
    Matcher[] found = new Matcher[1];
    Await.until(
        Duration.ofSeconds(120),
        () -> {
          if (demo.isDone()) {
            throw new AssertionError("the demo ended early:\n" + printed + "\n" + demo.join());
          }
          Matcher m = pattern.matcher(printed.toString());
          if (m.find()) {
            found[0] = m;
            return true;
          }
          return false;
        });
    return found[0];
  }
}
