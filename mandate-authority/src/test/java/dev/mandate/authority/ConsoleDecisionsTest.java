package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.server.ServerLimits;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.ConsoleBrowser;
import dev.mandate.testkit.ConsoleBrowser.EventStream;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Capability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live decisions page over HTTP: what it shows (escaped), its filters, its event stream
 * (filtered, resumable, ended at sign-out) and that open streams do not starve the API.
 */
class ConsoleDecisionsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Text an agent chose, as a tool name, a resource and a reason. */
  private static final String EVIL_ACTION = "<script>alert('action')</script>";

  private static final String EVIL_RESOURCE = "/data/\"><img src=x onerror=alert(1)>";
  private static final String EVIL_REASON = "</td></tr><script>alert(2)</script>";

  @TempDir Path tmp;
  private ConsoleTests console;
  private String gateway;
  private Capability agentToken;
  private Capability adminToken;

  private void start(java.util.function.Consumer<AuthorityConfig.Builder> settings)
      throws Exception {
    console = new ConsoleTests(tmp, settings);
    console.person("olivia", "operator");
    console.person("alice", "approver", "finance");
    AuthorityApi api = console.api;
    gateway = api.clientAuth("gateway-1");
    String agent = api.clientAuth("agent");
    agentToken =
        Capability.decode(
            api.mint(agent, "10m", null, null, "fs:read_text_file:/data/invoices/2025/**").token());
    adminToken =
        Capability.decode(
            api.mint(api.admin(), "10m", null, null, "fs:read_text_file:/data/**").token());
  }

  private void start() throws Exception {
    start(b -> {});
  }

  @AfterEach
  void stop() {
    if (console != null) {
      console.close();
    }
  }

  private void report(com.fasterxml.jackson.databind.node.ObjectNode... events) {
    DecisionReports.report(console.api, gateway, events);
  }

  @Test
  void page_showsTheNewestDecisions_escaped_eachLinkingToItsCapability() throws Exception {
    start();
    report(
        DecisionReports.allowed(agentToken, "fs", "read_text_file", "/data/invoices/2025/a.pdf"),
        DecisionReports.denied(agentToken, "fs", EVIL_ACTION, EVIL_RESOURCE, EVIL_REASON));
    ConsoleBrowser olivia = console.signedIn("olivia");

    Reply page = olivia.get("/console/decisions");
    assertThat(page.status()).isEqualTo(200);
    String html = page.body();
    assertThat(html)
        .contains("<script src=\"/console/assets/decisions.js\" defer></script>")
        .contains("/data/invoices/2025/a.pdf")
        .contains("href=\"/console/capabilities/" + agentToken.tokenId() + "\"")
        .contains("<code>&lt;script&gt;alert('action')&lt;/script&gt;</code>")
        .contains("&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;alert(2)&lt;/script&gt;")
        .contains("<code>/data/\"&gt;&lt;img src=x onerror=alert(1)&gt;</code>")
        .doesNotContain(EVIL_ACTION)
        .doesNotContain(EVIL_REASON)
        .doesNotContain("<img src=x");
    // The client is the one that minted the token (recorded by the authority at ingest).
    assertThat(rows(html)).hasSize(2);
    assertThat(rows(html).get(0)).contains("deny").contains(">agent<");
    assertThat(rows(html).get(1)).contains("allow").contains(">agent<");
    // Every script the page runs is a file: no inline script, no handler attributes.
    assertThat(html.replace("<script src=\"/console/assets/decisions.js\" defer></script>", ""))
        .doesNotContain("<script")
        .doesNotContainPattern("(?i)<[a-z][^>]*\\son[a-z]+\\s*=");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("script-src 'self'");

    Reply script = olivia.get("/console/assets/decisions.js");
    assertThat(script.status()).isEqualTo(200);
    assertThat(script.body()).contains("textContent").doesNotContain("innerHTML");
  }

  @Test
  void filters_narrowWhatIsShown_andAreKeptInTheForm() throws Exception {
    start();
    report(
        DecisionReports.allowed(agentToken, "fs", "read_text_file", "/data/invoices/2025/a"),
        DecisionReports.denied(agentToken, "fs", "write_file", "/data/invoices/2025/b", "no"),
        DecisionReports.allowed(adminToken, "fs", "read_text_file", "/data/c"),
        DecisionReports.denied(adminToken, "mail", "send", "/to/d", "no"));
    ConsoleBrowser olivia = console.signedIn("olivia");

    assertThat(rows(olivia.get("/console/decisions?client=agent").body()))
        .hasSize(2)
        .allMatch(r -> r.contains("/data/invoices/2025/"));
    assertThat(rows(olivia.get("/console/decisions?decision=deny").body()))
        .hasSize(2)
        .allMatch(r -> r.contains("badge-bad"));
    assertThat(rows(olivia.get("/console/decisions?service=mail").body()))
        .singleElement()
        .asString()
        .contains("/to/d");
    String byCapability =
        olivia
            .get("/console/decisions?capability=" + adminToken.tokenId() + "&decision=allow")
            .body();
    assertThat(rows(byCapability)).singleElement().asString().contains("/data/c");
    assertThat(byCapability)
        .contains("value=\"" + adminToken.tokenId() + "\"")
        .contains("<option value=\"allow\" selected>")
        .contains("data-stream=\"/console/decisions/events?after=")
        .contains("&amp;capability=" + adminToken.tokenId() + "&amp;decision=allow");

    Reply bad = olivia.get("/console/decisions?decision=%3Cb%3E");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("decision must be allow or deny").doesNotContain("<b>");
  }

  @Test
  void approvers_cannotWatchDecisions() throws Exception {
    start();
    ConsoleBrowser alice = console.signedIn("alice");
    assertThat(alice.get("/console/decisions").status()).isEqualTo(403);
    try (EventStream events = alice.events("/console/decisions/events", Map.of())) {
      assertThat(events.status()).isEqualTo(403);
    }
    ConsoleBrowser nobody = console.browser();
    try (EventStream events = nobody.events("/console/decisions/events", Map.of())) {
      assertThat(events.status()).as("sent to sign in").isEqualTo(303);
    }
  }

  @Test
  void stream_sendsNewDecisionsAsTheyArrive_filtered_andResumesAfterTheLastOneSeen()
      throws Exception {
    start();
    ConsoleBrowser olivia = console.signedIn("olivia");
    String url = streamUrl(olivia.get("/console/decisions?decision=deny").body());
    List<String> ids = new ArrayList<>();
    try (EventStream events = olivia.events(url, Map.of())) {
      assertThat(events.status()).isEqualTo(200);
      AuthorityTests.assertEventStreamHeaders(events.headers());
      report(
          DecisionReports.allowed(agentToken, "fs", "read_text_file", "/data/invoices/2025/a"),
          DecisionReports.denied(agentToken, "fs", EVIL_ACTION, EVIL_RESOURCE, EVIL_REASON));
      EventStream.Event first = events.next("decision", WAIT).orElseThrow();
      JsonNode d = AuthorityTests.JSON.readTree(first.data());
      assertThat(d.get("decision").asText())
          .as("the allowed one is filtered out")
          .isEqualTo("deny");
      // The page's script sets these as text; the stream carries them exactly.
      assertThat(d.get("action").asText()).isEqualTo(EVIL_ACTION);
      assertThat(d.get("resource").asText()).isEqualTo(EVIL_RESOURCE);
      assertThat(d.get("clientId").asText()).isEqualTo("agent");
      assertThat(d.get("tokenId").asText()).isEqualTo(agentToken.tokenId());
      assertThat(first.id()).isEqualTo(d.get("sequence").asText());
      ids.add(first.id());
    }
    // Away for a while: two more denials, then the page's EventSource reconnects.
    report(
        DecisionReports.denied(adminToken, "fs", "read_text_file", "/missed-1", "no"),
        DecisionReports.allowed(adminToken, "fs", "read_text_file", "/data/x"),
        DecisionReports.denied(adminToken, "fs", "read_text_file", "/missed-2", "no"));
    try (EventStream events = olivia.events(url, Map.of("Last-Event-ID", ids.get(0)))) {
      assertThat(resource(events.next("decision", WAIT).orElseThrow())).isEqualTo("/missed-1");
      assertThat(resource(events.next("decision", WAIT).orElseThrow())).isEqualTo("/missed-2");
    }
  }

  @Test
  void stream_endsOnceItsSessionIsSignedOut() throws Exception {
    start();
    ConsoleBrowser olivia = console.signedIn("olivia");
    try (EventStream events = olivia.events("/console/decisions/events", Map.of())) {
      assertThat(events.status()).isEqualTo(200);
      olivia.post("/console/sign-out", Map.of());
      console.clock.set(AuthorityTests.NOW.plus(DecisionEvents.RECHECK).plusSeconds(1));
      report(DecisionReports.denied(agentToken, "fs", "read_text_file", "/after", "no"));
      assertThat(events.ended(WAIT)).isTrue();
    }
    try (EventStream again = olivia.events("/console/decisions/events", Map.of())) {
      assertThat(again.status()).isNotEqualTo(200);
    }
  }

  @Test
  void openStreams_doNotTakeTheThreadsTheApiNeeds() throws Exception {
    // Eight threads for requests that queue; more streams than that stay open.
    start(
        b ->
            b.serverLimits(
                ServerLimits.builder()
                    .maxThreads(16)
                    .protectedThreads(8)
                    .queueTimeout(Duration.ofSeconds(2))
                    .build()));
    ConsoleBrowser olivia = console.signedIn("olivia");
    List<EventStream> open = new ArrayList<>();
    try {
      for (int i = 0; i < 12; i++) {
        EventStream s = olivia.events("/console/decisions/events", Map.of());
        assertThat(s.status()).isEqualTo(200);
        open.add(s);
      }
      assertThat(console.authority.decisions().subscribers()).isEqualTo(12);
      CompletableFuture<Integer> pages =
          CompletableFuture.supplyAsync(() -> olivia.get("/console/decisions").status());
      assertThat(console.api.get("/v1/audit?limit=1", console.api.admin()).status()).isEqualTo(200);
      assertThat(pages.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
      report(DecisionReports.denied(agentToken, "fs", "read_text_file", "/everyone", "no"));
      for (EventStream s : open) {
        assertThat(resource(s.next("decision", WAIT).orElseThrow())).isEqualTo("/everyone");
      }
    } finally {
      open.forEach(EventStream::close);
    }
  }

  private static String resource(EventStream.Event e) throws Exception {
    return AuthorityTests.JSON.readTree(e.data()).get("resource").asText();
  }

  /** The table's rows, newest first. */
  private static List<String> rows(String html) {
    List<String> out = new ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "<tr class=\"decision-[a-z]+\"[^>]*>(.*?)</tr>", java.util.regex.Pattern.DOTALL)
            .matcher(html);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** The page's stream URL (its data-stream attribute), unescaped. */
  private static String streamUrl(String html) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("data-stream=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).isTrue();
    return m.group(1).replace("&amp;", "&");
  }
}
