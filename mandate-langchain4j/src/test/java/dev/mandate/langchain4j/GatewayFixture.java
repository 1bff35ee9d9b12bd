package dev.mandate.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.mcp.McpFrontEnd;
import dev.mandate.sdk.AuthorityCapabilitySource;
import dev.mandate.sdk.CapabilityHandle;
import dev.mandate.sdk.RequestShape;
import dev.mandate.sdk.Wallet;
import dev.mandate.token.Request;
import dev.mandate.token.Restrictions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A real authority (SQLite in a temp dir), a real gateway and the real npm filesystem MCP server
 * (installed in src/test/node by the build) over a small workspace of invoices and a decoy SSH key.
 */
final class GatewayFixture implements AutoCloseable {
  static final String AUDIENCE = "lc4j-test-gateway";
  static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants:
            - "fs:read_text_file:/invoices/{year}/**"
            - "fs:list_directory:/invoices/{year}"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 15m
          require: [holder, audience]
        ops:
          grants: ["fs:read_text_file:/**"]
          maxTtl: 15m
        careful-agent:
          grants: ["fs:read_text_file:/invoices/2024/**"]
          maxTtl: 15m
          require: [holder, audience]
          approval: [finance]
        approver:
          approves: [finance]
          maxTtl: 5m
        gateway:
          role: gateway
      """;

  final Path workspace;
  final AuthorityServer authority;
  final GatewayServer gateway;
  private final char[] agentSecret;
  private final char[] opsSecret;
  private final char[] carefulSecret;
  private final String approverAuth;

  private GatewayFixture(
      Path workspace,
      AuthorityServer authority,
      GatewayServer gateway,
      char[] agentSecret,
      char[] opsSecret,
      char[] carefulSecret,
      String approverAuth) {
    this.workspace = workspace;
    this.authority = authority;
    this.gateway = gateway;
    this.agentSecret = agentSecret;
    this.opsSecret = opsSecret;
    this.carefulSecret = carefulSecret;
    this.approverAuth = approverAuth;
  }

  static GatewayFixture start(Path tmp) throws Exception {
    Path fsServer =
        NODE_DIR.resolve("node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
    assertThat(fsServer).as("npm ci ran in src/test/node (the Maven build does it)").exists();

    // The filesystem server resolves symlinks, so its root must be a real path.
    Path workspace = Files.createDirectories(tmp.toRealPath().resolve("workspace"));
    write(workspace, "invoices/2024/inv-001.txt", "Invoice 2024-001, ACME Cloud, 1200.00 EUR");
    write(workspace, "invoices/2024/inv-002.txt", "Invoice 2024-002, Paper Co, 80.50 EUR");
    write(workspace, "invoices/2023/inv-900.txt", "Invoice 2023-900, Old Vendor, 99.00 EUR");
    write(workspace, "home/.ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\ndecoy\n");

    Path policy = tmp.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    AuthorityServer authority =
        AuthorityServer.start(
            AuthorityConfig.builder(tmp.resolve("authority"))
                .port(0)
                .policyFile(policy)
                .policyReloadInterval(Duration.ZERO)
                .shutdownTimeout(Duration.ofSeconds(2))
                .environment(Map.of())
                .build());
    String admin =
        basic(
            "admin",
            authority.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow());
    String agentSecret = createClient(authority, admin, "agent");
    String opsSecret = createClient(authority, admin, "ops");
    String gatewaySecret = createClient(authority, admin, "gateway");
    String carefulSecret = createClient(authority, admin, "careful-agent");
    String approverSecret = createClient(authority, admin, "approver");

    String yaml =
        """
        listen: {host: 127.0.0.1, port: 0}
        audience: %s
        authority:
          url: %s
          clientId: gateway
          clientSecretEnv: GW_SECRET
          maxStaleness: 30s
        spool: {dir: %s}
        shutdownTimeout: 1s
        mcp:
          callTimeout: 10s
          upstreams:
            - service: fs
              path: /mcp/fs
              stdio:
                command: node
                args: [%s, %s]
              tools:
                read_text_file: {resource: {fromArg: path, root: %s}}
                list_directory: {resource: {fromArg: path, root: %s}}
                write_file: {resource: {fromArg: path, root: %s}}
        """
            .formatted(
                AUDIENCE,
                authority.url(),
                tmp.resolve("spool"),
                fsServer,
                workspace,
                workspace,
                workspace,
                workspace);
    Path configFile = tmp.resolve("gateway.yaml");
    Files.writeString(configFile, yaml);
    GatewayServer gateway =
        GatewayServer.start(
            GatewayConfig.parse(yaml, configFile, Map.of("GW_SECRET", gatewaySecret)),
            Clock.systemUTC(),
            List.of(new McpFrontEnd.Factory()));
    return new GatewayFixture(
        workspace,
        authority,
        gateway,
        agentSecret.toCharArray(),
        opsSecret.toCharArray(),
        carefulSecret.toCharArray(),
        basic("approver", approverSecret));
  }

  URI mcpEndpoint() {
    return URI.create(gateway.url() + "/mcp/fs");
  }

  /** Where the agent's calls go; nothing of the gateway's mapping (proofs sign calls as sent). */
  RequestShape shape() {
    return RequestShape.of(AUDIENCE, "fs");
  }

  /**
   * As {@link #shape()}, mirroring the gateway's rule (resource = path under the root), to ask for
   * and match approvals of calls.
   */
  RequestShape approvalShape() {
    return shape()
        .withApprovalMatching(
            RequestShape.ResourceRule.argumentUnderRoot("path", workspace.toString()));
  }

  /** Fetches a capability for these grants from the authority, bound to the wallet's key. */
  CapabilityHandle capability(Wallet wallet, String... grants) {
    return AuthorityCapabilitySource.builder(URI.create(authority.url()))
        .clientId("agent")
        .clientSecret(agentSecret)
        .restrictions(asking(grants))
        .build()
        .addTo(wallet, "invoices", shape());
  }

  private static Restrictions asking(String... grants) {
    Restrictions.Builder r = Restrictions.builder().ttl(Duration.ofMinutes(5));
    for (String g : grants) {
      r.allow(g);
    }
    return r.build();
  }

  /**
   * Fetches a capability for reading 2024 invoices for a client whose policy makes every call need
   * a person's approval (group finance), bound to the wallet's key.
   */
  CapabilityHandle capabilityNeedingApproval(Wallet wallet) {
    return AuthorityCapabilitySource.builder(URI.create(authority.url()))
        .clientId("careful-agent")
        .clientSecret(carefulSecret)
        .restrictions(
            Restrictions.builder()
                .allow("fs:read_text_file:/invoices/2024/**")
                .ttl(Duration.ofMinutes(5))
                .build())
        .build()
        .addTo(wallet, "careful", approvalShape());
  }

  /**
   * Has the approver client (a person of group finance) approve one call with {@code POST
   * /v1/approvals}; returns the approval's text.
   */
  String approve(String tokenId, Request request) throws Exception {
    ObjectNode call = JSON.createObjectNode();
    call.put("audience", request.audience());
    call.put("service", request.service());
    call.put("action", request.action());
    call.put("resource", request.resource());
    call.set("args", request.args());
    ObjectNode body = JSON.createObjectNode().put("tokenId", tokenId).put("group", "finance");
    body.set("request", call);
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(authority.url() + "/v1/approvals"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", approverAuth)
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body()).get("approval").asText();
  }

  /** Mints a bearer token for the ops client (not holder-bound), as text. */
  String opsToken() throws Exception {
    String body =
        "{\"grants\":[\"fs:read_text_file:/**\"],\"ttl\":\"5m\",\"audience\":\"" + AUDIENCE + "\"}";
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(authority.url() + "/v1/capabilities"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", basic("ops", new String(opsSecret)))
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body()).get("token").asText();
  }

  String path(String relative) {
    return workspace.resolve(relative).toString();
  }

  private static void write(Path root, String relative, String content) throws Exception {
    Path file = root.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
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

  private static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    gateway.close();
    authority.close();
  }
}
