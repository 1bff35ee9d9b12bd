package dev.mandate.sdk;

import static dev.mandate.sdk.AgentAuthority.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.mandate.crypto.SigningKey;
import dev.mandate.sdk.RequestShape.ResourceRule;
import dev.mandate.token.Call;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import dev.mandate.wire.McpNames;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MandateMcpCustomizerTest {
  static final String ROOT = "/srv";

  /** All the wallet knows: where calls go. The gateway's root and rules stay the gateway's. */
  static final RequestShape FS = RequestShape.of("gw-test", "fs");

  static final URI ENDPOINT = URI.create("http://127.0.0.1:1/mcp/fs");

  final SecureRandom random = new SecureRandom();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-01T12:00:00Z"));
  final SigningKey root = SigningKey.generate(random);
  final Verifier verifier =
      Verifier.builder().trustedKeys(TrustedKeys.of(root.verifyingKey())).clock(clock).build();
  Wallet wallet;
  CapabilityHandle handle;
  MandateMcpCustomizer customizer;

  @BeforeEach
  void setUp() {
    wallet = Wallet.create(random, clock);
    String token =
        Capability.mint(root)
            .clock(clock)
            .allow("fs:read_text_file:/data/invoices/**")
            .allow("fs:resources.read:file:///data/**")
            .audience("gw-test")
            .ttl(Duration.ofMinutes(10))
            .bindTo(wallet.holderPublicKey())
            .sign()
            .toText();
    handle = wallet.add("invoices", token, FS);
    customizer = MandateMcpCustomizer.of(wallet, handle);
  }

  @Test
  void toolsCall_getsBearerAndAProof_thatVerifiesForTheRequestTheGatewayBuilds() throws Exception {
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
            + "\"read_text_file\",\"arguments\":{\"path\":\"/srv/data/invoices/2024/jan.txt\","
            + "\"head\":10}}}";

    HttpHeaders headers = customize("POST", body);

    String token = bearer(headers);
    String proof = headers.firstValue("Mandate-Proof").orElseThrow();
    // What the gateway builds: its audience, the upstream's service, the tool name, args.path
    // relative to the upstream's root, the call's arguments.
    ObjectNode args = JSON.createObjectNode().put("path", "/srv/data/invoices/2024/jan.txt");
    args.put("head", 10);
    Request gatewayRequest =
        new Request("gw-test", "fs", "read_text_file", "/data/invoices/2024/jan.txt", args, null);
    // What the gateway received, before its mapping: the call the proof signs.
    Call received = Call.mcp("gw-test", "fs", "POST tools/call", "read_text_file", args);
    Decision decision =
        verifier.authorize(
            Presentation.of(token).withProof(Proof.of(proof)).withCall(received), gatewayRequest);
    assertThat(decision.allowed()).as(decision.toString()).isTrue();
    assertThat(
            verifier
                .authorize(
                    Presentation.of(token)
                        .withProof(Proof.of(proof))
                        .withCall(received.withAudience("another-gateway")),
                    gatewayRequest.withAudience("another-gateway"))
                .allowed())
        .isFalse();
  }

  @Test
  void toolsCall_carriesTheApprovalTheWalletKeepsForIt_once() throws Exception {
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":"
            + "\"read_text_file\",\"arguments\":{\"path\":\"/srv/data/invoices/2024/jan.txt\"}}}";
    ObjectNode args = JSON.createObjectNode().put("path", "/srv/data/invoices/2024/jan.txt");
    Request gatewayRequest =
        new Request("gw-test", "fs", "read_text_file", "/data/invoices/2024/jan.txt", args, null);
    // Matching kept approvals to tool calls needs the gateway's mapping, mirrored.
    handle =
        wallet.add(
            "approved",
            bearer(customize("GET", null)),
            FS.withApprovalMatching(ResourceRule.argumentUnderRoot("path", ROOT)));
    customizer = MandateMcpCustomizer.of(wallet, handle);
    String tokenId = Capability.decode(bearer(customize("GET", null))).tokenId();
    String approval =
        dev.mandate.token.Approval.issue(
                root,
                tokenId,
                gatewayRequest,
                "finance",
                clock.instant().plus(Duration.ofMinutes(5)),
                random)
            .text();
    wallet.addApproval(handle, approval);

    HttpHeaders list =
        customize("POST", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
    HttpHeaders first = customize("POST", body);
    HttpHeaders second = customize("POST", body);

    assertThat(list.firstValue("Mandate-Approval")).isEmpty();
    assertThat(first.firstValue("Mandate-Approval")).hasValue(approval);
    assertThat(second.firstValue("Mandate-Approval")).isEmpty();
    assertThat(second.firstValue("Mandate-Proof")).isPresent();
  }

  @Test
  void aToolCall_presentsAnApprovalKeptWithTheRequestItsDenialNamed_withoutAResourceRule()
      throws Exception {
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":"
            + "\"read_text_file\",\"arguments\":{\"path\":\"/srv/data/invoices/2024/jan.txt\"}}}";
    ObjectNode args = JSON.createObjectNode().put("path", "/srv/data/invoices/2024/jan.txt");
    // As the gateway maps it (root /srv) and names it in its APPROVAL_REQUIRED denial.
    Request gatewayRequest =
        new Request("gw-test", "fs", "read_text_file", "/data/invoices/2024/jan.txt", args, null);
    String tokenId = Capability.decode(bearer(customize("GET", null))).tokenId();
    String approval =
        dev.mandate.token.Approval.issue(
                root,
                tokenId,
                gatewayRequest,
                "finance",
                clock.instant().plus(Duration.ofMinutes(5)),
                random)
            .text();
    wallet.addApproval(handle, approval, gatewayRequest);

    HttpHeaders other = customize("POST", body.replace("jan.txt", "feb.txt"));
    HttpHeaders first = customize("POST", body);
    HttpHeaders second = customize("POST", body);

    assertThat(other.firstValue("Mandate-Approval")).isEmpty();
    assertThat(first.firstValue("Mandate-Approval")).hasValue(approval);
    assertThat(second.firstValue("Mandate-Approval")).isEmpty();
  }

  @Test
  void otherMessages_getAProofOverTheSessionOperation_thatVerifiesForThatOperationOnly()
      throws Exception {
    String[][] cases = {
      {
        "POST",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}",
        "POST initialize"
      },
      {
        "POST",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{}}",
        "POST tools/list"
      },
      {
        "POST",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "POST notifications/initialized"
      },
      {"POST", "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}", "POST"},
      {"POST", "not json", "POST"},
      {"GET", null, "GET"},
      {"DELETE", null, "DELETE"},
    };
    for (String[] c : cases) {
      HttpHeaders headers = customize(c[0], c[1]);
      String token = bearer(headers);
      Presentation presented =
          Presentation.of(token)
              .withProof(Proof.of(headers.firstValue("Mandate-Proof").orElseThrow()));
      Request operation = new Request("gw-test", "fs", McpNames.SESSION_ACTION, c[2], null, null);

      assertThat(
              verifier
                  .authenticate(
                      presented.withCall(Call.mcp("gw-test", "fs", "POST x/other", "", null)),
                      operation)
                  .allowed())
          .as(c[2])
          .isFalse();
      assertThat(
              verifier
                  .authenticate(
                      presented.withCall(Call.mcp("gw-test", "fs", c[2], "", null)), operation)
                  .allowed())
          .as(c[2])
          .isTrue();
    }
  }

  @Test
  void aBearerCapability_sendsTheTokenAlone() throws Exception {
    String token =
        Capability.mint(root)
            .clock(clock)
            .allow("fs:read_text_file:/data/invoices/**")
            .audience("gw-test")
            .ttl(Duration.ofMinutes(10))
            .sign()
            .toText();
    CapabilityHandle bearerHandle = wallet.add("bearer", token, FS);
    MandateMcpCustomizer bearerOnly = MandateMcpCustomizer.of(wallet, bearerHandle);
    HttpRequest.Builder builder = HttpRequest.newBuilder(ENDPOINT);

    bearerOnly.customize(
        builder,
        "POST",
        ENDPOINT,
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
        McpTransportContext.EMPTY);

    HttpHeaders headers = builder.build().headers();
    assertThat(bearer(headers)).isEqualTo(token);
    assertThat(headers.firstValue("Mandate-Proof")).isEmpty();
  }

  @Test
  void aCallWithoutWhatItsMethodNeeds_isSentWithoutProof_forTheGatewayToRefuse() throws Exception {
    HttpHeaders noName =
        customize(
            "POST",
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                + "\"arguments\":{\"path\":\"/etc/passwd\"}}}");
    HttpHeaders badArguments =
        customize(
            "POST",
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"read_text_file\",\"arguments\":\"/etc/passwd\"}}");

    for (HttpHeaders headers : List.of(noName, badArguments)) {
      assertThat(bearer(headers)).startsWith("mnd1_");
      assertThat(headers.firstValue("Mandate-Proof")).isEmpty();
    }
  }

  @Test
  void aToolCallOutsideTheGatewaysRoot_isSignedAsSent_andTheGatewayDecides() throws Exception {
    HttpHeaders headers =
        customize(
            "POST",
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"read_text_file\",\"arguments\":{\"path\":\"/etc/passwd\"}}}");

    assertThat(headers.firstValue("Mandate-Proof")).isPresent();
  }

  @Test
  void resourcesRead_getsAProofOverTheUri() throws Exception {
    HttpHeaders headers =
        customize(
            "POST",
            "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":"
                + "\"file:///data/invoices/a.txt\"}}");

    Request gatewayRequest =
        new Request("gw-test", "fs", "resources.read", "file:///data/invoices/a.txt", null, null);
    Decision decision =
        verifier.authorize(
            Presentation.of(bearer(headers))
                .withProof(Proof.of(headers.firstValue("Mandate-Proof").orElseThrow()))
                .withCall(
                    Call.mcp(
                        "gw-test",
                        "fs",
                        "POST resources/read",
                        "file:///data/invoices/a.txt",
                        null)),
            gatewayRequest);
    assertThat(decision.allowed()).as(decision.toString()).isTrue();
  }

  // ---- through the MCP SDK's real Streamable HTTP transport -----------------------------------

  private HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void mcpClient_sendsAProofWithEveryMessage_aVerifiableOneOnEveryToolCall() throws Exception {
    startFakeGateway();
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder(
                "http://127.0.0.1:" + server.getAddress().getPort())
            .endpoint("/mcp/fs")
            .httpRequestCustomizer(MandateMcpCustomizer.of(wallet, handle))
            .build();
    McpSyncClient client =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(10))
            .initializationTimeout(Duration.ofSeconds(10))
            .build();
    try {
      client.initialize();
      McpSchema.CallToolResult allowed =
          client.callTool(
              new McpSchema.CallToolRequest(
                  "read_text_file", Map.of("path", "/srv/data/invoices/2024/jan.txt")));
      McpSchema.CallToolResult denied =
          client.callTool(
              new McpSchema.CallToolRequest(
                  "read_text_file", Map.of("path", "/srv/data/secrets/id_rsa")));

      assertThat(text(allowed)).isEqualTo("allow");
      assertThat(text(denied)).startsWith("deny GRANT");
      assertThat(seen)
          .contains(
              "initialize: bearer, proof",
              "notifications/initialized: bearer, proof",
              "tools/call: bearer, proof");
    } finally {
      client.closeGracefully();
    }
  }

  /**
   * A stand-in for the gateway's MCP endpoint: answers initialize, accepts notifications, and for
   * each tools/call asks the real verifier about the request the gateway would build.
   */
  private void startFakeGateway() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/mcp/fs",
        exchange -> {
          try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
              exchange.sendResponseHeaders(405, -1);
              return;
            }
            JsonNode message = JSON.readTree(exchange.getRequestBody().readAllBytes());
            String bearer = exchange.getRequestHeaders().getFirst("Authorization");
            String proof = exchange.getRequestHeaders().getFirst("Mandate-Proof");
            String method = message.path("method").asText();
            seen.add(
                method
                    + ": "
                    + (bearer != null && bearer.startsWith("Bearer mnd1_") ? "bearer" : "none")
                    + (proof == null ? ", no proof" : ", proof"));
            if (!message.has("id")) {
              exchange.sendResponseHeaders(202, -1);
              return;
            }
            ObjectNode result = JSON.createObjectNode();
            if (method.equals("initialize")) {
              result.put(
                  "protocolVersion", message.path("params").path("protocolVersion").asText());
              result.putObject("capabilities").putObject("tools");
              result.putObject("serverInfo").put("name", "fake-gateway").put("version", "1");
              exchange.getResponseHeaders().add("Mcp-Session-Id", "session-1");
            } else if (method.equals("tools/call")) {
              JsonNode params = message.path("params");
              ObjectNode args = (ObjectNode) params.path("arguments");
              String path = args.path("path").asText();
              Request request =
                  new Request(
                      "gw-test",
                      "fs",
                      params.path("name").asText(),
                      path.substring(ROOT.length()),
                      args,
                      null);
              Decision d =
                  verifier.authorize(
                      Presentation.of(bearer.substring("Bearer ".length()))
                          .withProof(Proof.of(proof))
                          .withCall(
                              Call.mcp(
                                  "gw-test",
                                  "fs",
                                  "POST tools/call",
                                  params.path("name").asText(),
                                  args)),
                      request);
              result
                  .putArray("content")
                  .addObject()
                  .put("type", "text")
                  .put("text", d.allowed() ? "allow" : "deny " + d.code() + ": " + d.reason());
            }
            ObjectNode reply = JSON.createObjectNode().put("jsonrpc", "2.0");
            reply.set("id", message.get("id"));
            reply.set("result", result);
            byte[] out = JSON.writeValueAsBytes(reply);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
          } catch (RuntimeException e) {
            seen.add("server error: " + e);
            throw e;
          }
        });
    server.start();
  }

  private static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  private HttpHeaders customize(String method, String body) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(ENDPOINT);
    customizer.customize(builder, method, ENDPOINT, body, McpTransportContext.EMPTY);
    return builder.build().headers();
  }

  private static String bearer(HttpHeaders headers) {
    String value = headers.firstValue("Authorization").orElseThrow();
    assertThat(value).startsWith("Bearer ");
    return value.substring("Bearer ".length());
  }
}
