package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import dev.mandate.wire.MandateHeaders;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The approvals inbox from end to end, through a real gateway (the HTTP proxy) and a real
 * authority: a call denied for want of an approval waits as a request at the authority, an approver
 * answers it there, the agent learns the answer by polling with its capability and retries once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApprovalRequestFlowTest {
  private static final String PATH = "/repos/octo/hello/issues?state=open";
  private static final Duration ARRIVAL = Duration.ofSeconds(10);

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
  void deniedCall_waitsAtTheAuthority_isApproved_andTheAgentsRetrySucceedsExactlyOnce() {
    String token = needingApproval();
    String tokenId = Capability.decode(token).tokenId();

    // 1. Denied for want of an approval; the denial names the request and where to poll.
    Reply denied = call(token, null);
    assertThat(denied.status()).as(denied.body()).isEqualTo(403);
    assertThat(denied.json().get("code").asText()).isEqualTo("APPROVAL_REQUIRED");
    JsonNode task = denied.json().get("approvalTask");
    String id = task.get("id").asText();
    assertThat(task.get("statusEndpoint").asText())
        .isEqualTo(authority.url() + "/v1/approval-requests/" + id + "/task");
    assertThat(call(token, null).json().at("/approvalTask/id").asText())
        .as("the same call denied again waits in the same request")
        .isEqualTo(id);

    // 2. The request appears at the authority, for the approvers of its group.
    JsonNode pending = awaitRequest(id);
    assertThat(pending.get("status").asText()).isEqualTo("pending");
    assertThat(pending.get("tokenId").asText()).isEqualTo(tokenId);
    assertThat(pending.get("requestedBy").asText()).isEqualTo("gateway");
    assertThat(pending.get("approverGroups").get(0).asText()).isEqualTo("finance");
    assertThat(pending.at("/request/resource").asText()).isEqualTo("/repos/octo/hello");
    assertThat(pending.at("/request/args/state").asText()).isEqualTo("open");
    assertThat(pending.get("requestDigest").asText())
        .isEqualTo(denied.json().get("requestDigest").asText());
    assertThat(pending.at("/display/allows/0/grants/0").asText())
        .isEqualTo("api:list_issues:/repos/octo/**");
    assertThat(pending.at("/display/allows/1/caveats/0").asText()).isEqualTo("approval by finance");
    assertThat(pending.toString()).doesNotContain(token);
    assertThat(poll(id, token).at("/task/status").asText()).isEqualTo("pending");

    // 3. An approver approves it through the API; the agent's poll gets the approval.
    authority.api().answerApprovalRequest(authority.auth("approver"), id, true, null);
    JsonNode approved = poll(id, token);
    assertThat(approved.at("/task/status").asText()).isEqualTo("approved");
    String approval = approved.at("/result/approval_context/mandate_approval").asText();
    assertThat(Approval.of(approval).claims().requestDigest())
        .isEqualTo(denied.json().get("requestDigest").asText());

    // 4. The retry with it succeeds, once; the second retry is denied.
    Reply retried = call(token, approval);
    assertThat(retried.status()).as(retried.body()).isEqualTo(200);
    assertThat(retried.body()).doesNotContain(approval);
    Reply again = call(token, approval);
    assertThat(again.status()).as(again.body()).isEqualTo(403);
    assertThat(again.json().get("code").asText()).isEqualTo("APPROVAL_INVALID");

    // 5. The same call once more, without an approval, asks anew.
    Reply anew = call(token, null);
    assertThat(anew.json().get("code").asText()).isEqualTo("APPROVAL_REQUIRED");
    assertThat(anew.json().at("/approvalTask/id").asText()).isNotEqualTo(id);
  }

  @Test
  void aRefusedCall_isToldToTheAgent_andNoApprovalExists() {
    String token = needingApproval();
    String id = call(token, null).json().at("/approvalTask/id").asText();
    awaitRequest(id);

    authority.api().answerApprovalRequest(authority.auth("approver"), id, false, "not today");

    JsonNode refused = poll(id, token);
    assertThat(refused.at("/task/status").asText()).isEqualTo("denied");
    assertThat(refused.at("/task/display/description").asText()).contains("not today");
    assertThat(refused.has("result")).isFalse();
    assertThat(call(token, null).json().at("/approvalTask/id").asText())
        .as("the refused call keeps its refused request")
        .isEqualTo(id);
  }

  @Test
  void theAgentsPoll_needsItsOwnCapability() {
    String token = needingApproval();
    String other = needingApproval();
    String id = call(token, null).json().at("/approvalTask/id").asText();
    awaitRequest(id);

    Reply foreign = authority.api().approvalTask(id, other, 0);

    assertThat(foreign.problemCode(404)).isEqualTo("unknown_task");
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A bearer capability for list_issues under /repos/octo whose calls need finance's approval. */
  private String needingApproval() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    return Capability.decode(token).attenuate().requireApproval("finance").sign().toText();
  }

  /** Waits for the gateway's recording to reach the authority; the request as approvers see it. */
  private JsonNode awaitRequest(String id) {
    String approver = authority.auth("approver");
    Await.until(
        ARRIVAL,
        () -> authority.api().get("/v1/approval-requests/" + id, approver).status() == 200);
    return authority.api().get("/v1/approval-requests/" + id, approver).expect(200);
  }

  private JsonNode poll(String id, String token) {
    return authority.api().approvalTask(id, token, 0).expect(200);
  }

  private Reply call(String token, String approval) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.url() + PATH))
            .header("Authorization", "Bearer " + token);
    if (approval != null) {
      b.header(MandateHeaders.APPROVAL, approval);
    }
    return Http.send(b.GET());
  }
}
