package dev.mandate.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.demo.Demo;
import dev.mandate.demo.DemoCall;
import dev.mandate.demo.DemoReport;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Browser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * newcomer runs it (its authority, gateway, filesystem MCP server and agents); the assistant's
 * write of its summary, denied for want of an approval, waits in the inbox; the approver the demo
 * made signs in with the password from the file the demo names, and approves it in the browser; the
 * assistant's runtime retries once, the call goes through, and the demo reports it.
 */
class DemoConsoleBrowserTest {
  private static final Pattern CONSOLE =
      Pattern.compile("console\\s+(http://127\\.0\\.0\\.1:[0-9]+)/console/approvals");
  private static final Pattern PASSWORD_FILE =
      Pattern.compile("with the password in (\\S+) \\(mode 0600\\)");
  private static final Pattern REQUEST = Pattern.compile("as request ([A-Za-z0-9_-]+)\\.");

  @RegisterExtension static final SharedBrowser chromium = new SharedBrowser();

  @Test
  void theDemosCall_waitsInTheInbox_isApprovedInTheBrowser_andTheRetryGoesThroughOnce()
      throws Exception {
    Browser browser = chromium.get();
    StringWriter printed = new StringWriter();
    CompletableFuture<DemoReport> demo =
        CompletableFuture.supplyAsync(
            () ->
                Demo.runWithConsole(
                    new PrintWriter(printed, true), false, false, Duration.ofMinutes(2)));

    String base = await(printed, CONSOLE, demo);
    Path passwordFile = Path.of(await(printed, PASSWORD_FILE, demo));
    String id = await(printed, REQUEST, demo);
    assertThat(Files.getPosixFilePermissions(passwordFile))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String password = Files.readString(passwordFile).strip();
    assertThat(printed.toString()).as("the password is not printed").doesNotContain(password);

    browser.open(base + "/console/approvals");
    browser.await(d -> d.getCurrentUrl().contains("/console/sign-in"));
    browser.find(By.id("name")).sendKeys("approver");
    browser.find(By.id("password")).sendKeys(password);
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

    DemoReport report = demo.get(90, TimeUnit.SECONDS);
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
    assertThat(printed.toString())
        .containsPattern("assistant\\s+task\\s+write_file\\s+/invoices/2024/summary\\.txt\\s+ALLOW")
        .contains("task calls allowed");
  }

  /** The first group of {@code pattern} once the demo has printed it. */
  private static String await(
      StringWriter printed, Pattern pattern, CompletableFuture<DemoReport> demo) {
    String[] found = new String[1];
    Await.until(
        Duration.ofSeconds(120),
        () -> {
          if (demo.isDone()) {
            throw new AssertionError("the demo ended early:\n" + printed + "\n" + demo.join());
          }
          Matcher m = pattern.matcher(printed.toString());
          if (m.find()) {
            found[0] = m.group(1);
            return true;
          }
          return false;
        });
    return found[0];
  }
}
