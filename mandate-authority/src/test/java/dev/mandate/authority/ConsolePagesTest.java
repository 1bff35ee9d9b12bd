package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.testkit.ConsoleBrowser;
import dev.mandate.testkit.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overview, audit, and clients and policy pages, read as HTML. */
class ConsolePagesTest {
  /** Text a hostile agent or gateway puts where the console will show it. */
  private static final String SCRIPT = "<script>alert('x')</script>";

  private static final String IMG = "<img src=x onerror=alert(1)>";

  @TempDir Path tmp;
  private ConsoleTests console;
  private ConsoleBrowser olivia;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(
        tmp.resolve("tests.yaml"),
        """
        tests:
          - name: agent reads 2024 invoices
            request: {client: agent, grants: ["fs:read_text_file:/data/invoices/2024/**"], ttl: 15m}
            expect: allow
          - name: "agent reads all invoices <b>wrongly</b>"
            request: {client: agent, grants: ["fs:read_text_file:/data/invoices/**"], ttl: 15m}
            expect: allow
        """);
    console = new ConsoleTests(tmp);
    console.person("olivia", "operator");
    olivia = console.signedIn("olivia");
  }

  @AfterEach
  void stop() {
    console.close();
  }

  /** A gateway's decision record whose every field is hostile. */
  private void hostileDenial() {
    String gateway = console.api.clientAuth("gateway-1");
    String event =
        AuthorityTests.JSON
            .createObjectNode()
            .put("type", "decision")
            .put("actor", SCRIPT)
            .put("tokenId", IMG)
            .put("clientId", "\"><script>alert(2)</script>")
            .put("at", AuthorityTests.NOW.toString())
            .set(
                "detail",
                AuthorityTests.JSON
                    .createObjectNode()
                    .put("decision", "deny")
                    .put("service", "fs")
                    .put("action", SCRIPT)
                    .put("resource", "javascript:alert(3)")
                    .put("reason", "</pre>" + SCRIPT))
            .toString();
    console
        .api
        .post("/v1/audit/batches", "{\"batchId\":\"b1\",\"events\":[" + event + "]}", gateway)
        .expect(201);
  }

  private static void assertEscaped(String html) {
    String withoutAssets =
        html.replaceAll("<script src=\"/console/assets/[a-z0-9-]+\\.js\" defer></script>", "");
    assertThat(withoutAssets)
        .doesNotContain("<script", "<img")
        .doesNotContainPattern("<[a-z]+[^>]*\\son[a-z]+=");
    assertThat(html).doesNotContain("href=\"javascript:");
  }

  @Test
  void theAuditPage_showsHostileRecordsAsText() {
    hostileDenial();

    Reply page = olivia.get("/console/audit");

    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body())
        .contains("&lt;script&gt;alert(")
        .contains("&lt;img src=x onerror=alert(1)&gt;")
        .contains("&lt;/pre&gt;&lt;script&gt;")
        .contains("javascript:alert(3)");
    assertEscaped(page.body());
    assertThat(page.body())
        .as("the token's search link is URL-encoded")
        .contains("href=\"/console/audit?token=%3Cimg+src%3Dx+onerror%3Dalert%281%29%3E\"");
  }

  @Test
  void theOverview_countsRecentDenials_andShowsTheLatestAsText() {
    hostileDenial();

    Reply page = olivia.get("/console");

    assertThat(page.body()).contains("calls denied in the last 24 hours");
    assertThat(number(page.body(), "calls denied in the last 24 hours")).isEqualTo("1");
    assertThat(page.body()).contains("&lt;script&gt;alert(").contains("javascript:alert(3)");
    assertEscaped(page.body());
  }

  @Test
  void theAuditSearch_filtersByTypeClientTokenTimeAndText() {
    console.person("pat", "approver");
    console.browser().signIn("pat", "wrong password", null);
    hostileDenial();

    String byType = olivia.get("/console/audit?type=signin").body();
    String byText = olivia.get("/console/audit?text=wrong").body();
    String byClient = olivia.get("/console/audit?client=gateway-1").body();
    String byTime =
        olivia.get("/console/audit?from=2025-06-01T12:00&to=2025-06-01T12:00:01").body();
    String later = olivia.get("/console/audit?from=2025-06-02T00:00").body();
    Reply bad = olivia.get("/console/audit?from=yesterday");

    assertThat(byType).contains("signin.failed").doesNotContain("person.create");
    assertThat(byText).as("the free text is not in any record").contains("No record matches.");
    assertThat(olivia.get("/console/audit?text=PASSWORD").body()).contains("reason");
    assertThat(byClient).contains("client.create").doesNotContain("signin.failed");
    assertThat(byTime).contains("signin.failed", "client.create");
    assertThat(later).contains("No record matches.");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("must be a time such as");
  }

  @Test
  void theAuditPage_pagesBackInFifties() {
    for (int i = 0; i < 60; i++) {
      // Past the address's failure budget (30 a minute), as failures trickling in would be.
      console.clock.set(AuthorityTests.NOW.plusSeconds(10L * i));
      console.browser().signIn("nobody" + i, "wrong password", null);
    }
    String first = olivia.get("/console/audit?type=signin.failed").body();
    Matcher older = Pattern.compile("href=\"(/console/audit\\?before=\\d+[^\"]*)\"").matcher(first);
    assertThat(older.find()).as("a link to older records").isTrue();
    String second = olivia.get(older.group(1).replace("&amp;", "&")).body();

    assertThat(first).contains("nobody59").doesNotContain("nobody9<");
    assertThat(second).contains("nobody0").doesNotContain("nobody59");
  }

  @Test
  void verifyingTheChain_saysItHolds_thenNamesTheRecordThatWasEdited() throws Exception {
    hostileDenial();
    Reply ok = olivia.get("/console/audit/verify");
    assertThat(ok.body()).contains("The chain holds: all").contains("records verified");

    long edited;
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("data/mandate.db"));
        Statement s = c.createStatement()) {
      ResultSet rs = s.executeQuery("SELECT sequence FROM audit_log WHERE type = 'decision'");
      rs.next();
      edited = rs.getLong(1);
      s.executeUpdate(
          "UPDATE audit_log SET detail = '{\"decision\":\"allow\"}' WHERE sequence = " + edited);
    }
    Reply broken = olivia.get("/console/audit/verify");

    assertThat(broken.body())
        .contains("The chain is broken at record <strong>" + edited + "</strong>")
        .contains("href=\"/console/audit/verify?before=" + (edited + 1) + "\"")
        .contains("breaks the chain");
    // The link shows the broken record first, marked, however far back it is.
    String shown = olivia.get("/console/audit/verify?before=" + (edited + 1)).body();
    assertThat(shown).contains("allow").doesNotContain("javascript:alert(3)");
    assertThat(shown.substring(shown.indexOf("<tbody>")))
        .containsPattern("^<tbody>\\s*<tr class=\"broken\">\\s*<td>" + edited + " <span");
  }

  @Test
  void theClientsPage_showsWhatEachMayMint_andThePolicysTestResults() {
    console.api.clientAuth("agent");

    Reply page = olivia.get("/console/clients");

    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body())
        .contains("<span class=\"mono\">agent</span>")
        .contains(
            "use <strong>read_text_file</strong> of <strong>fs</strong> on <code>/data/invoices/{year}/**</code>")
        .contains("{year} is any value matching 20[0-9]{2}")
        .contains("Capabilities live at most 1h.")
        .contains("Is a gateway")
        .contains("1 of 2 tests fail")
        .contains("agent reads all invoices &lt;b&gt;wrongly&lt;/b&gt;")
        .contains("badge-ok\">pass", "badge-bad\">fail");
    assertThat(page.body())
        .as("gateway-1 is in the policy but not registered")
        .contains("not registered");
  }

  @Test
  void anApprover_cannotOpenTheAuditOrClientsPages() {
    console.person("abe", "approver", "finance");
    ConsoleBrowser abe = console.signedIn("abe");

    assertThat(abe.get("/console/audit").status()).isEqualTo(403);
    assertThat(abe.get("/console/audit/verify").status()).isEqualTo(403);
    assertThat(abe.get("/console/clients").status()).isEqualTo(403);
    assertThat(abe.get("/console").body()).doesNotContain("calls denied");
  }

  private static String number(String html, String label) {
    Matcher m =
        Pattern.compile(
                "<span class=\"number\">([^<]*)</span>\\s*<span class=\"label\">"
                    + Pattern.quote(label))
            .matcher(html);
    return m.find() ? m.group(1).strip() : null;
  }
}
