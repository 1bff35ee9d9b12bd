package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.ProxySetup;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.GatewayYaml;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Call;
import dev.mandate.token.Proof;
import dev.mandate.wire.MandateHeaders;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * MCP 2026-07-28 through the gateway, with the real MCP Python SDK 2.3.0 on both sides (installed
 * by this module's build from src/test/python/requirements.txt): its client, with nothing
 * Mandate-specific but the bearer token, against the gateway in front of a stateless SDK server
 * (src/test/python/stateless_server.py) whose tools read paths, send messages and move money.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpStatelessTest {
  private static final String AUDIENCE = "gw-stateless-test";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Path PYTHON_DIR = Path.of("src/test/python").toAbsolutePath();
  private static final Path PYTHON = Path.of("target/python-venv/bin/python").toAbsolutePath();
  private static final String META =
      "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
          + "\"io.modelcontextprotocol/clientCapabilities\":{}}";
  private static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants: ["bank:*:/**", "bank:*:*", "legacy:*:/**", "files:*:/**"]
          maxTtl: 1h
        approver:
          approves: [finance]
          maxTtl: 5m
        gateway:
          role: gateway
      """;

  /** The root of the files upstream's paths, as on its host: never to be shown to an agent. */
  private static final Path HOST_ROOT = Path.of("/srv/host-Root-q7Zx");

  @TempDir static Path tmp;
  private Stack authority;
  private Process server;
  private GatewayServer gateway;
  private String agentAuth;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    authority =
        Stack.builder(tmp.resolve("authority"))
            .policy(POLICY)
            .clients("gateway", "approver", "agent")
            .start();
    agentAuth = authority.auth("agent");
    int port = Await.freePort();
    server =
        new ProcessBuilder(
                PYTHON.toString(), PYTHON_DIR.resolve("stateless_server.py").toString(), "" + port)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("server.log").toFile())
            .start();
    Await.listening(port, server, Duration.ofSeconds(30));
    String url = "http://127.0.0.1:" + port + "/mcp";
    GatewayYaml yaml =
        authority
            .gatewayYaml(AUDIENCE)
            .mcp(
                List.of("callTimeout: 10s"),
                McpUpstream.http("bank", url)
                    .with("revisions: [2025-11-25, 2026-07-28]")
                    .with("resources: true")
                    .with("prompts: true")
                    .toolOnArg("read_file", "path")
                    .toolOnArg("send_message", "to")
                    .toolOnArg("transfer", "to_account"),
                McpUpstream.http("legacy", url).toolOnArg("read_file", "path"),
                McpUpstream.http("files", url)
                    .with("revisions: [2026-07-28]")
                    .toolOnPath("read_file", HOST_ROOT, "path"));
    gateway = authority.startGateway(yaml, ProxySetup.LAUNCH);
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (server != null) {
      server.destroyForcibly();
    }
    if (authority != null) {
      authority.close();
    }
  }

  private String mint(String extraJson, String... grants) {
    return authority.api().mint(agentAuth, "10m", AUDIENCE, extraJson, grants).token();
  }

  @Test
  void pythonClient_discovers_listsPerCapability_andIsAllowedAndDeniedPerCall() throws Exception {
    String token = mint(null, "bank:read_file:/public/**", "bank:send_message:alice@example.com");

    JsonNode report =
        client(
            token,
            """
            [{"op": "tools"},
             {"op": "call", "tool": "read_file", "args": {"path": "/public/a.txt"}},
             {"op": "call", "tool": "read_file", "args": {"path": "/private/diary.txt"}},
             {"op": "call", "tool": "send_message", "args": {"to": "mallory@example.com", "text": "hi"}},
             {"op": "call", "tool": "transfer", "args": {"to_account": "acct-9", "amount": 5}}]
            """,
            null);

    assertThat(report.has("connectError")).as(report.toString()).isFalse();
    assertThat(report.get("protocolVersion").asText()).isEqualTo("2026-07-28");
    assertThat(report.get("supportedVersions"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("2026-07-28", "2025-11-25");
    JsonNode results = report.get("results");
    // Only the tools the capability could call, in a list no shared cache may keep.
    assertThat(results.get(0).get("tools"))
        .extracting(JsonNode::asText)
        .containsExactly("read_file", "send_message");
    assertThat(results.get(0).get("cacheScope").asText()).isEqualTo("private");
    // Allowed: the server's answer.
    assertThat(results.get(1).get("isError").asBoolean()).isFalse();
    assertThat(results.get(1).get("text").asText()).isEqualTo("contents of /public/a.txt");
    // Denied: a tool result the model reads, with the code in its structured content.
    for (int i = 2; i <= 4; i++) {
      JsonNode denied = results.get(i);
      assertThat(denied.get("isError").asBoolean()).as(denied.toString()).isTrue();
      assertThat(denied.get("text").asText()).startsWith("denied by Mandate: ");
      assertThat(denied.get("structured").get("code").asText()).isEqualTo("GRANT");
    }
    assertThat(Files.readString(tmp.resolve("server.log")))
        .as("the allowed call reached the server, the denied ones never did")
        .contains("CALLED read_file /public/a.txt")
        .doesNotContain("/private/diary.txt")
        .doesNotContain("CALLED send_message mallory")
        .doesNotContain("CALLED transfer 5 acct-9");
  }

  @Test
  void approval_roundTripsThroughInputRequired_withTheExactCallsDigest() throws Exception {
    String token = mint("\"requireApproval\":[\"finance\"]", "bank:transfer:acct-1");
    String operations =
        """
        [{"op": "call", "tool": "transfer", "args": {"to_account": "acct-1", "amount": 120}}]
        """;
    JsonNode[] asked = new JsonNode[1];

    JsonNode report =
        client(
            token,
            operations,
            elicitation -> {
              asked[0] = elicitation;
              JsonNode needed = elicitation.get("_meta").get("dev.mandate/approval");
              // A person approves exactly the call the gateway named, at the authority.
              return authority
                  .api()
                  .approve(
                      authority.auth("approver"),
                      needed.get("tokenId").asText(),
                      "finance",
                      needed.get("request"),
                      null);
            });

    assertThat(asked[0]).as(report.toString()).isNotNull();
    assertThat(asked[0].get("mode").asText()).isEqualTo("form");
    JsonNode needed = asked[0].get("_meta").get("dev.mandate/approval");
    assertThat(asked[0].get("message").asText()).contains(needed.get("requestDigest").asText());
    assertThat(needed.get("request").get("args").get("amount").asInt()).isEqualTo(120);
    JsonNode result = report.get("results").get(0);
    assertThat(result.get("isError").asBoolean()).as(report.toString()).isFalse();
    assertThat(result.get("text").asText()).isEqualTo("moved 120 to acct-1");
    assertThat(Files.readString(tmp.resolve("server.log"))).contains("CALLED transfer 120 acct-1");

    // Declined: denied as it stands, not asked again.
    JsonNode declined = client(token, operations, elicitation -> "");
    JsonNode denied = declined.get("results").get(0);
    assertThat(denied.get("isError").asBoolean()).as(declined.toString()).isTrue();
    assertThat(denied.get("structured").get("code").asText()).isEqualTo("APPROVAL_REQUIRED");
  }

  @Test
  void approvalRound_onTheWire_isAskedOnlyOfFormClients_andAForgedRetryIsRefused()
      throws Exception {
    String token = mint("\"requireApproval\":[\"finance\"]", "bank:transfer:acct-1");
    String call =
        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"transfer\","
            + "\"arguments\":{\"to_account\":\"acct-1\",\"amount\":7},%s"
            + "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
            + "\"io.modelcontextprotocol/clientCapabilities\":%s}}}";

    // A client that cannot show a form gets the denial, with what to ask an approver for.
    JsonNode plain =
        JSON.readTree(
                post(token, "tools/call", "transfer", call.formatted("", "{}"), Map.of()).body())
            .get("result");
    assertThat(plain.get("isError").asBoolean()).as(plain.toString()).isTrue();
    assertThat(plain.get("structuredContent").get("code").asText()).isEqualTo("APPROVAL_REQUIRED");
    assertThat(plain.get("structuredContent").get("requestDigest").asText()).hasSize(64);

    // A form client is asked, in the revision's input-required result.
    String forms = "{\"elicitation\":{\"form\":{}}}";
    JsonNode asked =
        JSON.readTree(
                post(token, "tools/call", "transfer", call.formatted("", forms), Map.of()).body())
            .get("result");
    assertThat(asked.get("resultType").asText()).as(asked.toString()).isEqualTo("input_required");
    assertThat(asked.get("requestState").asText()).startsWith("mandate-approval.1.");
    assertThat(asked.get("inputRequests").get("mandate_approval").get("method").asText())
        .isEqualTo("elicitation/create");

    // A retry with a made-up approval and state: refused, and the server never sees the call.
    String forged =
        "\"requestState\":\"mandate-approval.1.e30\",\"inputResponses\":{\"mandate_approval\":"
            + "{\"action\":\"accept\",\"content\":{\"approval\":\"mnda1_forged\"}}},";
    JsonNode refused =
        JSON.readTree(
                post(token, "tools/call", "transfer", call.formatted(forged, forms), Map.of())
                    .body())
            .get("result");
    assertThat(refused.get("isError").asBoolean()).as(refused.toString()).isTrue();
    assertThat(refused.get("structuredContent").get("code").asText()).isEqualTo("APPROVAL_INVALID");
    assertThat(Files.readString(tmp.resolve("server.log"))).doesNotContain("CALLED transfer 7 ");
  }

  @Test
  void routingHeaders_mismatchingTheBody_areRefusedBeforeAnyDecision() throws Exception {
    String token = mint(null, "bank:read_file:/public/**");
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"transfer\","
            + "\"arguments\":{\"to_account\":\"acct-1\",\"amount\":1},"
            + META
            + "}}";

    // Mcp-Name says read_file, the body calls transfer.
    HttpResponse<String> name = post(token, "tools/call", "read_file", body, Map.of());
    assertThat(name.statusCode()).as(name.body()).isEqualTo(400);
    assertThat(JSON.readTree(name.body()).get("error").get("code").asInt()).isEqualTo(-32020);

    // Mcp-Method says tools/list.
    HttpResponse<String> method = post(token, "tools/list", "transfer", body, Map.of());
    assertThat(method.statusCode()).as(method.body()).isEqualTo(400);
    assertThat(JSON.readTree(method.body()).get("error").get("code").asInt()).isEqualTo(-32020);

    // No envelope in _meta.
    HttpResponse<String> bare =
        post(
            token,
            "tools/list",
            null,
            "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\",\"params\":{}}",
            Map.of());
    assertThat(bare.statusCode()).as(bare.body()).isEqualTo(400);
    assertThat(JSON.readTree(bare.body()).get("error").get("code").asInt()).isEqualTo(-32602);

    // Matching headers: decided on the body (and denied: transfer is not granted).
    HttpResponse<String> honest = post(token, "tools/call", "transfer", body, Map.of());
    assertThat(honest.statusCode()).as(honest.body()).isEqualTo(200);
    assertThat(JSON.readTree(honest.body()).get("result").get("isError").asBoolean()).isTrue();
    assertThat(Files.readString(tmp.resolve("server.log"))).doesNotContain("CALLED transfer 1 ");
  }

  @Test
  void theTraceContextInMeta_isKeptInTheDecisionsAuditRecord() throws Exception {
    var minted =
        authority.api().mint(agentAuth, "10m", AUDIENCE, null, "bank:read_file:/public/**");
    String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"read_file\","
            + "\"arguments\":{\"path\":\"/public/t.txt\"},\"_meta\":{"
            + "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{},"
            + "\"traceparent\":\""
            + traceparent
            + "\"}}}";

    HttpResponse<String> r = post(minted.token(), "tools/call", "read_file", body, Map.of());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode decision =
        authority
            .api()
            .awaitDecision(
                authority.admin(),
                minted.tokenId(),
                d -> "read_file".equals(d.path("detail").path("action").asText()),
                Duration.ofSeconds(10));
    assertThat(decision.get("detail").path("traceparent").asText())
        .as(decision.toString())
        .isEqualTo(traceparent);
    assertThat(decision.get("detail").get("decision").asText()).isEqualTo("allow");
    assertThat(decision.get("detail").get("resource").asText()).isEqualTo("/public/t.txt");
  }

  @Test
  void holderBound_everyRequestCarriesItsProof_aStolenTokenGetsNothing() throws Exception {
    SigningKey holder = SigningKey.generate(RANDOM);
    String token =
        mint(
            "\"holderKey\":\"" + holder.verifyingKey().toText() + "\"",
            "bank:read_file:/public/**");

    // The SDK client with the stolen token alone: neither discover nor initialize gets through.
    JsonNode stolen = client(token, "[{\"op\": \"tools\"}]", null);
    assertThat(stolen.has("connectError")).as(stolen.toString()).isTrue();

    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"read_file\","
            + "\"arguments\":{\"path\":\"/public/a.txt\"},"
            + META
            + "}}";
    HttpResponse<String> noProof = post(token, "tools/call", "read_file", body, Map.of());
    JsonNode denied = JSON.readTree(noProof.body()).path("result");
    assertThat(denied.path("isError").asBoolean()).as(noProof.body()).isTrue();
    assertThat(denied.path("structuredContent").path("code").asText()).isEqualTo("PROOF_REQUIRED");

    // The holder: a proof over each request, the call's over the call.
    ObjectNode args = JSON.createObjectNode().put("path", "/public/a.txt");
    String proof = proof(holder, token, "POST tools/call", "read_file", args);
    HttpResponse<String> held =
        post(token, "tools/call", "read_file", body, Map.of(MandateHeaders.PROOF, proof));
    assertThat(held.statusCode()).as(held.body()).isEqualTo(200);
    assertThat(held.body()).contains("contents of /public/a.txt");
    // The same proof again is a replay: there is no session to have remembered anything.
    HttpResponse<String> replay =
        post(token, "tools/call", "read_file", body, Map.of(MandateHeaders.PROOF, proof));
    assertThat(JSON.readTree(replay.body()).path("result").path("isError").asBoolean())
        .as(replay.body())
        .isTrue();

    String list =
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\",\"params\":{" + META + "}}";
    assertThat(post(token, "tools/list", null, list, Map.of()).statusCode()).isEqualTo(401);
    String listProof = proof(holder, token, "POST tools/list", "", null);
    HttpResponse<String> listed =
        post(token, "tools/list", null, list, Map.of(MandateHeaders.PROOF, listProof));
    assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
    assertThat(listed.headers().firstValue("Cache-Control")).hasValue("private, no-store");
  }

  @Test
  void anUpstreamOfSessionsOnly_sendsAStatelessClientToItsSessions() throws Exception {
    String token = mint(null, "legacy:read_file:/public/**");

    JsonNode report =
        client(
            token,
            "[{\"op\": \"call\", \"tool\": \"read_file\", \"args\": {\"path\": \"/public/b\"}}]",
            null,
            "/mcp/legacy");

    // The SDK was told -32022 naming 2025-11-25 and fell back to a session.
    assertThat(report.get("protocolVersion").asText())
        .as(report.toString())
        .isEqualTo("2025-11-25");
    assertThat(report.get("results").get(0).get("text").asText())
        .isEqualTo("contents of /public/b");
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" + META + "}}";
    HttpResponse<String> refused = post(token, "tools/list", null, body, Map.of(), "/mcp/legacy");
    assertThat(refused.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(refused.body()).get("error");
    assertThat(error.get("code").asInt()).isEqualTo(-32022);
    assertThat(error.get("data").get("supported"))
        .extracting(JsonNode::asText)
        .containsExactly("2025-11-25");
  }

  @Test
  void anUpstreamOfStatelessRequestsOnly_refusesASession_andServesTheStatelessClient()
      throws Exception {
    String token = mint(null, "files:read_file:/data/**");

    JsonNode report =
        client(
            token,
            "[{\"op\": \"call\", \"tool\": \"read_file\", \"args\": {\"path\": \""
                + HOST_ROOT
                + "/data/a.txt\"}}]",
            null,
            "/mcp/files");
    assertThat(report.get("protocolVersion").asText())
        .as(report.toString())
        .isEqualTo("2026-07-28");
    assertThat(report.get("supportedVersions"))
        .extracting(JsonNode::asText)
        .containsExactly("2026-07-28");
    assertThat(report.get("results").get(0).get("text").asText())
        .isEqualTo("contents of " + HOST_ROOT + "/data/a.txt");

    // A 2025-11-25 client's initialize is told which revision to speak instead.
    HttpResponse<String> init =
        http.send(
            HttpRequest.newBuilder(URI.create(gateway.url() + "/mcp/files"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                            + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                            + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(init.statusCode()).as(init.body()).isEqualTo(400);
    assertThat(init.headers().firstValue("Mcp-Session-Id")).isEmpty();
    JsonNode error = JSON.readTree(init.body()).get("error");
    assertThat(error.get("code").asInt()).isEqualTo(-32022);
    assertThat(error.get("data").get("supported"))
        .extracting(JsonNode::asText)
        .containsExactly("2026-07-28");
  }

  @Test
  void noStatelessDenialOrUpstreamError_namesTheHostRoot() throws Exception {
    String token = mint(null, "files:read_file:/data/**");
    String root = HOST_ROOT.toString();
    Map<String, String> paths = new LinkedHashMap<>();
    paths.put("dot-dot out of the root", root + "/data/../../etc/passwd");
    paths.put("dot-dot to the root's parent", root + "/..");
    paths.put("outside the grant", root + "/public/x.txt");
    paths.put("outside the root", "/etc/passwd");
    paths.put("a relative path", "data/x.txt");
    paths.put("a too-long argument", root + "/data/" + "a".repeat(5000));
    paths.put("an upstream tool error", root + "/data/missing.txt");
    paths.put("an upstream protocol error", root + "/data/broken.txt");
    Map<String, JsonNode> answers = new LinkedHashMap<>();
    int id = 20;
    for (Map.Entry<String, String> p : paths.entrySet()) {
      ObjectNode message = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id++);
      ObjectNode params = message.put("method", "tools/call").putObject("params");
      params.put("name", "read_file").putObject("arguments").put("path", p.getValue());
      params.set("_meta", JSON.readTree("{" + META + "}").get("_meta"));
      HttpResponse<String> r =
          post(token, "tools/call", "read_file", message.toString(), Map.of(), "/mcp/files");
      JsonNode answer = JSON.readTree(r.body());
      assertThat(answer.has("error") || answer.at("/result/isError").asBoolean())
          .as("%s is refused: %s", p.getKey(), r.body())
          .isTrue();
      assertThat(r.body()).as(p.getKey()).doesNotContain("host-Root-q7Zx");
      answers.put(p.getKey(), answer);
    }
    // The upstream's own words reach the agent, naming the file as the capability does.
    assertThat(answers.get("an upstream tool error").at("/result/content/0/text").asText())
        .endsWith("ENOENT: no such file or directory, open '/data/missing.txt'");
    assertThat(answers.get("an upstream protocol error").at("/error/message").asText())
        .isEqualTo("cannot read /data/broken.txt");
    assertThat(answers.get("an upstream protocol error").at("/error/data/path").asText())
        .isEqualTo("/data/broken.txt");
    assertThat(Files.readString(tmp.resolve("server.log")))
        .as("only the calls the capability allows reached the server")
        .contains("CALLED read_file " + root + "/data/missing.txt")
        .doesNotContain("/public/x.txt")
        .doesNotContain("/etc/passwd");
  }

  @Test
  void theReadmesClientSnippet_connectsWith2026_07_28_asItStandsInTheReadme() throws Exception {
    String readme = Files.readString(Path.of("../README.md"));
    String begin = "<!-- snippet: mcp-2026-client -->";
    String end = "<!-- /snippet -->";
    assertThat(readme).contains(begin).contains(end);
    String block = readme.substring(readme.indexOf(begin) + begin.length(), readme.indexOf(end));
    StringBuilder script = new StringBuilder();
    for (String line : block.replaceAll("^\n+", "").stripTrailing().split("\n", -1)) {
      assertThat(line).as("an indented code block").matches("( {4}.*)?");
      script.append(line.isEmpty() ? "" : line.substring(4)).append('\n');
    }
    // The snippet as it stands, with this gateway's address for the README's.
    String readmeGateway = "http://127.0.0.1:7800";
    assertThat(script).contains(readmeGateway + "/mcp/bank");
    Path dir = Files.createDirectories(tmp.resolve("readme-client"));
    Files.writeString(
        dir.resolve("client.py"), script.toString().replace(readmeGateway, gateway.url()));
    Files.writeString(dir.resolve("agent.tok"), mint(null, "bank:read_file:/public/**") + "\n");

    Process p =
        new ProcessBuilder(PYTHON.toString(), "client.py")
            .directory(dir.toFile())
            .redirectError(dir.resolve("stderr.log").toFile())
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as(out + Files.readString(dir.resolve("stderr.log"))).isZero();
    List<String> lines = out.strip().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).isEqualTo("2026-07-28");
    assertThat(lines.get(1)).isEqualTo("['read_file']");
    assertThat(lines.get(2)).isEqualTo("contents of /public/a.txt");
    assertThat(lines.get(3)).startsWith("True denied by Mandate: ");
  }

  /** The holder's proof over one MCP operation or call at the bank upstream. */
  private static String proof(
      SigningKey holder, String token, String method, String target, ObjectNode args) {
    return Proof.create(
            holder, token, Call.mcp(AUDIENCE, "bank", method, target, args), Instant.now(), RANDOM)
        .text();
  }

  /** What a person answers a form elicitation with: an approval's text, or "" to decline. */
  interface Person {
    String answer(JsonNode elicitation) throws Exception;
  }

  private JsonNode client(String token, String operations, Person person) throws Exception {
    return client(token, operations, person, "/mcp/bank");
  }

  /** Runs the SDK client script; answers its elicitations as {@code person}; its report. */
  private JsonNode client(String token, String operations, Person person, String path)
      throws Exception {
    Process p =
        new ProcessBuilder(
                PYTHON.toString(),
                PYTHON_DIR.resolve("mcp_client.py").toString(),
                gateway.url() + path,
                token,
                operations)
            .redirectError(tmp.resolve("client-" + System.nanoTime() + ".log").toFile())
            .start();
    JsonNode report = null;
    try (BufferedReader out =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
      String line;
      while ((line = out.readLine()) != null) {
        JsonNode m = JSON.readTree(line);
        if (m.has("elicitation")) {
          in.write((person == null ? "" : person.answer(m.get("elicitation"))) + "\n");
          in.flush();
        } else {
          report = m;
        }
      }
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(report).as("the client's report").isNotNull();
    return report;
  }

  private HttpResponse<String> post(
      String token, String method, String name, String body, Map<String, String> more)
      throws Exception {
    return post(token, method, name, body, more, "/mcp/bank");
  }

  /** A raw 2026-07-28 POST with the routing headers given. */
  private HttpResponse<String> post(
      String token, String method, String name, String body, Map<String, String> more, String path)
      throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + token);
    headers.put("Content-Type", "application/json");
    headers.put("Accept", "application/json, text/event-stream");
    headers.put("MCP-Protocol-Version", "2026-07-28");
    headers.put("Mcp-Method", method);
    if (name != null) {
      headers.put("Mcp-Name", name);
    }
    headers.putAll(more);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.url() + path))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
