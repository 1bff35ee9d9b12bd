package dev.mandate.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.html.HtmlEscapers;
import dev.mandate.testkit.Browser;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.openqa.selenium.By;

/**
 * What an attacker's page does to a signed-in browser, from a {@link Site} of the attacker's: post
 * a form to the console, frame a page of it; and the marks of script that ran where it must not.
 */
final class Attacks {
  /** Script payloads for agent-controlled text; each sets {@code window.__xss} if it ever runs. */
  static final String IMG = "<img src=x onerror=\"window.__xss='img'\">";

  static final String SCRIPT = "<script>window.__xss='script'</script>";
  static final String BOTH = IMG + SCRIPT;

  private static final AtomicInteger PAGES = new AtomicInteger();

  private Attacks() {}

  /**
   * Has the browser open a page of {@code site} that posts {@code fields} to {@code action} as soon
   * as it loads (a forged form: the fields are what the attacker can know), and waits until the
   * browser has left that page.
   */
  static void postFrom(Site site, Browser browser, String action, Map<String, String> fields) {
    StringBuilder form =
        new StringBuilder("<form method=\"post\" action=\"").append(esc(action)).append("\">");
    fields.forEach(
        (k, v) ->
            form.append("<input type=\"hidden\" name=\"")
                .append(esc(k))
                .append("\" value=\"")
                .append(esc(v))
                .append("\">"));
    form.append("</form>");
    String page =
        site.page(
            "/forged-" + PAGES.incrementAndGet(),
            "<!DOCTYPE html><html lang=\"en\"><title>You won</title>"
                + "<body onload=\"document.forms[0].submit()\">"
                + form
                + "</body></html>");
    browser.open(page);
    browser.await(d -> !d.getCurrentUrl().startsWith(site.url()));
  }

  /**
   * Asserts that a page of {@code site} cannot show {@code url} in a frame: a control frame of the
   * site's own loads (so the check can tell), the framed page's document never becomes the
   * target's, and no element matching {@code content} is in it.
   */
  static void assertNotFramable(Site site, Browser browser, String url, By content) {
    String own =
        site.page(
            "/own-" + PAGES.incrementAndGet(),
            "<!DOCTYPE html><html lang=\"en\"><title>own</title><p id=\"own\">framed fine</p>");
    String framing =
        site.page(
            "/frame-" + PAGES.incrementAndGet(),
            "<!DOCTYPE html><html lang=\"en\"><title>Free prize</title>"
                + "<iframe id=\"control\" title=\"control\" src=\""
                + esc(own)
                + "\"></iframe><iframe id=\"victim\" title=\"victim\" src=\""
                + esc(url)
                + "\"></iframe></html>");
    browser.open(framing);
    browser.driver().switchTo().frame("control");
    assertThat(browser.find(By.id("own")).getText()).isEqualTo("framed fine");
    browser.driver().switchTo().defaultContent();
    browser.driver().switchTo().frame("victim");
    // A frame the browser refused holds its error page once loading has ended.
    String where =
        browser.await(
            d -> {
              Object href =
                  browser.script(
                      "return document.readyState === 'complete' ? location.href : null");
              return href == null || "about:blank".equals(href) ? null : href.toString();
            });
    assertThat(where).as("the framed document").startsWith("chrome-error:");
    assertThat(browser.driver().findElements(content)).isEmpty();
    browser.driver().switchTo().defaultContent();
  }

  /** Asserts that no injected script ran on the page shown (no payload set its flag). */
  static void assertNoScriptRan(Browser browser) {
    assertThat(browser.script("return window.__xss === undefined ? null : window.__xss"))
        .as("a payload's script ran")
        .isNull();
  }

  private static String esc(String s) {
    return HtmlEscapers.htmlEscaper().escape(s);
  }
}
