package dev.mandate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium for the console's browser tests, driven by Selenium through Debian's {@code
 * chromium} and {@code chromium-driver} (which {@code .ci/run} installs): a fresh profile in a
 * temporary directory, a fixed window, no implicit waits (wait explicitly with {@link #await} and
 * {@link #find}), screenshots for the docs, and axe-core run in the page.
 *
 * <p>When Chromium or its driver is missing the calling test is <em>skipped</em>, unless {@code
 * MANDATE_REQUIRE_BROWSER=1} (CI sets it), in which case it <em>fails</em>. Selenium Manager is
 * never asked for a browser or driver: both are given by path (system properties {@value
 * #CHROMIUM_PROPERTY} and {@value #DRIVER_PROPERTY}, defaults {@code /usr/bin/chromium} and {@code
 * /usr/bin/chromedriver}).
 *
 * <p>Share one among a test class's tests (starting Chromium costs a second or more): {@link
 * #reuse} before each test starts it the first time and {@link #reset}s it after that (every cookie
 * forgotten, extra windows closed, the page blank).
 *
 * <pre>{@code
 * try (Browser browser = Browser.start()) {
 *   browser.open(url + "/console");
 *   browser.find(By.name("username")).sendKeys("alice");
 *   assertThat(browser.axe()).isEmpty();
 *   browser.screenshot("sign-in");
 * }
 * }</pre>
 */
public final class Browser implements AutoCloseable {
  /** Environment variable that turns "Chromium missing" from a skip into a failure. */
  public static final String REQUIRE_ENV = "MANDATE_REQUIRE_BROWSER";

  /** System property: the Chromium binary. */
  public static final String CHROMIUM_PROPERTY = "mandate.chromium";

  /** System property: the ChromeDriver binary. */
  public static final String DRIVER_PROPERTY = "mandate.chromedriver";

  /**
   * System property: {@code true} writes {@link #screenshot}s to the directory named by {@value
   * #DOCS_PROPERTY} (to be committed), otherwise to the one named by {@value
   * #SCREENSHOTS_PROPERTY}.
   */
  public static final String WRITE_PROPERTY = "mandate.screenshots.write";

  /** System property: where screenshots go by default (the module's {@code target/}). */
  public static final String SCREENSHOTS_PROPERTY = "mandate.screenshots.dir";

  /** System property: the docs' screenshot directory ({@code docs/console}). */
  public static final String DOCS_PROPERTY = "mandate.screenshots.docs";

  /** The window every test sees, so layouts and screenshots do not depend on the machine. */
  public static final Dimension WINDOW = new Dimension(1280, 860);

  /** How long {@link #await} and {@link #find} wait; generous for a loaded two-core machine. */
  public static final Duration WAIT = Duration.ofSeconds(15);

  /** The impacts {@link #axe} reports; minor and moderate ones are left to judgement. */
  private static final Set<String> REPORTED_IMPACTS = Set.of("serious", "critical");

  /** The tallest page a screenshot shows, in CSS pixels. */
  private static final int MAX_SCREENSHOT_HEIGHT = 2400;

  private final ChromeDriverService service;
  private final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriverService service, ChromeDriver driver, Path profile) {
    this.service = service;
    this.driver = driver;
    this.profile = profile;
  }

  /** An accessibility rule that a page breaks, with the elements that break it. */
  public record Violation(String rule, String impact, String help, List<String> elements) {
    @Override
    public String toString() {
      return impact + " " + rule + " (" + help + ") at " + String.join(", ", elements);
    }
  }

  /**
   * Starts headless Chromium with a fresh profile.
   *
   * @throws org.opentest4j.TestAbortedException if Chromium is missing and not required
   * @throws AssertionError if Chromium is missing and {@code MANDATE_REQUIRE_BROWSER=1}
   */
  public static Browser start() {
    Path chromium = Path.of(System.getProperty(CHROMIUM_PROPERTY, "/usr/bin/chromium"));
    Path chromedriver = Path.of(System.getProperty(DRIVER_PROPERTY, "/usr/bin/chromedriver"));
    for (Path p : List.of(chromium, chromedriver)) {
      if (!Files.isExecutable(p)) {
        String message =
            p
                + " is missing: the browser tests need Debian's chromium and chromium-driver"
                + " (apt-get install chromium chromium-driver; .ci/run installs them)";
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
          Assertions.fail(REQUIRE_ENV + "=1 but " + message);
        }
        Assumptions.abort("skipped: " + message);
      }
    }
    Path profile;
    try {
      profile = Files.createTempDirectory("mandate-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a Chromium profile directory", e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new",
        // Tests run as root in CI, where Chromium's sandbox cannot start.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--user-data-dir=" + profile,
        "--window-size=" + WINDOW.width + "," + WINDOW.height,
        "--force-device-scale-factor=1",
        "--force-color-profile=srgb",
        "--hide-scrollbars",
        "--lang=en-US",
        "--no-first-run",
        "--no-default-browser-check",
        "--password-store=basic",
        // Nothing but the pages under test: no update checks, sync, safe browsing or field trials.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromedriver.toFile())
            .usingAnyFreePort()
            .withLogOutput(OutputStream.nullOutputStream())
            .build();
    ChromeDriver driver;
    try {
      driver = new ChromeDriver(service, options);
    } catch (RuntimeException e) {
      service.stop();
      deleteTree(profile);
      throw e;
    }
    driver.manage().timeouts().implicitlyWait(Duration.ZERO);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    driver.manage().window().setSize(WINDOW);
    return new Browser(service, driver, profile);
  }

  /**
   * {@code previous} {@link #reset}, or a new browser when it is null: for a test class that shares
   * one browser among its tests, called before each, so that a missing Chromium skips (or fails)
   * each test visibly rather than the class silently.
   */
  public static Browser reuse(Browser previous) {
    if (previous == null) {
      return start();
    }
    previous.reset();
    return previous;
  }

  /** The Selenium driver, for what this class does not wrap. */
  public WebDriver driver() {
    return driver;
  }

  /** Loads {@code url} and waits until it has loaded. */
  public Browser open(String url) {
    driver.get(url);
    return this;
  }

  /** The URL of the page shown. */
  public String url() {
    return driver.getCurrentUrl();
  }

  /** The page's title. */
  public String title() {
    return driver.getTitle();
  }

  /** The visible text of the page. */
  public String text() {
    return driver.findElement(By.tagName("body")).getText();
  }

  /**
   * Waits until {@code condition} gives something other than null or false, and returns it.
   *
   * @throws org.openqa.selenium.TimeoutException if it does not within {@link #WAIT}
   */
  public <T> T await(Function<? super WebDriver, T> condition) {
    // A page that navigates while the condition reads it leaves stale elements: read again.
    return new WebDriverWait(driver, WAIT)
        .ignoring(StaleElementReferenceException.class)
        .until(condition);
  }

  /** Waits until an element matching {@code by} is visible, and returns it. */
  public WebElement find(By by) {
    return await(ExpectedConditions.visibilityOfElementLocated(by));
  }

  /** Waits until the page's visible text contains {@code text}. */
  public Browser awaitText(String text) {
    await(d -> text().contains(text));
    return this;
  }

  /** Runs {@code script} in the page (as a function body; {@code arguments} are {@code args}). */
  public Object script(String script, Object... args) {
    return driver.executeScript(script, args);
  }

  /**
   * Forgets every cookie of every site, closes every window but one and leaves it blank: what the
   * next test starts from.
   */
  public void reset() {
    String first = driver.getWindowHandles().iterator().next();
    for (String handle : driver.getWindowHandles()) {
      if (!handle.equals(first)) {
        driver.switchTo().window(handle).close();
      }
    }
    driver.switchTo().window(first);
    driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
    driver.get("about:blank");
    driver.manage().logs().get(LogType.BROWSER); // drops what earlier pages logged
  }

  /**
   * What the page has written to the browser's console at level SEVERE since the last call (script
   * errors, refused resources, Content-Security-Policy violations).
   */
  public List<String> consoleErrors() {
    List<String> out = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
        out.add(e.getMessage());
      }
    }
    return out;
  }

  /**
   * Runs axe-core (the version mandate-testkit-http's build installed from npm) on the page shown,
   * and returns the violations of serious or critical impact; an empty list means none.
   */
  public List<Violation> axe() {
    Path source = NpmPeers.dir().resolve("node_modules/axe-core/axe.min.js");
    String axe;
    try {
      axe = Files.readString(source);
    } catch (IOException e) {
      throw new IllegalStateException(
          source + " is missing: build mandate-testkit-http (it runs npm ci in src/main/node)", e);
    }
    driver.executeScript(axe);
    Object result =
        driver.executeAsyncScript(
            "const done = arguments[arguments.length - 1];"
                + "axe.run(document, {resultTypes: ['violations']})"
                + ".then(r => done(JSON.stringify(r.violations)))"
                + ".catch(e => done('axe failed: ' + e));");
    String json = String.valueOf(result);
    if (json.startsWith("axe failed")) {
      throw new IllegalStateException(json + " on " + url());
    }
    JsonNode violations;
    try {
      violations = Http.JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("axe-core answered something not JSON: " + json, e);
    }
    List<Violation> out = new ArrayList<>();
    for (JsonNode v : violations) {
      String impact = v.path("impact").asText("");
      if (!REPORTED_IMPACTS.contains(impact)) {
        continue;
      }
      List<String> elements = new ArrayList<>();
      for (JsonNode n : v.path("nodes")) {
        elements.add(n.path("target").toString());
      }
      out.add(new Violation(v.path("id").asText(), impact, v.path("help").asText(), elements));
    }
    return out;
  }

  /**
   * Saves the page shown, as tall as its content (up to 2400 pixels), to {@code NAME.png}: in
   * {@code docs/console} when {@code -Dmandate.screenshots.write=true}, else in the module's {@code
   * target/screenshots}.
   *
   * @param name a file name without extension: lower-case letters, digits and dashes
   * @return the file written
   */
  public Path screenshot(String name) {
    if (!name.matches("[a-z0-9][a-z0-9-]{0,63}")) {
      throw new IllegalArgumentException("a screenshot name is a-z 0-9 and dashes; got " + name);
    }
    boolean docs = Boolean.getBoolean(WRITE_PROPERTY);
    String dir =
        docs
            ? System.getProperty(DOCS_PROPERTY)
            : System.getProperty(SCREENSHOTS_PROPERTY, "target/screenshots");
    if (dir == null) {
      throw new IllegalStateException(
          WRITE_PROPERTY + "=true but " + DOCS_PROPERTY + " names no directory");
    }
    Number height =
        (Number)
            driver.executeScript(
                "return Math.max(document.documentElement.scrollHeight,"
                    + " document.body ? document.body.scrollHeight : 0)");
    int h = Math.max(1, Math.min(MAX_SCREENSHOT_HEIGHT, height.intValue()));
    Map<String, Object> shot =
        driver.executeCdpCommand(
            "Page.captureScreenshot",
            Map.of(
                "format",
                "png",
                "captureBeyondViewport",
                true,
                "clip",
                Map.of("x", 0, "y", 0, "width", WINDOW.width, "height", h, "scale", 1)));
    Path file = Path.of(dir).resolve(name + ".png");
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  /** Quits Chromium and its driver and deletes the profile. */
  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A profile left in the temporary directory is harmless; the test's outcome stands.
    }
  }
}
