package dev.mandate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.mcp.McpFrontEnd;
import dev.mandate.sdk.RequestShape;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The demo's servers, all on loopback with ephemeral ports: an authority (SQLite in a temp dir, the
 * demo policy) and a gateway whose MCP front end runs the npm filesystem server over the demo
 * workspace. Started in two steps because the workspace holds a token minted by the authority.
 */
final class DemoStack implements AutoCloseable {
  static final String AUDIENCE = "mandate-demo";
  static final String MCP_PATH = "/mcp/fs";
  static final String CLIENT = "assistant";

  /**
   * The policy: the assistant may mint read access to one year of invoices, bound and audienced.
   */
  static final String POLICY =
      """
      version: 1
      clients:
        assistant:
          description: The user's assistant; mints one capability per task.
          grants:
            - "fs:read_text_file:/invoices/{year}/**"
            - "fs:list_directory:/invoices/{year}"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 15m
          require: [holder, audience]
          audiences: [%s]
          maxDepth: 2
        gateway:
          description: The demo's gateway; uploads its decisions to the audit trail.
          role: gateway
      """
          .formatted(AUDIENCE);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final AuthorityServer authority;
  private final String assistantAuth;
  private final String gatewaySecret;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private GatewayServer gateway;
  private Workspace workspace;

  /** A capability the authority minted. */
  record Minted(String token, String tokenId) {}

  private DemoStack(
      Path dir, AuthorityServer authority, String assistantAuth, String gatewaySecret) {
    this.dir = dir;
    this.authority = authority;
    this.assistantAuth = assistantAuth;
    this.gatewaySecret = gatewaySecret;
  }

  /**
   * Starts the authority in {@code dir} and registers the assistant and gateway clients.
   *
   * @throws DemoException if it does not start
   */
  static DemoStack startAuthority(Path dir) {
    AuthorityServer authority = null;
    try {
      Path policy = dir.resolve("demo-policy.yaml");
      Files.writeString(policy, POLICY);
      authority =
          AuthorityServer.start(
              AuthorityConfig.builder(dir.resolve("authority"))
                  .host("127.0.0.1")
                  .port(0)
                  .policyFile(policy)
                  .policyReloadInterval(Duration.ZERO)
                  .shutdownTimeout(Duration.ofSeconds(1))
                  // A throwaway master key from memory: nothing in the temp dir needs to outlive
                  // the demo, and writing and syncing a key file costs start-up time.
                  .environment(Map.of("MANDATE_MASTER_KEY", throwawayMasterKey()))
                  .build());
      String admin =
          basic(
              "admin",
              authority
                  .bootstrapReport()
                  .flatMap(BootstrapReport::adminSecretOnce)
                  .orElseThrow(() -> new DemoException("the authority made no admin client")));
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String assistantSecret = createClient(http, authority, admin, CLIENT);
      String gatewaySecret = createClient(http, authority, admin, "gateway");
      return new DemoStack(dir, authority, basic(CLIENT, assistantSecret), gatewaySecret);
    } catch (IOException | RuntimeException e) {
      if (authority != null) {
        authority.close();
      }
      throw e instanceof DemoException d
          ? d
          : new DemoException("the authority did not start: " + e.getMessage(), e);
    }
  }

  /** A master key in the authority's text form ({@code mndmk1_} and 32 base64url bytes). */
  private static String throwawayMasterKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return "mndmk1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(key);
  }

  /** Returns the authority's URL. */
  String authorityUrl() {
    return authority.url();
  }

  /**
   * Asks the authority, as the assistant client, for a capability under the policy.
   *
   * @throws DemoException if the authority refuses
   */
  Minted mint(List<String> grants, Duration ttl, VerifyingKey holder) {
    ObjectNode body = JSON.createObjectNode();
    grants.forEach(body.putArray("grants")::add);
    body.put("ttl", ttl.toSeconds() + "s");
    body.put("audience", AUDIENCE);
    body.put("holderKey", holder.toText());
    JsonNode minted = post(http, authority.url() + "/v1/capabilities", body, assistantAuth, 201);
    return new Minted(minted.get("token").asText(), minted.get("tokenId").asText());
  }

  /**
   * Starts the gateway with the filesystem server over {@code workspace}.
   *
   * @throws DemoException if it does not start
   */
  void startGateway(Workspace workspace, Path filesystemServer) {
    this.workspace = workspace;
    String root = workspace.root.toString();
    String yaml =
        """
        listen: {host: 127.0.0.1, port: 0}
        audience: %s
        authority:
          url: %s
          clientId: gateway
          clientSecretEnv: MANDATE_DEMO_GATEWAY_SECRET
          maxStaleness: 30s
        spool: {dir: %s}
        shutdownTimeout: 1s
        mcp:
          callTimeout: 15s
          upstreams:
            - service: fs
              path: %s
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
                json(dir.resolve("spool").toString()),
                MCP_PATH,
                json(filesystemServer.toString()),
                json(root),
                json(root),
                json(root),
                json(root));
    try {
      Path configFile = dir.resolve("gateway.yaml");
      Files.writeString(configFile, yaml);
      gateway =
          GatewayServer.start(
              GatewayConfig.parse(
                  yaml, configFile, Map.of("MANDATE_DEMO_GATEWAY_SECRET", gatewaySecret)),
              Clock.systemUTC(),
              List.of(new McpFrontEnd.Factory()));
    } catch (IOException | RuntimeException e) {
      throw new DemoException("the gateway did not start: " + e.getMessage(), e);
    }
  }

  /** Returns the gateway's MCP endpoint for the filesystem server. */
  URI mcpEndpoint() {
    return URI.create(gateway.url() + MCP_PATH);
  }

  /**
   * Where the agents' calls go: the gateway's audience and the filesystem service. Nothing of the
   * gateway's mapping: proofs sign the calls as sent.
   */
  RequestShape shape() {
    return RequestShape.of(AUDIENCE, "fs");
  }

  /** Stops the gateway (and its MCP server processes), then the authority. */
  @Override
  public void close() {
    try {
      if (gateway != null) {
        gateway.close();
      }
    } finally {
      authority.close();
    }
  }

  /** A YAML flow scalar for a path (JSON strings are valid YAML). */
  private static String json(String text) {
    return JSON.getNodeFactory().textNode(text).toString();
  }

  private static String createClient(
      HttpClient http, AuthorityServer authority, String admin, String id) {
    ObjectNode body = JSON.createObjectNode().put("clientId", id);
    return post(http, authority.url() + "/v1/clients", body, admin, 201).get("secret").asText();
  }

  private static JsonNode post(
      HttpClient http, String url, ObjectNode body, String authorization, int expected) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .timeout(HTTP_TIMEOUT)
                  .header("Content-Type", "application/json")
                  .header("Authorization", authorization)
                  .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != expected) {
        throw new DemoException(
            "the authority answered " + r.statusCode() + " to " + url + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new DemoException("cannot reach the authority at " + url + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DemoException("interrupted while calling the authority", e);
    }
  }

  private static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }
}
