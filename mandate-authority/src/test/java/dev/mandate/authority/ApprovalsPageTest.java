package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.ConsoleBrowser;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Request;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The approvals inbox at the HTTP level, asserting on the HTML: requests of the person's groups,
 * shown readably and escaped (tool names, arguments and reasons are an agent's text), answered with
 * forms that need the session's CSRF token, M of N, the event stream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApprovalsPageTest {
  static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants: ["mail:*:*", "bank:*:*"]
          maxTtl: 1h
        gateway-1:
          role: gateway
      approvals:
        groups:
          finance: {required: 2}
      """;

  @TempDir static Path tmp;
  private ConsoleTests console;
  private AuthorityApi api;
  private String agent;
  private String gateway;

  @BeforeAll
  void start() throws Exception {
    Files.writeString(tmp.resolve("policy.yaml"), POLICY);
    console = new ConsoleTests(tmp);
    api = console.api;
    agent = api.clientAuth("agent");
    gateway = api.clientAuth("gateway-1");
    console.person("alice", "approver", "ops", "finance");
    console.person("bob", "approver", "finance");
    console.person("carol", "approver", "legal");
    api.createPerson("dave", ConsoleTests.PASSWORD, "approver", List.of("ops"), "agent");
  }

  @AfterAll
  void stop() {
    console.close();
  }

  @BeforeEach
  void resetClock() {
    console.clock.set(AuthorityTests.NOW);
  }

  @Test
  void theInbox_showsTheCallReadably_toApproversOfItsGroups_only() {
    AuthorityApi.Minted m = mint("ops");
    String id = record(m, email("bob@example.com", "Invoice 42"), "ops");

    String html = console.signedIn("alice").get("/console/approvals").body();

    String card = cardOf(html, id);
    assertThat(card)
        .contains("<code>send_email</code> on <code>mail</code>")
        .contains("<code>bob@example.com</code>")
        .contains("<code>subject</code>")
        .contains("Invoice 42")
        .contains("the agent of client <code>agent</code>")
        .contains("through gateway <code>gateway-1</code>")
        .contains("2025-06-01 12:00:00 UTC")
        .contains("(in 15 min)")
        .contains("0 of 1 approval")
        .contains("<code>mail:send_email:*</code>")
        .contains("approval by ops")
        .contains("action=\"/console/approvals/" + id + "/approve\"")
        .contains("name=\"csrf\"");
    assertThat(console.signedIn("carol").get("/console/approvals").body())
        .as("not legal's request")
        .doesNotContain(id);
    assertThat(console.signedIn("carol").get("/console/approvals/" + id).status()).isEqualTo(404);
  }

  @Test
  void hostileToolNamesArgumentsAndReasons_areEscapedEverywhere() {
    AuthorityApi.Minted m = mint("ops");
    ObjectNode args = AuthorityTests.JSON.createObjectNode();
    args.put("\"><img src=x onerror=alert(1)>", "</pre><script>alert('arg')</script>");
    args.putObject("nested").put("x", "<b>bold</b> & \"quotes\"");
    Request hostile =
        new Request("gw-1", "mail", "<script>alert('tool')</script>", "<i>r</i>", args, null);
    String id = record(m, hostile, "ops");
    ConsoleBrowser alice = console.signedIn("alice");

    String inbox = alice.get("/console/approvals").body();
    alice.get("/console/approvals/" + id);
    alice.post(
        "/console/approvals/" + id + "/refuse", Map.of("reason", "<script>alert('why')</script>"));
    String detail = alice.get("/console/approvals/" + id).body();

    for (String html : List.of(inbox, detail)) {
      assertThat(html)
          .doesNotContain("<script>alert")
          .doesNotContain("<img src=x")
          .doesNotContain("<b>bold</b>")
          .doesNotContain("<i>r</i>")
          .contains("<code>&lt;script&gt;alert('tool')&lt;/script&gt;</code> on <code>mail</code>")
          .contains("&lt;/pre&gt;&lt;script&gt;alert('arg')&lt;/script&gt;")
          .contains("<code>\"&gt;&lt;img src=x onerror=alert(1)&gt;</code>")
          .contains("&lt;b&gt;bold&lt;/b&gt; &amp; \\\"quotes\\\"")
          .contains("<code>&lt;i&gt;r&lt;/i&gt;</code>");
    }
    assertThat(detail).contains("&lt;script&gt;alert('why')&lt;/script&gt;").contains("Refused");
  }

  @Test
  void approvingFromThePage_issuesTheAgentsApproval_andIsAudited() {
    AuthorityApi.Minted m = mint("ops");
    String id = record(m, email("x@example.com", "hello"), "ops");
    ConsoleBrowser alice = console.signedIn("alice");
    alice.get("/console/approvals");

    Reply r = alice.post("/console/approvals/" + id + "/approve", Map.of());

    assertThat(r.status()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location"))
        .contains("/console/approvals/" + id + "?done=approved");
    String detail = alice.get("/console/approvals/" + id + "?done=approved").body();
    assertThat(detail)
        .contains("Your approval was recorded.")
        .contains("Approved")
        .contains("<code>person:alice</code>")
        .doesNotContain("Approve this call")
        .doesNotContain("mnda1_");
    assertThat(api.approvalTask(id, m.token(), 0).expect(200).at("/task/status").asText())
        .isEqualTo("approved");
    assertThat(console.audited("approve.answer", "alice")).isPositive();
    assertThat(console.audited("approve", "alice")).isPositive();
  }

  @Test
  void aFormWithoutTheSessionsCsrfToken_isRefused_andChangesNothing() {
    AuthorityApi.Minted m = mint("ops");
    String id = record(m, email("y@example.com", "hi"), "ops");
    ConsoleBrowser alice = console.signedIn("alice");

    Reply forged =
        alice.postRaw("/console/approvals/" + id + "/approve", "csrf=not-the-token", Map.of());
    Reply crossSite =
        alice.postRaw(
            "/console/approvals/" + id + "/approve",
            "csrf=" + alice.csrf(),
            Map.of("Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"));

    assertThat(forged.status()).isEqualTo(403);
    assertThat(forged.body()).contains("CSRF");
    assertThat(crossSite.status()).isEqualTo(403);
    assertThat(api.approvalTask(id, m.token(), 0).expect(200).at("/task/status").asText())
        .isEqualTo("pending");
  }

  @Test
  void anApproverOutsideTheGroup_isRefused_andAudited_andSelfApprovalToo() {
    AuthorityApi.Minted m = mint("ops");
    String id = record(m, email("z@example.com", "hi"), "ops");
    ConsoleBrowser carol = console.signedIn("carol");
    ConsoleBrowser dave = console.signedIn("dave");

    Reply wrong = carol.post("/console/approvals/" + id + "/approve", Map.of());
    Reply self = dave.post("/console/approvals/" + id + "/approve", Map.of());

    assertThat(wrong.status()).isEqualTo(403);
    assertThat(wrong.body()).contains("may not answer");
    assertThat(console.audited("approve.denied", "carol")).isPositive();
    assertThat(self.status()).isEqualTo(403);
    assertThat(self.body()).contains("minted");
    assertThat(api.approvalTask(id, m.token(), 0).expect(200).at("/task/status").asText())
        .isEqualTo("pending");
  }

  @Test
  void theOverview_countsTheRequestsWaitingForThisPerson() {
    ConsoleBrowser alice = console.signedIn("alice");
    ConsoleBrowser bob = console.signedIn("bob");
    int aliceBefore = waitingOnOverview(alice);
    int bobBefore = waitingOnOverview(bob);
    String id = record(mint("finance"), payment(5), "finance");

    assertThat(waitingOnOverview(alice)).isEqualTo(aliceBefore + 1);
    assertThat(waitingOnOverview(bob)).isEqualTo(bobBefore + 1);

    // Alice's approval is one of two: the request still waits, but no longer for her.
    alice.post("/console/approvals/" + id + "/approve", Map.of());
    assertThat(waitingOnOverview(alice)).isEqualTo(aliceBefore);
    assertThat(waitingOnOverview(bob)).isEqualTo(bobBefore + 1);
    assertThat(waitingOnOverview(console.signedIn("carol"))).isZero();
  }

  private static int waitingOnOverview(ConsoleBrowser person) {
    String html = person.get("/console").body();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "<span class=\"number\">(\\d+)</span>\\s*"
                    + "<span class=\"label\">approval requests waiting for you</span>")
            .matcher(html);
    assertThat(m.find()).as("the overview's count of waiting requests").isTrue();
    return Integer.parseInt(m.group(1));
  }

  @Test
  void mOfN_isShownAsProgress_andEachPersonCountsOnce() {
    AuthorityApi.Minted m = mint("finance");
    String id = record(m, payment(900), "finance");
    ConsoleBrowser alice = console.signedIn("alice");
    ConsoleBrowser bob = console.signedIn("bob");

    alice.post("/console/approvals/" + id + "/approve", Map.of());
    String afterOne = alice.get("/console/approvals/" + id).body();
    Reply again = alice.post("/console/approvals/" + id + "/approve", Map.of());
    String bobSees = bob.get("/console/approvals").body();
    bob.post("/console/approvals/" + id + "/approve", Map.of());

    assertThat(afterOne)
        .contains("1 of 2 approvals")
        .contains("Waiting")
        .doesNotContain("Approve this call");
    assertThat(again.status()).isEqualTo(409);
    assertThat(cardOf(bobSees, id)).contains("1 of 2 approvals").contains("Approve this call");
    assertThat(bob.get("/console/approvals/" + id).body())
        .contains("2 of 2 approvals")
        .contains("Approved");
    assertThat(api.approvalTask(id, m.token(), 0).expect(200).at("/task/status").asText())
        .isEqualTo("approved");
  }

  @Test
  void theEventStream_tellsThePageWhenItsInboxChanges() throws Exception {
    ConsoleBrowser bob = console.signedIn("bob");
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(console.authority.url() + "/console/approvals/events"))
            .header("Cookie", "mandate_console=" + bob.cookie("mandate_console").orElseThrow())
            .header("Accept", "text/event-stream")
            .GET()
            .build();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    HttpResponse<Stream<String>> r =
        HttpClient.newHttpClient()
            .sendAsync(request, HttpResponse.BodyHandlers.ofLines())
            .get(5, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    AuthorityTests.assertEventStreamHeaders(r.headers());
    assertThat(r.headers().firstValue("Content-Security-Policy")).isPresent();
    CompletableFuture.runAsync(() -> r.body().forEach(lines::add));
    String first = nextData(lines);

    record(mint("finance"), payment(1), "finance");

    String second = nextData(lines);
    int before = AuthorityTests.JSON.readTree(first.substring(6)).get("pending").asInt();
    assertThat(AuthorityTests.JSON.readTree(second.substring(6)).get("pending").asInt())
        .isEqualTo(before + 1);
    r.body().close();
  }

  @Test
  void withoutASession_theInboxSendsToSignIn() {
    Reply r = console.browser().get("/console/approvals");

    assertThat(r.status()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location").orElseThrow()).startsWith("/console/sign-in");
  }

  // ---- helpers ----

  AuthorityApi.Minted mint(String group) {
    return api.mint(
        agent, "1h", "gw-1", "\"requireApproval\":[\"" + group + "\"]", "mail:*:*", "bank:*:*");
  }

  static Request email(String to, String subject) {
    ObjectNode args = AuthorityTests.JSON.createObjectNode();
    args.put("to", to).put("subject", subject);
    return new Request("gw-1", "mail", "send_email", to, args, null);
  }

  static Request payment(int amount) {
    ObjectNode args = AuthorityTests.JSON.createObjectNode();
    args.put("to", "ACME").put("amount", amount);
    return new Request("gw-1", "bank", "pay", "acct-7", args, null);
  }

  /** Records a call as the gateway does; returns the request's id. */
  String record(AuthorityApi.Minted m, Request call, String group) {
    return record(api, gateway, m, call, group);
  }

  /** Records a call at {@code api}'s authority as gateway {@code gateway} does; returns its id. */
  static String record(
      AuthorityApi api, String gateway, AuthorityApi.Minted m, Request call, String group) {
    String id = ApprovalRequestsContract.newId();
    ObjectNode body = AuthorityTests.JSON.createObjectNode();
    body.put("requestId", id).put("tokenId", m.tokenId());
    body.putArray("approverGroups").add(group);
    body.set("request", ApprovalRequests.callJson(call));
    ObjectNode display = body.putObject("display");
    display.set("args", call.args());
    ObjectNode block = display.putArray("allows").addObject();
    block.putArray("grants").add(call.service() + ":" + call.action() + ":*");
    block.putArray("caveats").add("approval by " + group);
    JsonNode answer = api.post("/v1/approval-requests", body.toString(), gateway).expect(201);
    assertThat(answer.get("requestId").asText()).isEqualTo(id);
    return id;
  }

  /** The HTML of one request's card in the inbox. */
  static String cardOf(String html, String id) {
    int start = html.indexOf("<article class=\"panel request\" aria-labelledby=\"req-" + id + "\"");
    assertThat(start).as("the card of " + id).isNotNegative();
    return html.substring(start, html.indexOf("</article>", start));
  }

  private static String nextData(BlockingQueue<String> lines) throws InterruptedException {
    while (true) {
      String line = lines.poll(10, TimeUnit.SECONDS);
      assertThat(line).as("an event within 10 s").isNotNull();
      if (line.startsWith("data: ")) {
        return line;
      }
    }
  }
}
