package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.TestPeers;
import dev.mandate.testkit.AuthorityApi.Minted;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.GatewayYaml;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.NpmPeers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real authority (SQLite in a temp dir), a real gateway with the MCP front end, and real MCP
 * servers from npm ({@link NpmPeers}, installed by mandate-testkit-http's build): filesystem,
 * everything and memory over stdio, and a second everything server over Streamable HTTP.
 */
final class McpTestBed implements AutoCloseable {
  static final String AUDIENCE = "gw-mcp-test";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(4);

  /**
   * How long one long-poll of the revocation feed waits (the most there is): a revocation the
   * gateway applies well within it was pushed by the authority, not found by the next poll.
   */
  static final Duration POLL_WAIT = Duration.ofSeconds(30);

  private static final String POLICY =
      """
      version: 1
      clients:
        admin:
          grants: ["fs:read_text_file:/data/**"]
          maxTtl: 1h
        agent:
          grants:
            - "fs:*:/**"
            - "fs-unresolved:*:/**"
            - "everything:*:*"
            - "everything-http:*:*"
            - "memory:*:*"
            - "everything:resources.read:demo://resource/**"
            - "fs-open:*:*"
            - "fs-rooted:*:/**"
            - "small:*:*"
            - "slow-start:*:*"
          maxTtl: 1h
          maxDepth: 4
        approver:
          approves: [finance]
          maxTtl: 5m
        gateway:
          role: gateway
      """;

  final Path files;
  final TestPeers.Authority authority;
  final GatewayServer gateway;
  final Process httpEverything;
  private final String agentAuth;

  private McpTestBed(
      Path files,
      TestPeers.Authority authority,
      GatewayServer gateway,
      Process httpEverything,
      String agentAuth) {
    this.files = files;
    this.authority = authority;
    this.gateway = gateway;
    this.httpEverything = httpEverything;
    this.agentAuth = agentAuth;
  }

  static McpTestBed start(Path tmp) throws Exception {
    return start(tmp, "");
  }

  /**
   * As {@link #start(Path)}, with further upstreams: YAML list items indented for {@code
   * mcp.upstreams}, in which {@code FS_SERVER} and {@code FILES} stand for the filesystem server's
   * entry point and its root, {@code EVERYTHING_SERVER} for the everything server's entry point and
   * {@code EVERYTHING_HTTP} for its URL over Streamable HTTP.
   */
  static McpTestBed start(Path tmp, String moreUpstreams) throws Exception {
    return start(tmp, moreUpstreams, "90s", CALL_TIMEOUT);
  }

  /**
   * As {@link #start(Path, String)}, with the gateway's revocation view stale after {@code
   * maxStaleness} (the feed long-polled for {@link #POLL_WAIT}, or a third of it if less) and calls
   * timing out after {@code callTimeout} (opening a session has the default start bound, 60 s).
   */
  static McpTestBed start(Path tmp, String moreUpstreams, String maxStaleness, Duration callTimeout)
      throws Exception {
    // The filesystem server resolves symlinks, so its root must be a real path.
    Path files = tmp.toRealPath().resolve("files");
    Files.createDirectories(files.resolve("data/invoices/2024"));
    Files.createDirectories(files.resolve("data/invoices/2023"));
    Files.createDirectories(files.resolve("data/inbox"));
    Files.createDirectories(files.resolve("data/archive"));
    Files.createDirectories(files.resolve("public"));
    Files.writeString(files.resolve("data/invoices/2024/inv-001.txt"), "invoice 2024-001: 120 EUR");
    Files.writeString(files.resolve("data/invoices/2023/inv-900.txt"), "invoice 2023-900: 99 EUR");

    Path authorityDir = Files.createDirectories(tmp.resolve("authority"));
    TestPeers.Authority authority = new TestPeers.Authority(authorityDir, null, POLICY, AUDIENCE);
    String agentAuth =
        Http.basic("agent", authority.api.createClient(authority.adminAuth, "agent"));

    int httpPort = Await.freePort();
    Process httpEverything =
        NpmPeers.startOverHttp(
            "server-everything", httpPort, tmp.resolve("everything-http.log"), "streamableHttp");
    String everythingHttp = "http://127.0.0.1:" + httpPort + "/mcp";
    Path fsServer = NpmPeers.server("server-filesystem");
    Path everything = NpmPeers.server("server-everything");
    String yaml =
        GatewayYaml.of(AUDIENCE, authority.url(), tmp.resolve("spool"))
            .maxStaleness(maxStaleness)
            .pollWait(POLL_WAIT.toSeconds() + "s")
            .mcp(
                List.of("callTimeout: " + callTimeout.toSeconds() + "s", "maxRequestBody: 256KiB"),
                McpUpstream.node("fs", fsServer, files)
                    .toolOnPath("read_text_file", files, "path")
                    .toolOnPath("write_file", files, "path")
                    .toolOnPath("list_directory", files, "path")
                    .toolOnPath("move_file", files, "source", "destination")
                    .toolOnPaths("read_multiple_files", files, "paths"),
                McpUpstream.node("everything", everything, "stdio")
                    .with("maxSessions: 8")
                    .with("resources: true")
                    .with("prompts: true")
                    .tool("echo")
                    .tool("get-env")
                    .tool("get-sum")
                    .tool("trigger-long-running-operation")
                    .tool("trigger-sampling-request"),
                McpUpstream.http("everything-http", everythingHttp).tool("echo").tool("get-env"),
                McpUpstream.node("memory", NpmPeers.server("server-memory"))
                    .env("MEMORY_FILE_PATH", tmp.resolve("memory.jsonl").toString())
                    .tool("create_entities")
                    .tool("add_observations")
                    .tool("delete_entities")
                    .tool("read_graph")
                    .tool("search_nodes")
                    .tool("open_nodes"))
            .upstreams(
                moreUpstreams
                    .replace("EVERYTHING_HTTP", everythingHttp)
                    .replace("EVERYTHING_SERVER", everything.toString())
                    .replace("FS_SERVER", fsServer.toString())
                    .replace("FILES", files.toString()))
            .text();
    Path configFile = tmp.resolve("gateway.yaml");
    Files.writeString(configFile, yaml);
    GatewayServer gateway =
        GatewayServer.start(
            GatewayConfig.parse(
                yaml, configFile, Map.of(GatewayYaml.SECRET_ENV, authority.gatewayClientSecret)),
            Clock.systemUTC(),
            List.of(new McpFrontEnd.Factory()));
    return new McpTestBed(files, authority, gateway, httpEverything, agentAuth);
  }

  String url(String path) {
    return gateway.url() + path;
  }

  /**
   * Mints a capability for the agent, for 10 minutes; extra fields are JSON members such as {@code
   * "holderKey":"..."}.
   */
  Minted mintWith(String extraJson, String... grants) {
    return authority.api.mint(agentAuth, "10m", AUDIENCE, extraJson, grants);
  }

  Minted mint(String... grants) {
    return mintWith(null, grants);
  }

  /**
   * Has the approver client (a person, policy {@code approves: [finance]}) approve one call; the
   * request is JSON as an APPROVAL_REQUIRED error's data names it.
   *
   * @return the approval's text
   */
  String approve(String tokenId, JsonNode request) {
    return authority.api.approve(authority.approverAuth, tokenId, "finance", request, null);
  }

  /**
   * Revokes a minted capability's authority block at the authority.
   *
   * @return the revocation's sequence in the feed (see {@link #appliedSequence()})
   */
  long revoke(Minted minted) {
    return authority.api.revoke(agentAuth, minted.tokenId(), minted.revocationIds().get(0), "test");
  }

  /** The last revocation feed sequence the gateway's view holds. */
  long appliedSequence() {
    return (long) gateway.metrics().get("mandate.gateway.revocation.sequence").gauge().value();
  }

  /**
   * Waits (at most 10 s, while the gateway's batch travels) for the first decision record of a
   * token that {@code match} accepts.
   */
  JsonNode awaitDecision(String tokenId, Predicate<JsonNode> match) {
    return authority.api.awaitDecision(authority.adminAuth, tokenId, match, Duration.ofSeconds(10));
  }

  /** Runs the TypeScript SDK client script and returns its JSON report. */
  JsonNode tsClient(String path, String token, String operationsJson) throws Exception {
    Process p =
        new ProcessBuilder(
                "node",
                NpmPeers.dir().resolve("mcp-client.mjs").toString(),
                url(path),
                token,
                operationsJson)
            .directory(NpmPeers.dir().toFile())
            .redirectErrorStream(false)
            .start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8).strip();
    assertThat(text).as("client output (stderr: %s)", err).isNotEmpty();
    String[] lines = text.split("\n");
    return JSON.readTree(lines[lines.length - 1]);
  }

  /** A raw POST to the gateway, for what SDK clients never send. */
  HttpResponse<String> rawPost(String path, Map<String, String> headers, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url(path)))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Child processes of this JVM running the given npm server. */
  static List<ProcessHandle> children(String server) {
    List<ProcessHandle> out = new ArrayList<>();
    ProcessHandle.current()
        .descendants()
        .filter(
            p ->
                p.info().commandLine().orElse("").contains(server + "/dist/index.js")
                    && !p.info().commandLine().orElse("").contains("streamableHttp"))
        .forEach(out::add);
    return out;
  }

  private final HttpClient http = HttpClient.newHttpClient();

  @Override
  public void close() {
    gateway.close();
    authority.close();
    httpEverything.destroy();
  }
}
