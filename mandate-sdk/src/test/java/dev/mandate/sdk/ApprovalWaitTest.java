package dev.mandate.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Approval;
import dev.mandate.token.Request;
import dev.mandate.wire.MandateHeaders;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ApprovalWait} against a real authority: a stand-in for the gateway's HTTP proxy (this
 * module does not depend on the gateway; the gateway's own tests drive the real one) denies a
 * payment for want of an approval, records it at the authority as a gateway does, and lets it
 * through with an approval of exactly that call; an approver answers at the authority.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApprovalWaitTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AUDIENCE = "gw-test";
  private static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants: ["bank:*:*"]
          maxTtl: 1h
          approval: [finance]
        approver:
          approves: [finance]
          maxTtl: 5m
        gateway:
          role: gateway
      """;

  @TempDir static Path tmp;
  private final HttpClient http = HttpClient.newHttpClient();
  private Stack stack;
  private HttpServer gateway;
  private HttpServer elsewhere;
  private final List<String> approvedCalls = new CopyOnWriteArrayList<>();
  private final List<String> elsewhereSaw = new CopyOnWriteArrayList<>();
  private volatile boolean pointElsewhere;

  @BeforeAll
  void start() throws IOException {
    stack =
        Stack.builder(tmp)
            .policy(POLICY)
            .clients("agent", "approver", "gateway")
            .throwawayMasterKey()
            .start();
    gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    gateway.createContext("/", this::gatewayCall);
    gateway.start();
    elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    elsewhere.createContext(
        "/",
        x -> {
          elsewhereSaw.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
          reply(x, 404, "{}");
        });
    elsewhere.start();
  }

  @AfterAll
  void stop() {
    gateway.stop(0);
    elsewhere.stop(0);
    stack.close();
  }

  @Test
  void send_waitsForThePersonsApproval_andRetriesTheCallOnceWithIt() throws Exception {
    Wallet wallet = Wallet.create(new SecureRandom(), Clock.systemUTC());
    CapabilityHandle handle = capability(wallet);
    ApprovalWait approvals = approvals(wallet, Duration.ofSeconds(30));
    CompletableFuture<Void> person = answerWhenAsked(wallet, handle, true, null);

    HttpResponse<String> r = approvals.send(handle, "POST", payments(), payment(120));

    person.get();
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"paid\":120}");
    assertThat(approvedCalls).containsExactly("120");
  }

  @Test
  void send_returnsTheDenial_whenThePersonRefuses() throws Exception {
    Wallet wallet = Wallet.create(new SecureRandom(), Clock.systemUTC());
    CapabilityHandle handle = capability(wallet);
    CompletableFuture<Void> person = answerWhenAsked(wallet, handle, false, "too much");

    HttpResponse<String> r =
        approvals(wallet, Duration.ofSeconds(30)).send(handle, "POST", payments(), payment(9000));

    person.get();
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(r.body()).get("code").asText()).isEqualTo("APPROVAL_REQUIRED");
    assertThat(approvedCalls).doesNotContain("9000");
  }

  @Test
  void theCapability_isNeverSentToAStatusEndpointOutsideTheAuthority() throws Exception {
    Wallet wallet = Wallet.create(new SecureRandom(), Clock.systemUTC());
    CapabilityHandle handle = capability(wallet);
    pointElsewhere = true;
    try {
      HttpResponse<String> r =
          approvals(wallet, Duration.ofSeconds(30)).send(handle, "POST", payments(), payment(7));

      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(elsewhereSaw).isEmpty();
    } finally {
      pointElsewhere = false;
    }
  }

  @Test
  void await_keepsTheApprovalInTheWallet_forTheNextIdenticalCall() throws Exception {
    Wallet wallet = Wallet.create(new SecureRandom(), Clock.systemUTC());
    RequestShape shape =
        RequestShape.of(AUDIENCE, "bank")
            .withApprovalMatching(RequestShape.ResourceRule.argument("to"));
    CapabilityHandle handle =
        wallet.add(
            "bank",
            stack.api().mint(stack.auth("agent"), "10m", AUDIENCE, null, "bank:*:*").token(),
            shape);
    ToolCall pay = new ToolCall("pay", payment(55));
    Request call = shape.requestFor(pay);
    JsonNode denial = recordAsGateway(wallet.bearer(handle).token(), call);
    CompletableFuture<Void> person = answerWhenAsked(wallet, handle, true, null);

    boolean approved = approvals(wallet, Duration.ofSeconds(30)).await(handle, denial);

    person.get();
    assertThat(approved).isTrue();
    Approval kept = wallet.authorize(handle, pay).approval().orElseThrow();
    assertThat(kept.claims().requestDigest()).isEqualTo(Approval.requestDigest(call));
    assertThat(wallet.authorize(handle, pay).approval()).as("presented once").isEmpty();
  }

  @Test
  void await_keepsTheApproval_withTheRequestTheDenialNames_soAShapeWithoutARuleMatchesIt()
      throws Exception {
    Wallet wallet = Wallet.create(new SecureRandom(), Clock.systemUTC());
    CapabilityHandle handle = capability(wallet); // RequestShape.of: no resource rule
    ToolCall pay = new ToolCall("pay", payment(56));
    // The gateway maps the call to the resource of its own rule; only the denial says which.
    Request call = new Request(AUDIENCE, "bank", "pay", "ACME", pay.arguments(), null);
    JsonNode denial = recordAsGateway(wallet.bearer(handle).token(), call);
    CompletableFuture<Void> person = answerWhenAsked(wallet, handle, true, null);

    boolean approved = approvals(wallet, Duration.ofSeconds(30)).await(handle, denial);

    person.get();
    assertThat(approved).isTrue();
    assertThat(wallet.authorize(handle, new ToolCall("pay", payment(57))).approval())
        .as("another call")
        .isEmpty();
    Approval kept = wallet.authorize(handle, pay).approval().orElseThrow();
    assertThat(kept.claims().requestDigest()).isEqualTo(Approval.requestDigest(call));
    assertThat(wallet.authorize(handle, pay).approval()).as("presented once").isEmpty();
  }

  // ---- the stand-in gateway, the person and helpers ----

  private ApprovalWait approvals(Wallet wallet, Duration timeout) {
    return ApprovalWait.of(wallet, URI.create(stack.url()), http, timeout);
  }

  private CapabilityHandle capability(Wallet wallet) {
    String token = stack.api().mint(stack.auth("agent"), "10m", AUDIENCE, null, "bank:*:*").token();
    return wallet.add("bank", token, RequestShape.of(AUDIENCE, "bank"));
  }

  private URI payments() {
    return URI.create("http://127.0.0.1:" + gateway.getAddress().getPort() + "/payments");
  }

  private static ObjectNode payment(int amount) {
    return JSON.createObjectNode().put("to", "ACME").put("amount", amount);
  }

  /** Approves or refuses, as the person, the capability's request once it is in the inbox. */
  private CompletableFuture<Void> answerWhenAsked(
      Wallet wallet, CapabilityHandle handle, boolean approve, String reason) {
    String approver = stack.auth("approver");
    String tokenId = dev.mandate.token.Capability.decode(wallet.bearer(handle).token()).tokenId();
    return CompletableFuture.runAsync(
        () -> {
          String[] id = new String[1];
          Await.until(
              Duration.ofSeconds(20),
              () -> {
                JsonNode inbox = stack.api().get("/v1/approval-requests", approver).expect(200);
                for (JsonNode r : inbox.get("requests")) {
                  if (r.get("tokenId").asText().equals(tokenId)) {
                    id[0] = r.get("requestId").asText();
                    return true;
                  }
                }
                return false;
              });
          stack.api().answerApprovalRequest(approver, id[0], approve, reason);
        });
  }

  /** What the real gateway does for a call that needs approval: records it, names it. */
  private JsonNode recordAsGateway(String token, Request call) {
    String tokenId = dev.mandate.token.Capability.decode(token).tokenId();
    byte[] raw = new byte[16];
    new SecureRandom().nextBytes(raw);
    String id = HexFormat.of().formatHex(raw);
    ObjectNode body = JSON.createObjectNode().put("requestId", id).put("tokenId", tokenId);
    body.putArray("approverGroups").add("finance");
    ObjectNode request = body.putObject("request");
    request.put("audience", call.audience()).put("service", call.service());
    request.put("action", call.action()).put("resource", call.resource());
    request.set("args", call.args());
    int status =
        stack.api().post("/v1/approval-requests", body.toString(), stack.auth("gateway")).status();
    assertThat(status).isIn(200, 201);
    ObjectNode denial = JSON.createObjectNode().put("code", "APPROVAL_REQUIRED");
    denial.set("request", request.deepCopy());
    String base =
        pointElsewhere ? "http://127.0.0.1:" + elsewhere.getAddress().getPort() : stack.url();
    denial
        .putObject("approvalTask")
        .put("id", id)
        .put("statusEndpoint", base + "/v1/approval-requests/" + id + "/task");
    return denial;
  }

  private void gatewayCall(HttpExchange x) throws IOException {
    ObjectNode args = (ObjectNode) JSON.readTree(x.getRequestBody().readAllBytes());
    String token = x.getRequestHeaders().getFirst("Authorization").substring("Bearer ".length());
    Request call = new Request(AUDIENCE, "bank", "POST /payments", "/payments", args, null);
    String approval = x.getRequestHeaders().getFirst(MandateHeaders.APPROVAL);
    if (approval != null
        && Approval.of(approval).claims().requestDigest().equals(Approval.requestDigest(call))
        && Approval.of(approval)
            .claims()
            .tokenId()
            .equals(dev.mandate.token.Capability.decode(token).tokenId())
        && !approvedCalls.contains(args.get("amount").asText())) {
      approvedCalls.add(args.get("amount").asText());
      reply(x, 200, "{\"paid\":" + args.get("amount").asText() + "}");
      return;
    }
    reply(x, 403, recordAsGateway(token, call).toString());
  }

  private static void reply(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    // No connection outlives its call: the shared client never reuses one the stand-in closed.
    x.getResponseHeaders().set("Connection", "close");
    x.sendResponseHeaders(status, bytes.length);
    x.getResponseBody().write(bytes);
    x.close();
  }
}
