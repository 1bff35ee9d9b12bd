package dev.mandate.console;

import dev.mandate.testkit.Browser;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link Browser} for the tests of a class: started before the first test (so that a missing
 * Chromium skips, or fails, each test visibly), reset before every other, quit after the last.
 *
 * <pre>{@code
 * @RegisterExtension static final SharedBrowser chromium = new SharedBrowser();
 * ... chromium.get().open(url);
 * }</pre>
 */
final class SharedBrowser implements BeforeEachCallback, AfterAllCallback {
  private Browser browser;

  /** The browser, ready for the running test. */
  Browser get() {
    if (browser == null) {
      throw new IllegalStateException("no test is running");
    }
    return browser;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    browser = Browser.reuse(browser);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (browser != null) {
      browser.close();
      browser = null;
    }
  }
}
