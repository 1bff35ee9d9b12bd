package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real authority (SQLite in a temp dir), a real gateway with the MCP front end, and real MCP
 * servers from npm (installed in src/test/node by the build): filesystem, everything and memory
 * over stdio, and a second everything server over Streamable HTTP.
 */
final class McpTestBed implements AutoCloseable {
  static final String AUDIENCE = "gw-mcp-test";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(4);

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
          maxTtl: 1h
          maxDepth: 4
        approver:
          approves: [finance]
          maxTtl: 5m
        gateway:
          role: gateway
      """;

  final Path files;
  final AuthorityServer authority;
  final GatewayServer gateway;
  final Process httpEverything;
  private final String agentAuth;
  private final String adminAuth;
  private final String approverAuth;
  private final HttpClient http = HttpClient.newHttpClient();

  private McpTestBed(
      Path files,
      AuthorityServer authority,
      GatewayServer gateway,
      Process httpEverything,
      String agentAuth,
      String adminAuth,
      String approverAuth) {
    this.files = files;
    this.authority = authority;
    this.gateway = gateway;
    this.httpEverything = httpEverything;
    this.agentAuth = agentAuth;
    this.adminAuth = adminAuth;
    this.approverAuth = approverAuth;
  }

  static Path entryPoint(String server) {
    Path p = NODE_DIR.resolve("node_modules/@modelcontextprotocol/" + server + "/dist/index.js");
    assertThat(p).as("npm peers are installed (mvn runs npm ci in src/test/node)").exists();
    return p;
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
    return start(tmp, moreUpstreams, "30s", CALL_TIMEOUT);
  }

  /**
   * As {@link #start(Path, String)}, with the gateway's revocation view stale after {@code
   * maxStaleness} and calls (including starting a stdio server for a session) timing out after
   * {@code callTimeout}.
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

    Path policy = tmp.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    AuthorityServer authority =
        AuthorityServer.start(
            AuthorityConfig.builder(tmp.resolve("authority"))
                .port(0)
                .policyFile(policy)
                .clock(Clock.systemUTC())
                .policyReloadInterval(Duration.ZERO)
                .shutdownTimeout(Duration.ofSeconds(2))
                .environment(Map.of())
                .build());
    String admin =
        basic(
            "admin",
            authority.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow());
    String agentSecret = createClient(authority, admin, "agent");
    String gatewaySecret = createClient(authority, admin, "gateway");
    String approverSecret = createClient(authority, admin, "approver");

    int httpPort = freePort();
    ProcessBuilder everythingOverHttp =
        new ProcessBuilder("node", entryPoint("server-everything").toString(), "streamableHttp")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("everything-http.log").toFile())
            .directory(tmp.toFile());
    everythingOverHttp.environment().put("PORT", String.valueOf(httpPort));
    Process httpEverything = everythingOverHttp.start();
    awaitListening(httpPort, httpEverything);
    String yaml =
        """
        listen: {host: 127.0.0.1, port: 0}
        audience: %s
        authority:
          url: %s
          clientId: gateway
          clientSecretEnv: GW_SECRET
          maxStaleness: %s
        spool: {dir: %s}
        mcp:
          callTimeout: %ds
          maxRequestBody: 256KiB
          upstreams:
            - service: fs
              path: /mcp/fs
              stdio:
                command: node
                args: [%s, %s]
              tools:
                read_text_file: {resource: {fromArg: path, root: %s}}
                write_file: {resource: {fromArg: path, root: %s}}
                list_directory: {resource: {fromArg: path, root: %s}}
                move_file: {resource: {fromArg: [source, destination], root: %s}}
                read_multiple_files: {resource: {fromArray: paths, root: %s}}
            - service: everything
              path: /mcp/everything
              maxSessions: 8
              stdio:
                command: node
                args: [%s, stdio]
              tools:
                echo: {}
                get-env: {}
                get-sum: {}
                trigger-long-running-operation: {}
                trigger-sampling-request: {}
              resources: true
              prompts: true
            - service: everything-http
              path: /mcp/everything-http
              http: {url: "http://127.0.0.1:%d/mcp"}
              tools:
                echo: {}
                get-env: {}
            - service: memory
              path: /mcp/memory
              stdio:
                command: node
                args: [%s]
                env: {MEMORY_FILE_PATH: %s}
              tools:
                create_entities: {}
                add_observations: {}
                delete_entities: {}
                read_graph: {}
                search_nodes: {}
                open_nodes: {}
        %s
        """
            .formatted(
                AUDIENCE,
                authority.url(),
                maxStaleness,
                tmp.resolve("spool"),
                callTimeout.toSeconds(),
                entryPoint("server-filesystem"),
                files,
                files,
                files,
                files,
                files,
                files,
                entryPoint("server-everything"),
                httpPort,
                entryPoint("server-memory"),
                tmp.resolve("memory.jsonl"),
                moreUpstreams
                    .replace("EVERYTHING_HTTP", "http://127.0.0.1:" + httpPort + "/mcp")
                    .replace("EVERYTHING_SERVER", entryPoint("server-everything").toString())
                    .replace("FS_SERVER", entryPoint("server-filesystem").toString())
                    .replace("FILES", files.toString()));
    Path configFile = tmp.resolve("gateway.yaml");
    Files.writeString(configFile, yaml);
    GatewayServer gateway =
        GatewayServer.start(
            GatewayConfig.parse(yaml, configFile, Map.of("GW_SECRET", gatewaySecret)),
            Clock.systemUTC(),
            List.of(new McpFrontEnd.Factory()));
    return new McpTestBed(
        files,
        authority,
        gateway,
        httpEverything,
        basic("agent", agentSecret),
        admin,
        basic("approver", approverSecret));
  }

  String url(String path) {
    return gateway.url() + path;
  }

  /** Mints a capability for the agent; extra fields are JSON members such as {@code "ttl":"5m"}. */
  Minted mintWith(String extraJson, String... grants) {
    StringBuilder body = new StringBuilder("{\"grants\":[");
    for (int i = 0; i < grants.length; i++) {
      body.append(i == 0 ? "" : ",").append(JSON.valueToTree(grants[i]).toString());
    }
    body.append("],\"ttl\":\"10m\",\"audience\":\"").append(AUDIENCE).append('"');
    if (extraJson != null && !extraJson.isEmpty()) {
      body.append(',').append(extraJson);
    }
    body.append('}');
    JsonNode r = post(authority.url() + "/v1/capabilities", body.toString(), agentAuth, 201);
    List<String> revocationIds = new ArrayList<>();
    r.get("revocationIds").forEach(n -> revocationIds.add(n.asText()));
    return new Minted(r.get("token").asText(), r.get("tokenId").asText(), revocationIds);
  }

  Minted mint(String... grants) {
    return mintWith(null, grants);
  }

  record Minted(String token, String tokenId, List<String> revocationIds) {}

  /**
   * Has the approver client (a person, policy {@code approves: [finance]}) approve one call with
   * {@code POST /v1/approvals}; the request is JSON as an APPROVAL_REQUIRED error's data names it.
   *
   * @return the approval's text
   */
  String approve(String tokenId, JsonNode request) {
    var body = JSON.createObjectNode().put("tokenId", tokenId).put("group", "finance");
    body.set("request", request);
    return post(authority.url() + "/v1/approvals", body.toString(), approverAuth, 201)
        .get("approval")
        .asText();
  }

  /** Revokes a minted capability's authority block at the authority. */
  void revoke(Minted minted) {
    post(
        authority.url() + "/v1/revocations",
        "{\"tokenId\":\""
            + minted.tokenId()
            + "\",\"revocationId\":\""
            + minted.revocationIds().get(0)
            + "\",\"reason\":\"test\"}",
        agentAuth,
        201);
  }

  /**
   * Waits (at most 10 s, while the gateway's batch travels) for the first decision record of a
   * token that {@code match} accepts.
   */
  JsonNode awaitDecision(String tokenId, Predicate<JsonNode> match) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      for (JsonNode d : decisions(tokenId)) {
        if (match.test(d)) {
          return d;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no matching decision for token " + tokenId + " within 10 s");
      }
      Thread.sleep(50);
    }
  }

  /** The decision records the authority's audit trail holds for a token, oldest first. */
  private List<JsonNode> decisions(String tokenId) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(authority.url() + "/v1/audit?tokenId=" + tokenId + "&limit=1000"))
                .header("Authorization", adminAuth)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode n : JSON.readTree(r.body()).get("records")) {
      if (n.get("type").asText().equals("decision")) {
        out.add(n);
      }
    }
    return out;
  }

  /** Runs the TypeScript SDK client script and returns its JSON report. */
  JsonNode tsClient(String path, String token, String operationsJson) throws Exception {
    Process p =
        new ProcessBuilder(
                "node",
                NODE_DIR.resolve("mcp-client.mjs").toString(),
                url(path),
                token,
                operationsJson)
            .directory(NODE_DIR.toFile())
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

  private JsonNode post(String url, String json, String authorization, int expected) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Content-Type", "application/json")
                  .header("Authorization", authorization)
                  .POST(HttpRequest.BodyPublishers.ofString(json))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String createClient(AuthorityServer authority, String admin, String id)
      throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(authority.url() + "/v1/clients"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", admin)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"clientId\":\"" + id + "\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body()).get("secret").asText();
  }

  static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** Waits (at most 60 s) until the process listens on the port, so no test races its start. */
  private static void awaitListening(int port, Process process) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the everything server over HTTP did not start", notYet);
        }
        Thread.sleep(50);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
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

  @Override
  public void close() {
    gateway.close();
    authority.close();
    httpEverything.destroy();
  }
}
