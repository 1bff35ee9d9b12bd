package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.testkit.AuthorityApi.Minted;
import dev.mandate.testkit.Await;
import dev.mandate.token.Call;
import dev.mandate.token.Capability;
import dev.mandate.token.Proof;
import dev.mandate.wire.JsonRpcErrors;
import dev.mandate.wire.McpNames;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CompleteRequest;
import io.modelcontextprotocol.spec.McpSchema.CompleteRequest.CompleteArgument;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MCP front end against what a hostile agent does with the client side of MCP and with
 * sessions: answering the server's requests for roots, answering requests never made, calling
 * methods no standard names, listing what its capability does not cover, and taking every session
 * slot; and sessions that outlive their capability. Real npm servers, a real authority, the MCP
 * Java SDK client where a real client fits and raw HTTP where a hostile one does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpEdgeTest {
  private static final String INITIALIZED =
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir static Path tmp;
  private McpStack bed;
  private final List<McpSyncClient> clients = new ArrayList<>();
  private final List<RawMcp.Stream> streams = new ArrayList<>();
  private final List<Runnable> sessionsToEnd = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    bed =
        McpStack.start(
            tmp,
            """
                - service: fs-open
                  path: /mcp/fs-open
                  stdio: {command: node, args: [FS_SERVER, FILES]}
                  allowMethods: [x/custom]
                  tools:
                    list_allowed_directories: {}
                - service: fs-rooted
                  path: /mcp/fs-rooted
                  stdio: {command: node, args: [FS_SERVER, FILES]}
                  roots: [{uri: "file://FILES/data/invoices", name: invoices}]
                  tools:
                    list_allowed_directories: {resource: {value: /}}
                - service: small
                  path: /mcp/small
                  maxSessions: 4
                  maxSessionsPerOwner: 2
                  maxSessionsPerClient: 3
                  http: {url: "EVERYTHING_HTTP"}
                  tools: {echo: {}}
            """,
            "30s",
            // Each stdio session starts a node process; on a loaded machine that takes seconds.
            Duration.ofSeconds(30));
  }

  @AfterAll
  void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  @AfterEach
  void closeClients() {
    clients.forEach(McpSyncClient::closeGracefully);
    clients.clear();
    // Ended explicitly: a stream the client drops is noticed only at the next keep-alive.
    sessionsToEnd.forEach(Runnable::run);
    sessionsToEnd.clear();
    streams.forEach(RawMcp.Stream::close);
    streams.clear();
  }

  // ---- roots and the server's requests ---------------------------------------------------------

  @Test
  void roots_theAgentsNeverReachTheServer_andAnswersToRequestsNeverMade_areDropped()
      throws Exception {
    Minted minted = bed.mint("fs-open:list_allowed_directories:*");
    RawMcp raw = raw("/mcp/fs-open", "127.0.0.1");

    RawMcp.Answer init = raw.initialize(minted.token(), "{\"roots\":{\"listChanged\":true}}");
    assertThat(init.session()).as(init.body()).isNotNull();
    String session = init.session();
    endLater(raw, minted.token(), session);
    assertThat(raw.post(minted.token(), session, INITIALIZED).status()).isEqualTo(202);
    // The filesystem server replaces its directories with whatever roots/list answers: an answer
    // to a request it never made through the gateway is dropped, and audited.
    RawMcp.Answer forged =
        raw.post(
            minted.token(),
            session,
            "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"roots\":[{\"uri\":\"file:///\"}]}}");
    assertThat(forged.status()).isEqualTo(400);
    assertThat(forged.json().at("/error/code").asInt()).isEqualTo(JsonRpcErrors.DENIED);
    assertThat(forged.json().at("/error/message").asText())
        .contains("answers no request the server sent");
    assertThat(
            raw.post(
                    minted.token(),
                    session,
                    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}")
                .status())
        .isEqualTo(202);

    RawMcp.Answer dirs =
        raw.post(
            minted.token(),
            session,
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                + "\"name\":\"list_allowed_directories\",\"arguments\":{}}}");

    String text = dirs.json().at("/result/content/0/text").asText();
    assertThat(text).contains(bed.files.toString());
    assertThat(text.lines()).noneMatch(l -> l.strip().equals("/"));
    JsonNode audited =
        bed.awaitDecision(
            minted.tokenId(), d -> d.at("/detail/action").asText().equals("response"));
    assertThat(audited.at("/detail/decision").asText()).isEqualTo("deny");
  }

  @Test
  void roots_configuredForAnUpstream_areTheOnesTheServerWorksIn() throws Exception {
    McpSyncClient c =
        connect(
            "/mcp/fs-rooted",
            bed.mint("fs-rooted:list_allowed_directories:/").token(),
            // The agent offers the whole disk; the server never sees it.
            new McpSchema.Root("file:///", "everything"));
    String invoices = bed.files.resolve("data/invoices").toString();

    // The server asks for roots once initialized; the gateway answers from its configuration.
    Await.until(
        Duration.ofSeconds(15),
        () ->
            text(c.callTool(new CallToolRequest("list_allowed_directories", Map.of())))
                .contains(invoices));
    String dirs = text(c.callTool(new CallToolRequest("list_allowed_directories", Map.of())));
    assertThat(dirs.lines().filter(l -> l.startsWith("/"))).containsExactly(invoices);
  }

  // ---- methods -------------------------------------------------------------------------------

  @Test
  void methods_notOnTheAllowlist_areRefusedAndAudited_configuredOnesPass() throws Exception {
    Minted minted = bed.mint("fs-open:list_allowed_directories:*");
    RawMcp raw = raw("/mcp/fs-open", "127.0.0.1");
    String session = opened(raw.initialize(minted.token(), "{}"));
    endLater(raw, minted.token(), session);
    raw.post(minted.token(), session, INITIALIZED);

    RawMcp.Answer debug =
        raw.post(minted.token(), session, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"x/debug\"}");
    RawMcp.Answer custom =
        raw.post(minted.token(), session, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"x/custom\"}");
    RawMcp.Answer notification =
        raw.post(minted.token(), session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}");

    assertThat(debug.json().at("/error/code").asInt()).isEqualTo(JsonRpcErrors.DENIED);
    assertThat(debug.json().at("/error/message").asText())
        .isEqualTo("denied by Mandate: method 'x/debug' is not allowed on fs-open");
    assertThat(debug.json().at("/error/data/code").asText()).isEqualTo("INVALID_REQUEST");
    // x/custom is allowed here, so it reaches the server, which does not know it.
    assertThat(custom.json().at("/error/code").asInt()).isEqualTo(-32601);
    assertThat(notification.status()).isEqualTo(400);
    bed.awaitDecision(
        minted.tokenId(),
        d ->
            d.at("/detail/action").asText().equals("x/debug")
                && d.at("/detail/decision").asText().equals("deny"));
  }

  // ---- every refusal audited and counted -----------------------------------------------------

  @Test
  void everyRefusal_ofEveryStage_isAuditedAndCounted() throws Exception {
    Minted minted = bed.mint("fs-open:list_allowed_directories:*");
    RawMcp raw = raw("/mcp/fs-open", "127.0.0.1");
    String session = opened(raw.initialize(minted.token(), "{}"));
    endLater(raw, minted.token(), session);
    String[][] refusals = {
      // body, expected status, the audited action
      {"{not json", "400", McpNames.SESSION_ACTION},
      {"[]", "400", McpNames.SESSION_ACTION},
      {
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":"
            + "{\"name\":\"read_text_file\",\"arguments\":{\"path\":\"/\"}}}",
        "200",
        "tools/call"
      },
      {"{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"x/other\"}", "200", "x/other"},
    };
    for (String[] refusal : refusals) {
      double before = denials();

      RawMcp.Answer a = raw.post(minted.token(), session, refusal[0]);

      assertThat(a.status()).as(refusal[0]).isEqualTo(Integer.parseInt(refusal[1]));
      assertThat(a.json().has("error")).as(a.body()).isTrue();
      assertThat(denials()).as(refusal[0]).isGreaterThan(before);
      bed.awaitDecision(
          minted.tokenId(),
          d ->
              d.at("/detail/action").asText().equals(refusal[2])
                  && d.at("/detail/decision").asText().equals("deny")
                  // A refused JSON-RPC request is answered in a 200 and audited as a 403.
                  && d.at("/detail/status").asInt()
                      == (refusal[1].equals("200") ? 403 : Integer.parseInt(refusal[1])));
    }

    // Refused sessions and missing tokens are counted too (the latter names no token to find).
    double before = denials();
    assertThat(raw.post(minted.token(), "no-such-session", INITIALIZED).status()).isEqualTo(404);
    assertThat(raw.post(null, session, INITIALIZED).status()).isEqualTo(401);
    assertThat(denials()).isGreaterThanOrEqualTo(before + 2);
  }

  @Test
  void aMessageWithoutAUsableCapability_isAnsweredBeforeItsBody_andItsConnectionClosed()
      throws Exception {
    java.net.URI url = java.net.URI.create(bed.gateway.url());
    for (String authorization : new String[] {null, "Bearer mandate-forged"}) {
      try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
        // Waiting for the body would end in the minimum data rate's 400, not in this answer.
        socket.setSoTimeout(20_000);
        socket
            .getOutputStream()
            .write(
                ("POST /mcp/fs-open HTTP/1.1\r\nHost: gateway\r\n"
                        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                        + "Content-Type: application/json\r\n"
                        + "Accept: application/json, text/event-stream\r\n"
                        + "Content-Length: 60000\r\n\r\n{\"jsonrpc\":")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));

        String answer =
            new String(
                socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(answer)
            .as(String.valueOf(authorization))
            .startsWith("HTTP/1.1 401")
            .containsIgnoringCase("connection: close")
            .contains("WWW-Authenticate: Bearer");
      }
    }
  }

  /** Denials the gateway has counted, of every code. */
  private double denials() {
    return bed
        .gateway
        .metrics()
        .find("mandate.gateway.decisions")
        .tag("decision", "deny")
        .counters()
        .stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count)
        .sum();
  }

  @Test
  void lists_showOnlyWhatTheCapabilityCovers() {
    McpSyncClient c =
        connect(
            "/mcp/everything",
            bed.mint(
                    "everything:echo:*",
                    "everything:resources.read:demo://resource/static/document/architecture.md",
                    "everything:resources.read:demo://resource/dynamic/text/*",
                    "everything:prompts.get:simple-prompt",
                    "everything:prompts.get:completable-prompt")
                .token());

    assertThat(c.listResources().resources())
        .extracting(McpSchema.Resource::uri)
        .containsExactly("demo://resource/static/document/architecture.md");
    assertThat(c.listResourceTemplates().resourceTemplates())
        .extracting(McpSchema.ResourceTemplate::uriTemplate)
        .containsExactly("demo://resource/dynamic/text/{resourceId}");
    assertThat(c.listPrompts().prompts())
        .extracting(McpSchema.Prompt::name)
        .containsExactlyInAnyOrder("simple-prompt", "completable-prompt");
  }

  @Test
  void completions_ofWhatTheCapabilityDoesNotCover_areDenied() {
    McpSyncClient c =
        connect(
            "/mcp/everything",
            bed.mint(
                    "everything:echo:*",
                    "everything:resources.read:demo://resource/dynamic/text/*",
                    "everything:prompts.get:completable-prompt")
                .token());

    assertThat(
            c.completeCompletion(
                    new CompleteRequest(
                        new McpSchema.PromptReference("completable-prompt"),
                        new CompleteArgument("department", "Eng")))
                .completion()
                .values())
        .containsExactly("Engineering");
    assertThat(
            c.completeCompletion(
                    new CompleteRequest(
                        new McpSchema.ResourceReference(
                            "demo://resource/dynamic/text/{resourceId}"),
                        new CompleteArgument("resourceId", "7")))
                .completion()
                .values())
        .containsExactly("7");
    assertDenied(
        () ->
            c.completeCompletion(
                new CompleteRequest(
                    new McpSchema.PromptReference("resource-prompt"),
                    new CompleteArgument("resourceId", "1"))));
    assertDenied(
        () ->
            c.completeCompletion(
                new CompleteRequest(
                    new McpSchema.ResourceReference("demo://resource/dynamic/blob/{resourceId}"),
                    new CompleteArgument("resourceId", "1"))));
  }

  @Test
  void resources_areDecidedOnTheNormalisedUri_andSubscriptionsNeedACoveredOne() {
    McpSyncClient c =
        connect(
            "/mcp/everything",
            bed.mint(
                    "everything:echo:*",
                    "everything:resources.read:demo://resource/static/document/architecture.md")
                .token());

    McpSchema.ReadResourceResult read =
        c.readResource(
            new McpSchema.ReadResourceRequest(
                "demo://resource/static/document/./sub/../architecture.md"));
    assertThat(read.contents()).hasSize(1);
    assertThat(read.contents().get(0).uri())
        .isEqualTo("demo://resource/static/document/architecture.md");
    assertDenied(
        () ->
            c.readResource(
                new McpSchema.ReadResourceRequest(
                    "demo://resource/static/document/%2e%2e/document/architecture.md")));
    assertDenied(
        () ->
            c.readResource(
                new McpSchema.ReadResourceRequest(
                    "demo://resource/static/document/architecture\uFF0Emd")));
    assertDenied(
        () ->
            c.subscribeResource(
                new McpSchema.SubscribeRequest("demo://resource/static/document/features.md")));
    c.subscribeResource(
        new McpSchema.SubscribeRequest("demo://resource/static/document/architecture.md"));
  }

  // ---- sessions ------------------------------------------------------------------------------

  @Test
  void sessions_oneNarrowToken_cannotTakeEverySlot_othersStillGetIn() throws Exception {
    Minted mallory = bed.mint("small:echo:*");
    RawMcp raw = raw("/mcp/small", "127.0.0.21");
    for (int i = 0; i < 2; i++) {
      activeSession(raw, mallory.token());
    }

    RawMcp.Answer third = raw.initialize(mallory.token(), "{}");
    String alice = bed.mint("small:echo:*").token();
    RawMcp.Answer someoneElse = raw("/mcp/small", "127.0.0.22").initialize(alice, "{}");
    endLater(raw, alice, someoneElse.session());

    assertThat(third.status()).isEqualTo(429);
    assertThat(third.header("Retry-After")).isNotNull();
    assertThat(third.json().at("/error/message").asText())
        .contains("already holds 2 active sessions on small");
    assertThat(someoneElse.status()).as(someoneElse.body()).isEqualTo(200);
    JsonNode audited =
        bed.awaitDecision(
            mallory.tokenId(), d -> d.at("/detail/action").asText().equals("initialize"));
    assertThat(audited.at("/detail/code").asText()).isEqualTo("LIMIT_EXCEEDED");
  }

  @Test
  void sessions_anOwnersLeastRecentlyUsedIdleSession_makesRoomForItsNext() throws Exception {
    String token = bed.mint("small:echo:*").token();
    RawMcp raw = raw("/mcp/small", "127.0.0.31");
    String first = opened(raw.initialize(token, "{}"));
    String second = opened(raw.initialize(token, "{}"));
    endLater(raw, token, second);
    assertThat(raw.post(token, second, INITIALIZED).status()).isEqualTo(202);

    RawMcp.Answer third = raw.initialize(token, "{}");
    endLater(raw, token, third.session());

    assertThat(third.status()).isEqualTo(200);
    assertThat(raw.post(token, first, INITIALIZED).status()).as("evicted").isEqualTo(404);
    assertThat(raw.post(token, second, INITIALIZED).status()).isEqualTo(202);
  }

  @Test
  void sessions_manyTokensFromOneAddress_areBounded_andActiveSessionsAreNeverEvicted()
      throws Exception {
    RawMcp flood = raw("/mcp/small", "127.0.0.41");
    for (int i = 0; i < 3; i++) {
      activeSession(flood, bed.mint("small:echo:*").token());
    }
    RawMcp.Answer fourth = flood.initialize(bed.mint("small:echo:*").token(), "{}");
    assertThat(fourth.status()).isEqualTo(429);
    assertThat(fourth.json().at("/error/message").asText()).contains("client address");

    // One slot of four is left for everyone else; once it is taken by an active session, the
    // upstream is full and nobody's active session is evicted for a newcomer.
    RawMcp other = raw("/mcp/small", "127.0.0.42");
    activeSession(other, bed.mint("small:echo:*").token());
    RawMcp.Answer full =
        raw("/mcp/small", "127.0.0.43").initialize(bed.mint("small:echo:*").token(), "{}");
    assertThat(full.status()).isEqualTo(503);
    assertThat(full.json().at("/error/message").asText())
        .contains("every session on small is in use");
  }

  @Test
  void sessions_endWhenTheirCapabilityIsRevoked_stoppingTheirServer() throws Exception {
    Minted minted = bed.mint("fs-open:list_allowed_directories:*");
    Set<Long> before = pids(McpStack.children("server-filesystem"));
    RawMcp raw = raw("/mcp/fs-open", "127.0.0.1");
    String session = opened(raw.initialize(minted.token(), "{}"));
    assertThat(raw.post(minted.token(), session, INITIALIZED).status()).isEqualTo(202);
    List<ProcessHandle> started = new ArrayList<>(McpStack.children("server-filesystem"));
    started.removeIf(p -> before.contains(p.pid()));
    assertThat(started).hasSize(1);

    bed.revoke(minted);

    Await.until(Duration.ofSeconds(20), () -> !started.get(0).isAlive());
    // The token is refused now in any case; the session is gone, not just refused.
    assertThat(raw.delete(minted.token(), session).status()).isIn(401, 404);
  }

  @Test
  void sessions_endWhenTheirCapabilityExpires() throws Exception {
    String token =
        Capability.decode(bed.mint("fs-open:list_allowed_directories:*").token())
            .attenuate()
            .expiresAt(Instant.now().plusSeconds(15))
            .sign()
            .toText();
    Set<Long> before = pids(McpStack.children("server-filesystem"));
    RawMcp raw = raw("/mcp/fs-open", "127.0.0.1");
    String session = opened(raw.initialize(token, "{}"));
    assertThat(raw.post(token, session, INITIALIZED).status()).isEqualTo(202);
    List<ProcessHandle> started = new ArrayList<>(McpStack.children("server-filesystem"));
    started.removeIf(p -> before.contains(p.pid()));
    assertThat(started).hasSize(1);

    assertThat(started.get(0).isAlive()).isTrue();
    Await.until(Duration.ofSeconds(40), () -> !started.get(0).isAlive());
  }

  // ---- holder-bound sessions -----------------------------------------------------------------

  @Test
  void holderBound_aStolenTokenWithoutItsKey_canNeitherOpenNorUseASession() throws Exception {
    SigningKey holder = SigningKey.generate(RANDOM);
    Minted minted =
        bed.mintWith("\"holderKey\":\"" + holder.verifyingKey().toText() + "\"", "small:echo:*");
    String token = minted.token();
    RawMcp raw = raw("/mcp/small", "127.0.0.51");
    String init = RawMcp.INITIALIZE.formatted("{}");

    RawMcp.Answer stolen = raw.initialize(token, "{}");
    assertThat(stolen.status()).isEqualTo(401);
    assertThat(stolen.header("WWW-Authenticate")).contains("invalid_token");
    assertThat(stolen.json().at("/error/message").asText()).contains("needs a proof");

    RawMcp.Answer opened =
        raw.post(token, null, init, sessionProof(holder, token, "POST", "initialize"));
    assertThat(opened.status()).as(opened.body()).isEqualTo(200);
    String session = opened.session();
    endLater(raw, token, session, holder);
    String list = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

    // Without the key: nothing, not even a list, a notification, the stream or the end.
    assertThat(raw.post(token, session, list).status()).isEqualTo(401);
    assertThat(raw.post(token, session, INITIALIZED).status()).isEqualTo(401);
    try (RawMcp.Stream stream = raw.openStream(token, session)) {
      assertThat(stream.status()).isEqualTo(401);
    }
    assertThat(raw.delete(token, session).status()).isEqualTo(401);
    // A proof seen on the wire is good once.
    String proof = sessionProof(holder, token, "POST", "tools/list");
    assertThat(raw.post(token, session, list, proof).status()).isEqualTo(200);
    assertThat(raw.post(token, session, list, proof).status()).isEqualTo(401);
    // The holder's session is intact.
    RawMcp.Answer listed =
        raw.post(token, session, list, sessionProof(holder, token, "POST", "tools/list"));
    assertThat(listed.json().at("/result/tools/0/name").asText()).isEqualTo("echo");
    bed.awaitDecision(
        minted.tokenId(),
        d ->
            d.at("/detail/code").asText().equals("PROOF_REQUIRED")
                && d.at("/detail/action").asText().equals("mcp.session"));
  }

  @Test
  void holderBound_aTokenBoundToTheVictimsKey_cannotOperateTheVictimsSession() throws Exception {
    SigningKey victim = SigningKey.generate(RANDOM);
    String bound = "\"holderKey\":\"" + victim.verifyingKey().toText() + "\"";
    String victimsToken = bed.mintWith(bound, "small:echo:*").token();
    RawMcp raw = raw("/mcp/small", "127.0.0.52");
    String session =
        raw.post(
                victimsToken,
                null,
                RawMcp.INITIALIZE.formatted("{}"),
                sessionProof(victim, victimsToken, "POST", "initialize"))
            .session();
    endLater(raw, victimsToken, session, victim);
    // Anyone may mint a token bound to a public key; only the key's holder can prove it.
    String attackers = bed.mintWith(bound, "small:echo:*").token();
    SigningKey attackerKey = SigningKey.generate(RANDOM);
    String list = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

    assertThat(raw.post(attackers, session, list).status()).isEqualTo(401);
    assertThat(
            raw.post(
                    attackers,
                    session,
                    list,
                    sessionProof(attackerKey, attackers, "POST", "tools/list"))
                .status())
        .isEqualTo(401);
    assertThat(raw.delete(attackers, session).status()).isEqualTo(401);
    assertThat(
            raw.post(
                    victimsToken,
                    session,
                    list,
                    sessionProof(victim, victimsToken, "POST", "tools/list"))
                .status())
        .isEqualTo(200);
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The holder's proof for a session operation on the small upstream. */
  private static String sessionProof(
      SigningKey holder, String token, String httpMethod, String rpcMethod) {
    Call operation =
        Call.mcp(McpStack.AUDIENCE, "small", McpNames.operation(httpMethod, rpcMethod), "", null);
    return Proof.create(holder, token, operation, Instant.now(), RANDOM).text();
  }

  /** Ends a holder-bound session after the test. */
  private void endLater(RawMcp raw, String token, String session, SigningKey holder) {
    sessionsToEnd.add(
        () -> {
          try {
            raw.delete(token, session, sessionProof(holder, token, "DELETE", null));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  /** The id of the session an initialize opened; fails with the answer if none was opened. */
  private static String opened(RawMcp.Answer initialize) {
    assertThat(initialize.session()).as(initialize.body()).isNotNull();
    return initialize.session();
  }

  private RawMcp raw(String path, String from) {
    return new RawMcp(bed.gateway.url(), path, from);
  }

  /** Opens an initialized session with its GET stream held open, so it is never idle. */
  private String activeSession(RawMcp raw, String token) throws Exception {
    String session = opened(raw.initialize(token, "{}"));
    endLater(raw, token, session);
    RawMcp.Answer initialized = raw.post(token, session, INITIALIZED);
    assertThat(initialized.status()).as(initialized.body()).isEqualTo(202);
    RawMcp.Stream stream = raw.openStream(token, session);
    streams.add(stream);
    assertThat(stream.status()).isEqualTo(200);
    return session;
  }

  /** Ends a session after the test (DELETE), whatever became of it. */
  private void endLater(RawMcp raw, String token, String session) {
    sessionsToEnd.add(
        () -> {
          try {
            raw.delete(token, session);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  private McpSyncClient connect(String path, String token, McpSchema.Root... roots) {
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder(bed.gateway.url())
            .endpoint(path)
            .httpRequestCustomizer(
                (builder, method, uri, body, context) ->
                    builder.header("Authorization", "Bearer " + token))
            .build();
    McpClient.SyncSpec spec =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(20))
            .initializationTimeout(Duration.ofSeconds(20));
    if (roots.length > 0) {
      spec.roots(roots);
    }
    McpSyncClient client = spec.build();
    clients.add(client);
    client.initialize();
    return client;
  }

  private static String text(McpSchema.CallToolResult r) {
    StringBuilder out = new StringBuilder();
    for (McpSchema.Content c : r.content()) {
      if (c instanceof TextContent t) {
        out.append(t.text());
      }
    }
    return out.toString();
  }

  private static void assertDenied(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOf(McpError.class)
        .hasMessageContaining("denied by Mandate");
  }

  private static Set<Long> pids(List<ProcessHandle> handles) {
    Set<Long> out = new HashSet<>();
    handles.forEach(h -> out.add(h.pid()));
    return out;
  }
}
