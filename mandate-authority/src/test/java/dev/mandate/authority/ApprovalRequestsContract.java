package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.ApprovalEndpointsContract.TestClock;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Approval;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import dev.mandate.token.Verifier;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Approval requests against a real running authority: a gateway records a denied call, approvers
 * answer it (M of N per group), the agent polls for the approval with its capability. Run on SQLite
 * and on PostgreSQL by the subclasses. One authority serves the class (registering its clients
 * costs seconds): each test mints its own capabilities and looks only at their requests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ApprovalRequestsContract {
  static final String POLICY =
      """
      version: 1
      clients:
        admin:
          admin: true
          grants: ["mail:send_email:*"]
          maxTtl: 1h
        agent:
          grants: ["mail:send_email:*", "bank:pay:*"]
          maxTtl: 1h
          approves: [ops]
        ops-desk:
          approves: [ops]
          maxTtl: 5m
        finance-1:
          approves: [finance]
          maxTtl: 5m
        finance-2:
          approves: [finance]
          maxTtl: 5m
        legal-desk:
          approves: [legal]
          maxTtl: 5m
        gateway:
          role: gateway
      approvals:
        requestTtl: 20m
        groups:
          finance: {required: 2}
      """;

  @TempDir static Path tmp;
  final TestClock clock = new TestClock(AuthorityTests.NOW);
  AuthorityConfig.Builder config;
  AuthorityServer server;
  AuthorityApi authority;
  String agent;
  String gateway;
  String opsDesk;
  String finance1;
  String finance2;
  String legalDesk;

  /** Adjusts the configuration for the database under test (SQLite needs nothing). */
  abstract AuthorityConfig.Builder database(AuthorityConfig.Builder config) throws Exception;

  @BeforeAll
  void start() throws Exception {
    Files.writeString(tmp.resolve("policy.yaml"), POLICY);
    config = database(AuthorityTests.config(tmp).clock(clock));
    server = AuthorityServer.start(config.build());
    authority = AuthorityTests.api(server);
    agent = authority.clientAuth("agent");
    gateway = authority.clientAuth("gateway");
    opsDesk = authority.clientAuth("ops-desk");
    finance1 = authority.clientAuth("finance-1");
    finance2 = authority.clientAuth("finance-2");
    legalDesk = authority.clientAuth("legal-desk");
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void resetClock() {
    clock.set(AuthorityTests.NOW);
  }

  // ---- recording and polling ----

  @Test
  void aRecordedCall_isPending_forTheAgent_andInTheInboxOfItsGroupsApprovers() {
    AuthorityApi.Minted m = mint("ops");
    String id = newId();

    Reply created = record(gateway, id, m, email("bob@example.com"), "ops");

    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().get("requestId").asText()).isEqualTo(id);
    assertThat(created.json().get("statusEndpoint").asText())
        .isEqualTo(server.url() + "/v1/approval-requests/" + id + "/task");
    JsonNode task = authority.approvalTask(id, m.token(), 0).expect(200);
    assertThat(task.at("/task/id").asText()).isEqualTo(id);
    assertThat(task.at("/task/status").asText()).isEqualTo("pending");
    assertThat(task.at("/task/status_endpoint").asText())
        .isEqualTo(created.json().get("statusEndpoint").asText());
    assertThat(task.at("/task/expires_at").asText())
        .isEqualTo(AuthorityTests.NOW.plus(Duration.ofMinutes(20)).toString());
    assertThat(task.at("/task/progress/awaiting").get(0).asText()).isEqualTo("ops");
    assertThat(task.has("result")).isFalse();

    List<JsonNode> inbox = inbox(opsDesk, m);
    assertThat(inbox).hasSize(1);
    JsonNode r = inbox.get(0);
    assertThat(r.get("requestId").asText()).isEqualTo(id);
    assertThat(r.get("status").asText()).isEqualTo("pending");
    assertThat(r.get("client").asText()).isEqualTo("agent");
    assertThat(r.get("requestedBy").asText()).isEqualTo("gateway");
    assertThat(r.at("/request/resource").asText()).isEqualTo("bob@example.com");
    assertThat(r.at("/request/args/subject").asText()).isEqualTo("Invoice");
    assertThat(r.at("/display/allows/0/grants/0").asText()).isEqualTo("mail:send_email:*");
    assertThat(r.get("requestDigest").asText())
        .isEqualTo(Approval.requestDigest(email("bob@example.com")));
    assertThat(inbox(finance1, m)).as("not finance's request").isEmpty();
  }

  @Test
  void onlyAGateway_mayRecordARequest() {
    AuthorityApi.Minted m = mint("ops");

    Reply byAgent = record(agent, newId(), m, email("bob@example.com"), "ops");
    Reply byApprover = record(opsDesk, newId(), m, email("bob@example.com"), "ops");

    assertThat(byAgent.problemCode(403)).isEqualTo("not_a_gateway");
    assertThat(byApprover.problemCode(403)).isEqualTo("not_a_gateway");
    assertThat(inbox(opsDesk, m)).isEmpty();
  }

  @Test
  void theSameCall_recordedAgain_isTheSameRequest_underEitherId() {
    AuthorityApi.Minted m = mint("ops");
    String first = newId();
    String second = newId();

    Reply a = record(gateway, first, m, email("bob@example.com"), "ops");
    Reply again = record(gateway, first, m, email("bob@example.com"), "ops");
    Reply other = record(gateway, second, m, email("bob@example.com"), "ops");
    Reply otherCall = record(gateway, newId(), m, email("eve@example.com"), "ops");

    assertThat(a.status()).isEqualTo(201);
    assertThat(again.status()).isEqualTo(200);
    assertThat(other.status()).isEqualTo(200);
    assertThat(other.json().get("requestId").asText()).isEqualTo(first);
    assertThat(otherCall.status()).isEqualTo(201);
    assertThat(inbox(opsDesk, m)).hasSize(2);
    authority.answerApprovalRequest(opsDesk, first, true, null);
    assertThat(authority.approvalTask(second, m.token(), 0).expect(200).at("/task/status").asText())
        .isEqualTo("approved");
    assertThat(authority.approvalTask(second, m.token(), 0).expect(200).at("/task/id").asText())
        .isEqualTo(second);
  }

  @Test
  void recording_refusesUnknownAndExpiredTokens_andBadInput() {
    AuthorityApi.Minted m = mint("ops");
    Reply unknown =
        record(
            gateway,
            newId(),
            new AuthorityApi.Minted(m.token(), "0".repeat(32), List.of()),
            email("x"),
            "ops");
    assertThat(unknown.problemCode(404)).isEqualTo("not_found");
    assertThat(record(gateway, "short", m, email("x"), "ops").problemCode(400))
        .isEqualTo("invalid_id");
    assertThat(record(gateway, newId(), m, email("x"), "Ops").problemCode(400))
        .isEqualTo("invalid_field");
    clock.set(AuthorityTests.NOW.plus(Duration.ofHours(2)));
    assertThat(record(gateway, newId(), m, email("x"), "ops").problemCode(409))
        .isEqualTo("token_expired");
  }

  @Test
  void aCapability_mayHaveAtMost64PendingRequests() {
    AuthorityApi.Minted m = mint("ops");
    for (int i = 0; i < ApprovalRequests.MAX_PENDING_PER_TOKEN; i++) {
      assertThat(record(gateway, newId(), m, email("r" + i), "ops").status()).isEqualTo(201);
    }

    Reply over = record(gateway, newId(), m, email("one-more"), "ops");

    assertThat(over.problemCode(429)).isEqualTo("too_many_pending");
  }

  // ---- the agent's poll ----

  @Test
  void thePoll_needsTheRequestsCapability_andTellsNothingToAnyoneElse() {
    AuthorityApi.Minted m = mint("ops");
    AuthorityApi.Minted other = mint("ops");
    String id = newId();
    record(gateway, id, m, email("bob@example.com"), "ops").expect(201);
    authority.answerApprovalRequest(opsDesk, id, true, null);

    Reply none = authority.get("/v1/approval-requests/" + id + "/task", null);
    Reply basic = authority.get("/v1/approval-requests/" + id + "/task", agent);
    Reply foreign = authority.approvalTask(id, other.token(), 0);
    Reply garbage = authority.approvalTask(id, "mnd1_garbage", 0);
    Reply unknownId = authority.approvalTask(newId(), m.token(), 0);
    Reply mine = authority.approvalTask(id, m.token(), 0);

    assertThat(none.status()).isEqualTo(401);
    assertThat(basic.status()).isEqualTo(401);
    for (Reply r : List.of(foreign, garbage, unknownId)) {
      assertThat(r.problemCode(404)).isEqualTo("unknown_task");
      assertThat(r.body()).doesNotContain(Approval.TEXT_PREFIX).doesNotContain(id);
    }
    assertThat(mine.status()).isEqualTo(200);
    assertThat(mine.body()).contains(Approval.TEXT_PREFIX);

    authority.revoke(authority.admin(), m.tokenId(), null, "stolen");
    assertThat(authority.approvalTask(id, m.token(), 0).problemCode(404))
        .as("a revoked capability learns nothing")
        .isEqualTo("unknown_task");
  }

  @Test
  void approved_theAgentGetsTodaysApproval_forExactlyThatCall_usableOnce() {
    AuthorityApi.Minted m = mint("ops");
    String id = newId();
    Request call = email("bob@example.com");
    record(gateway, id, m, call, "ops").expect(201);

    JsonNode answered = authority.answerApprovalRequest(opsDesk, id, true, null);

    assertThat(answered.get("status").asText()).isEqualTo("approved");
    assertThat(answered.toString()).doesNotContain(Approval.TEXT_PREFIX);
    JsonNode task = authority.approvalTask(id, m.token(), 0).expect(200);
    assertThat(task.at("/task/status").asText()).isEqualTo("approved");
    assertThat(task.at("/result/mode").asText()).isEqualTo("reevaluate");
    String approval = task.at("/result/approval_context/mandate_approval").asText();
    Approval.Claims claims = Approval.of(approval).claims();
    assertThat(claims.tokenId()).isEqualTo(m.tokenId());
    assertThat(claims.group()).isEqualTo("ops");
    assertThat(claims.requestDigest()).isEqualTo(Approval.requestDigest(call));
    assertThat(task.at("/result/approval/id").asText()).isEqualTo(claims.approvalId());
    assertThat(task.at("/result/approval/approved_until").asText())
        .isEqualTo(AuthorityTests.NOW.plus(Duration.ofMinutes(10)).toString());
    assertThat(
            authority
                .approvalTask(id, m.token(), 0)
                .expect(200)
                .at("/result/approval_context/mandate_approval")
                .asText())
        .as("the same approval on every poll, so the call is approved once")
        .isEqualTo(approval);

    Verifier verifier = ApprovalEndpointsContract.verifier(authority, clock);
    Presentation p = Presentation.of(m.token()).withApproval(Approval.of(approval));
    Decision first = verifier.authorize(p, call);
    assertThat(first.allowed()).as(first.reason()).isTrue();
    assertThat(verifier.authorize(p, call).code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    assertThat(verifier.authorize(p, email("eve@example.com")).code())
        .isEqualTo(Decision.Code.APPROVAL_INVALID);
  }

  @Test
  void aLongPoll_returnsWhenTheRequestIsAnswered() throws Exception {
    AuthorityApi.Minted m = mint("ops");
    String id = newId();
    record(gateway, id, m, email("bob@example.com"), "ops").expect(201);

    CompletableFuture<Reply> poll =
        CompletableFuture.supplyAsync(() -> authority.approvalTask(id, m.token(), 25_000));
    authority.answerApprovalRequest(opsDesk, id, true, null);

    // Whether the poll arrived before the approval (and waited for it) or after, it answers
    // "approved", long before its 25 s are up; only a poll that does not wait answers "pending".
    Reply r = poll.get(15, TimeUnit.SECONDS);
    assertThat(r.json().at("/task/status").asText()).isEqualTo("approved");
  }

  @Test
  void theEventStream_sendsTheTask_thenItsChanges_andEndsWhenDecided() throws Exception {
    AuthorityApi.Minted m = mint("finance");
    String id = newId();
    record(gateway, id, m, payment(900), "finance").expect(201);
    HttpRequest request =
        authority
            .request("/v1/approval-requests/" + id + "/task", "Bearer " + m.token())
            .header("Accept", "text/event-stream")
            .GET()
            .build();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    HttpResponse<Stream<String>> response =
        HttpClient.newHttpClient()
            .sendAsync(request, HttpResponse.BodyHandlers.ofLines())
            .get(5, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    AuthorityTests.assertEventStreamHeaders(response.headers());
    CompletableFuture<Void> reader =
        CompletableFuture.runAsync(() -> response.body().forEach(lines::add));

    assertThat(nextEvent(lines)).contains("\"status\":\"pending\"").contains("\"approvals\":0");
    authority.answerApprovalRequest(finance1, id, true, null);
    assertThat(nextEvent(lines)).contains("\"status\":\"pending\"").contains("\"approvals\":1");
    authority.answerApprovalRequest(finance2, id, true, null);
    assertThat(nextEvent(lines)).contains("\"status\":\"approved\"").contains(Approval.TEXT_PREFIX);
    reader.get(5, TimeUnit.SECONDS); // the stream ended after the decision
  }

  // ---- answers ----

  @Test
  void mOfN_theApprovalIsIssuedOnlyWhenTwoDistinctFinanceApproversApproved() {
    AuthorityApi.Minted m = mint("finance");
    String id = newId();
    record(gateway, id, m, payment(900), "finance").expect(201);

    JsonNode one = authority.answerApprovalRequest(finance1, id, true, null);
    Reply twice = authority.post("/v1/approval-requests/" + id + "/approve", "{}", finance1);
    JsonNode pending = authority.approvalTask(id, m.token(), 0).expect(200);
    JsonNode two = authority.answerApprovalRequest(finance2, id, true, null);

    assertThat(one.get("status").asText()).isEqualTo("pending");
    assertThat(one.at("/progress/0/approvals").asInt()).isEqualTo(1);
    assertThat(one.at("/progress/0/required").asInt()).isEqualTo(2);
    assertThat(twice.problemCode(409)).isEqualTo("already_answered");
    assertThat(pending.at("/task/status").asText()).isEqualTo("pending");
    assertThat(pending.at("/task/dev.mandate~1quorum/0/approvals").asInt()).isEqualTo(1);
    assertThat(pending.has("result")).isFalse();
    assertThat(two.get("status").asText()).isEqualTo("approved");
    assertThat(two.get("answers").findValuesAsText("approver"))
        .containsExactly("client:finance-1", "client:finance-2");
    assertThat(authority.approvalTask(id, m.token(), 0).expect(200).at("/task/status").asText())
        .isEqualTo("approved");
    JsonNode issued = auditOf(m.tokenId(), "approve");
    assertThat(issued.at("/detail/approvers/0").asText()).isEqualTo("client:finance-1");
    assertThat(issued.at("/detail/approvers/1").asText()).isEqualTo("client:finance-2");
  }

  @Test
  void aRefusal_byAnApproverOfAnyOfItsGroups_endsTheRequest_sayingWhoAndWhy() {
    AuthorityApi.Minted m = mint("finance", "legal");
    String id = newId();
    record(gateway, id, m, payment(900), "finance", "legal").expect(201);

    authority.answerApprovalRequest(finance1, id, true, null);
    JsonNode refused =
        authority.answerApprovalRequest(legalDesk, id, false, "not <b>this</b> vendor");
    Reply late = authority.post("/v1/approval-requests/" + id + "/approve", "{}", finance2);

    assertThat(refused.get("status").asText()).isEqualTo("refused");
    JsonNode refusal = refused.get("answers").get(1);
    assertThat(refusal.get("approver").asText()).isEqualTo("client:legal-desk");
    assertThat(refusal.get("answer").asText()).isEqualTo("refuse");
    assertThat(refusal.get("reason").asText()).isEqualTo("not <b>this</b> vendor");
    assertThat(late.problemCode(409)).isEqualTo("request_closed");
    JsonNode task = authority.approvalTask(id, m.token(), 0).expect(200);
    assertThat(task.at("/task/status").asText()).isEqualTo("denied");
    assertThat(task.at("/task/display/description").asText()).contains("not <b>this</b> vendor");
    assertThat(task.toString()).doesNotContain("legal-desk");
    assertThat(task.has("result")).isFalse();
    assertThat(auditOf(m.tokenId(), "approve.refuse").get("actor").asText())
        .isEqualTo("legal-desk");
    assertThat(
            record(gateway, newId(), m, payment(900), "finance", "legal")
                .json()
                .get("requestId")
                .asText())
        .as("a refused call is not asked again while its request lasts")
        .isEqualTo(id);
  }

  @Test
  void anApproverOutsideTheRequestsGroups_is403_andAudited() {
    AuthorityApi.Minted m = mint("finance");
    String id = newId();
    record(gateway, id, m, payment(900), "finance").expect(201);

    Reply wrong = authority.post("/v1/approval-requests/" + id + "/approve", "{}", opsDesk);
    Reply wrongGroup =
        authority.post("/v1/approval-requests/" + id + "/approve", "{\"group\":\"ops\"}", finance1);
    Reply view = authority.get("/v1/approval-requests/" + id, opsDesk);

    assertThat(wrong.problemCode(403)).isEqualTo("approval_denied");
    assertThat(wrong.json().get("detail").asText()).contains("ops-desk").contains("finance");
    assertThat(wrongGroup.problemCode(403)).isEqualTo("approval_denied");
    assertThat(view.problemCode(404)).as("its call is not shown either").isEqualTo("unknown_task");
    JsonNode denied = auditOf(m.tokenId(), "approve.denied");
    assertThat(denied.get("actor").asText()).isEqualTo("ops-desk");
    assertThat(denied.at("/detail/requestId").asText()).isEqualTo(id);
    assertThat(authority.get("/v1/approval-requests/" + id, finance1).expect(200).get("answers"))
        .isEmpty();
  }

  @Test
  void theClientThatMintedTheCapability_mayNotApproveItsCalls() {
    AuthorityApi.Minted m = mint("ops"); // minted by 'agent', which approves for ops
    String id = newId();
    record(gateway, id, m, email("bob@example.com"), "ops").expect(201);

    Reply self = authority.post("/v1/approval-requests/" + id + "/approve", "{}", agent);

    assertThat(self.problemCode(403)).isEqualTo("self_approval");
    assertThat(auditOf(m.tokenId(), "approve.denied").at("/detail/reason").asText())
        .contains("minted");
    assertThat(authority.approvalTask(id, m.token(), 0).expect(200).at("/task/status").asText())
        .isEqualTo("pending");
  }

  @Test
  void anUnansweredRequest_expires_andTakesNoMoreAnswers_andTheCallMayAskAnew() {
    AuthorityApi.Minted m = mint("ops");
    String id = newId();
    record(gateway, id, m, email("bob@example.com"), "ops").expect(201);

    clock.set(AuthorityTests.NOW.plus(Duration.ofMinutes(20)));

    assertThat(authority.approvalTask(id, m.token(), 0).expect(200).at("/task/status").asText())
        .isEqualTo("expired");
    assertThat(
            authority
                .post("/v1/approval-requests/" + id + "/approve", "{}", opsDesk)
                .problemCode(409))
        .isEqualTo("request_closed");
    assertThat(inbox(opsDesk, m)).isEmpty();
    String again = newId();
    assertThat(record(gateway, again, m, email("bob@example.com"), "ops").status()).isEqualTo(201);
    assertThat(
            authority
                .get("/v1/approval-requests/" + id, opsDesk)
                .expect(200)
                .get("status")
                .asText())
        .isEqualTo("expired");
  }

  @Test
  void everyAnswer_isAudited_andTheChainStillVerifies() {
    AuthorityApi.Minted m = mint("finance");
    String id = newId();
    record(gateway, id, m, payment(900), "finance").expect(201);
    authority.answerApprovalRequest(finance1, id, true, null);
    authority.answerApprovalRequest(finance2, id, true, null);

    JsonNode records =
        authority.get("/v1/audit?tokenId=" + m.tokenId(), authority.admin()).json().get("records");

    assertThat(records.findValuesAsText("type"))
        .containsExactly("mint", "approve.request", "approve.answer", "approve.answer", "approve");
    assertThat(records.toString()).doesNotContain(Approval.TEXT_PREFIX);
    assertThat(authority.get("/v1/audit/verify", authority.admin()).json().get("ok").asBoolean())
        .isTrue();
  }

  // ---- POST /v1/approvals alongside requests ----

  @Test
  void postApprovals_onAWaitingCall_answersItsRequest_andReturnsTheSameApprovalTheAgentGets() {
    AuthorityApi.Minted m = mint("ops");
    String id = newId();
    Request call = email("bob@example.com");
    record(gateway, id, m, call, "ops").expect(201);

    Reply r = approveByClient(opsDesk, m.tokenId(), "ops", call);

    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().get("requestId").asText()).isEqualTo(id);
    assertThat(r.json().get("approval").asText())
        .isEqualTo(
            authority
                .approvalTask(id, m.token(), 0)
                .expect(200)
                .at("/result/approval_context/mandate_approval")
                .asText());
  }

  @Test
  void postApprovals_forAGroupThatNeedsTwo_counts_thenIssuesOnTheSecond() {
    AuthorityApi.Minted m = mint("finance");
    Request call = payment(900);

    Reply first = approveByClient(finance1, m.tokenId(), "finance", call);
    Reply second = approveByClient(finance2, m.tokenId(), "finance", call);

    assertThat(first.status()).as(first.body()).isEqualTo(202);
    assertThat(first.json().has("approval")).isFalse();
    assertThat(first.json().at("/progress/0/approvals").asInt()).isEqualTo(1);
    assertThat(second.status()).as(second.body()).isEqualTo(201);
    assertThat(second.json().get("requestId").asText())
        .isEqualTo(first.json().get("requestId").asText());
    assertThat(Approval.of(second.json().get("approval").asText()).claims().group())
        .isEqualTo("finance");
  }

  // ---- durability ----

  @Test
  void aPendingRequest_andItsAnswers_surviveARestart() {
    AuthorityApi.Minted m = mint("finance");
    String id = newId();
    record(gateway, id, m, payment(900), "finance").expect(201);
    authority.answerApprovalRequest(finance1, id, true, null);

    int port = server.port();
    server.close();
    server = AuthorityServer.start(config.port(port).build());

    JsonNode task = authority.approvalTask(id, m.token(), 0).expect(200);
    assertThat(task.at("/task/status").asText()).isEqualTo("pending");
    assertThat(task.at("/task/dev.mandate~1quorum/0/approvals").asInt()).isEqualTo(1);
    authority.answerApprovalRequest(finance2, id, true, null);
    assertThat(authority.approvalTask(id, m.token(), 0).expect(200).at("/task/status").asText())
        .isEqualTo("approved");
  }

  // ---- helpers ----

  /** A capability of 'agent' whose calls need approval by one of {@code groups}. */
  AuthorityApi.Minted mint(String... groups) {
    String require = "\"requireApproval\":" + AuthorityTests.JSON.valueToTree(groups);
    return authority.mint(agent, "1h", "gw-1", require, "mail:send_email:*", "bank:pay:*");
  }

  static String newId() {
    byte[] id = new byte[16];
    ThreadLocalRandom.current().nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  static Request email(String to) {
    ObjectNode args = AuthorityTests.JSON.createObjectNode();
    args.put("to", to).put("subject", "Invoice");
    return new Request("gw-1", "mail", "send_email", to, args, null);
  }

  static Request payment(int amount) {
    ObjectNode args = AuthorityTests.JSON.createObjectNode();
    args.put("to", "ACME Ltd").put("amount", amount);
    return new Request("gw-1", "bank", "pay", "acct-7", args, null);
  }

  /** Records a call as {@code as} would (a gateway's POST /v1/approval-requests). */
  Reply record(String as, String id, AuthorityApi.Minted m, Request call, String... groups) {
    ObjectNode body = AuthorityTests.JSON.createObjectNode();
    body.put("requestId", id);
    body.put("tokenId", m.tokenId());
    body.set("approverGroups", AuthorityTests.JSON.valueToTree(groups));
    body.set("request", ApprovalRequests.callJson(call));
    ObjectNode display = body.putObject("display");
    display.set("args", call.args());
    display
        .putArray("allows")
        .addObject()
        .putArray("grants")
        .add(call.service() + ":" + call.action() + ":*");
    return authority.post("/v1/approval-requests", body.toString(), as);
  }

  Reply approveByClient(String as, String tokenId, String group, Request call) {
    ObjectNode body = AuthorityTests.JSON.createObjectNode();
    body.put("tokenId", tokenId).put("group", group);
    body.set("request", ApprovalRequests.callJson(call));
    return authority.post("/v1/approvals", body.toString(), as);
  }

  /** The first audit record of this type for the token. */
  JsonNode auditOf(String tokenId, String type) {
    for (JsonNode r :
        authority.get("/v1/audit?tokenId=" + tokenId, authority.admin()).json().get("records")) {
      if (r.get("type").asText().equals(type)) {
        return r;
      }
    }
    throw new AssertionError("no audit record of type " + type + " for token " + tokenId);
  }

  /** The requests of this capability in an approver's inbox. */
  List<JsonNode> inbox(String approver, AuthorityApi.Minted m) {
    List<JsonNode> out = new java.util.ArrayList<>();
    for (JsonNode r :
        authority.get("/v1/approval-requests", approver).expect(200).get("requests")) {
      if (r.get("tokenId").asText().equals(m.tokenId())) {
        out.add(r);
      }
    }
    return out;
  }

  /** The data of the next event on a stream (skipping heartbeats). */
  private static String nextEvent(BlockingQueue<String> lines) throws InterruptedException {
    while (true) {
      String line = lines.poll(10, TimeUnit.SECONDS);
      assertThat(line).as("an event within 10 s").isNotNull();
      if (line.startsWith("data: ")) {
        return line;
      }
    }
  }
}
