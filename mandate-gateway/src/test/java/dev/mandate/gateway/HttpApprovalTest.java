package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import dev.mandate.token.Request;
import dev.mandate.wire.MandateHeaders;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Approvals ({@code Mandate-Approval}) at the HTTP reverse proxy, in front of a real upstream and
 * against a real authority.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApprovalTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PATH = "/repos/octo/hello/issues?state=open";

  @TempDir static Path tmp;
  private Stack authority;
  private GatewayServer gateway;

  @BeforeAll
  void start() throws Exception {
    authority = ProxySetup.sharedStack();
    gateway = ProxySetup.startProxy(authority, tmp.resolve("spool"));
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  @Test
  void withoutAnApproval_is403ApprovalRequired_sayingWhatToAskFor() {
    String token = needingApproval("finance", "owners");

    Reply r = call(PATH, token, Map.of());

    assertThat(r.status()).as(r.body()).isEqualTo(403);
    JsonNode json = r.json();
    assertThat(json.get("title").asText()).isEqualTo("Forbidden");
    assertThat(json.get("code").asText()).isEqualTo("APPROVAL_REQUIRED");
    assertThat(json.get("tokenId").asText()).isEqualTo(Capability.decode(token).tokenId());
    assertThat(json.get("requestDigest").asText())
        .isEqualTo(Approval.requestDigest(listIssues("open")));
    assertThat(json.get("detail").asText()).contains(json.get("requestDigest").asText());
    assertThat(json.get("approverGroups"))
        .extracting(JsonNode::asText)
        .containsExactly("finance", "owners");
    JsonNode request = json.get("request");
    assertThat(request.get("audience").asText()).isEqualTo(ProxySetup.AUDIENCE);
    assertThat(request.get("service").asText()).isEqualTo("api");
    assertThat(request.get("action").asText()).isEqualTo("list_issues");
    assertThat(request.get("resource").asText()).isEqualTo("/repos/octo/hello");
    assertThat(request.get("args")).isEqualTo(listIssues("open").args());
  }

  @Test
  void anApprovalFromTheAuthority_allowsExactlyItsCall_once_andTheUpstreamNeverSeesIt() {
    String token =
        ProxySetup.mint(
            authority, "api:list_issues:/repos/octo/**", "\"requireApproval\":[\"finance\"]");
    String tokenId = Capability.decode(token).tokenId();

    // 1. Without an approval: denied, with what to ask for.
    Reply none = call(PATH, token, Map.of());
    assertThat(none.status()).as(none.body()).isEqualTo(403);
    assertThat(none.json().get("code").asText()).isEqualTo("APPROVAL_REQUIRED");
    assertThat(none.json().get("requestDigest").asText())
        .isEqualTo(Approval.requestDigest(listIssues("open")));

    // 2. A person approves exactly that call at the authority; the call then goes through.
    String approval = ProxySetup.approve(authority, tokenId, none.json().get("request"));
    assertThat(Approval.of(approval).claims().requestDigest())
        .isEqualTo(none.json().get("requestDigest").asText());
    Reply approved = call(PATH, token, Map.of(MandateHeaders.APPROVAL, approval));
    assertThat(approved.status()).as(approved.body()).isEqualTo(200);
    JsonNode upstreamSaw = approved.json().get("headers");
    assertThat(upstreamSaw.has("mandate-approval")).isFalse();
    upstreamSaw.fieldNames().forEachRemaining(h -> assertThat(h).doesNotStartWith("mandate-"));
    assertThat(approved.body()).doesNotContain(approval);

    // 3. The same approval again: used up.
    Reply again = call(PATH, token, Map.of(MandateHeaders.APPROVAL, approval));
    assertThat(again.status()).as(again.body()).isEqualTo(403);
    assertThat(again.json().get("code").asText()).isEqualTo("APPROVAL_INVALID");
    assertThat(again.json().get("detail").asText()).contains("already used");

    // The audit trail names the approval by id, never by text.
    String approvalId = Approval.of(approval).claims().approvalId();
    Await.until(Duration.ofSeconds(10), () -> ProxySetup.decisions(authority, tokenId).size() == 3);
    JsonNode decisions = ProxySetup.decisions(authority, tokenId);
    assertThat(decisions.toString()).doesNotContain(approval.substring(6));
    assertThat(decisions)
        .filteredOn(d -> d.get("detail").get("decision").asText().equals("allow"))
        .singleElement()
        .satisfies(
            d -> assertThat(d.get("detail").get("approvalId").asText()).isEqualTo(approvalId));
  }

  @Test
  void anApprovalForOtherArguments_doesNotOpenThisCall_andStaysUnused() {
    String token =
        ProxySetup.mint(
            authority, "api:list_issues:/repos/octo/**", "\"requireApproval\":[\"finance\"]");
    String tokenId = Capability.decode(token).tokenId();
    JsonNode closedRequest = call(closed(), token, Map.of()).json().get("request");
    String forClosed = ProxySetup.approve(authority, tokenId, closedRequest);

    Reply open = call(PATH, token, Map.of(MandateHeaders.APPROVAL, forClosed));

    assertThat(open.status()).as(open.body()).isEqualTo(403);
    assertThat(open.json().get("code").asText()).isEqualTo("APPROVAL_INVALID");
    assertThat(open.json().get("detail").asText()).contains("for another call");
    assertThat(call(closed(), token, Map.of(MandateHeaders.APPROVAL, forClosed)).status())
        .as("a refused approval is not used up")
        .isEqualTo(200);
  }

  @Test
  void anApprovalForAnotherCapability_doesNotOpenThisOne() {
    String grant = "api:list_issues:/repos/octo/**";
    String requireApproval = "\"requireApproval\":[\"finance\"]";
    String mine = ProxySetup.mint(authority, grant, requireApproval);
    String other = ProxySetup.mint(authority, grant, requireApproval);
    JsonNode request = call(PATH, other, Map.of()).json().get("request");
    String forOther = ProxySetup.approve(authority, Capability.decode(other).tokenId(), request);

    Reply r = call(PATH, mine, Map.of(MandateHeaders.APPROVAL, forOther));

    assertThat(r.status()).as(r.body()).isEqualTo(403);
    assertThat(r.json().get("code").asText()).isEqualTo("APPROVAL_INVALID");
    assertThat(r.json().get("detail").asText()).contains("another capability");
  }

  @Test
  void approverGroups_areThoseEveryApprovalCaveatAccepts() {
    String token =
        Capability.decode(needingApproval("finance", "owners"))
            .attenuate()
            .requireApproval("owners", "legal")
            .sign()
            .toText();

    Reply r = call(PATH, token, Map.of());

    assertThat(r.json().get("approverGroups"))
        .extracting(JsonNode::asText)
        .containsExactly("owners");
  }

  @Test
  void anApprovalNotSignedByTheAuthority_is403ApprovalInvalid_andAuditedByIdOnly()
      throws Exception {
    String token = needingApproval("finance");
    String tokenId = Capability.decode(token).tokenId();
    String forged =
        Approval.issue(
                SigningKey.generate(RANDOM),
                tokenId,
                listIssues("open"),
                "finance",
                Instant.now().plus(Duration.ofMinutes(5)),
                RANDOM)
            .text();

    Reply r = call(PATH, token, Map.of(MandateHeaders.APPROVAL, forged));

    assertThat(r.status()).as(r.body()).isEqualTo(403);
    assertThat(r.json().get("code").asText()).isEqualTo("APPROVAL_INVALID");
    assertThat(r.json().get("detail").asText()).contains("not signed by a trusted authority key");
    assertThat(r.json().has("requestDigest")).isFalse();
    Await.until(Duration.ofSeconds(10), () -> ProxySetup.decisions(authority, tokenId).size() == 1);
    JsonNode record = ProxySetup.decisions(authority, tokenId).get(0);
    assertThat(record.get("detail").get("code").asText()).isEqualTo("APPROVAL_INVALID");
    assertThat(record.get("detail").get("approvalId").asText())
        .isEqualTo(Approval.of(forged).claims().approvalId());
    assertThat(record.toString()).doesNotContain(forged).doesNotContain("mnda1_");
  }

  @Test
  void aMalformedApproval_is403ApprovalInvalid() {
    String token = needingApproval("finance");

    Reply r = call(PATH, token, Map.of(MandateHeaders.APPROVAL, "mnda1_not-an-approval"));

    assertThat(r.status()).as(r.body()).isEqualTo(403);
    assertThat(r.json().get("code").asText()).isEqualTo("APPROVAL_INVALID");
  }

  @Test
  void anOversizedApprovalHeader_orTwoOfThem_is400_andNothingIsDecidedOrForwarded() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    String oversized = "mnda1_" + "A".repeat(ApprovalHeader.MAX_CHARS);

    Reply big = call(PATH, token, Map.of(MandateHeaders.APPROVAL, oversized));

    assertThat(big.status()).as(big.body()).isEqualTo(400);
    assertThat(big.json().get("code").asText()).isEqualTo("bad_request");
    assertThat(big.json().get("detail").asText())
        .contains("Mandate-Approval")
        .contains("at most 512");
    assertThat(big.body()).doesNotContain(oversized);
    assertThat(big.json().has("headers")).as("not the upstream's echo").isFalse();

    HttpRequest.Builder two =
        HttpRequest.newBuilder(URI.create(gateway.url() + PATH))
            .header("Authorization", "Bearer " + token)
            .header(MandateHeaders.APPROVAL, "mnda1_a")
            .header(MandateHeaders.APPROVAL, "mnda1_b");
    Reply twice = Http.send(two);
    assertThat(twice.status()).as(twice.body()).isEqualTo(400);
    assertThat(twice.json().get("detail").asText()).contains("at most one");
    assertThat(twice.json().has("headers")).as("not the upstream's echo").isFalse();
  }

  @Test
  void aCapabilityWithoutAnApprovalCaveat_ignoresAnApproval_butTheUpstreamNeverSeesIt() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);

    Reply r = call(PATH, token, Map.of(MandateHeaders.APPROVAL, "mnda1_whatever"));

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode headers = r.json().get("headers");
    assertThat(headers.has("mandate-approval")).isFalse();
    assertThat(r.body()).doesNotContain("mnda1_");
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A bearer token for list_issues under /repos/octo whose calls need approval by a group. */
  private String needingApproval(String... groups) {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    return Capability.decode(token).attenuate().requireApproval(groups).sign().toText();
  }

  private static String closed() {
    return PATH.replace("state=open", "state=closed");
  }

  /** The request the gateway builds for GET {@link #PATH} with this state. */
  private static Request listIssues(String state) {
    ObjectNode args =
        ProxySetup.JSON
            .createObjectNode()
            .put("owner", "octo")
            .put("repo", "hello")
            .put("state", state);
    return new Request(ProxySetup.AUDIENCE, "api", "list_issues", "/repos/octo/hello", args, null);
  }

  private Reply call(String path, String token, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.url() + path))
            .header("Authorization", "Bearer " + token);
    headers.forEach(b::header);
    return Http.send(b.GET());
  }
}
