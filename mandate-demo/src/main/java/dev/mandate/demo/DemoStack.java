package dev.mandate.demo;

import dev.mandate.crypto.VerifyingKey;
import dev.mandate.sdk.RequestShape;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.Stack;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The demo's servers, a {@link Stack} on loopback with ephemeral ports: an authority (SQLite in a
 * temp dir, the demo policy) and a gateway whose MCP front end runs the npm filesystem server over
 * the demo workspace. Started in two steps because the workspace holds a token minted by the
 * authority.
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

  private final Stack stack;
  private Workspace workspace;

  /** A capability the authority minted. */
  record Minted(String token, String tokenId) {}

  private DemoStack(Stack stack) {
    this.stack = stack;
  }

  /**
   * Starts the authority in {@code dir} and registers the assistant and gateway clients.
   *
   * @throws DemoException if it does not start
   */
  static DemoStack startAuthority(Path dir) {
    try {
      return new DemoStack(
          Stack.builder(dir)
              .policy(POLICY)
              .clients(CLIENT, "gateway")
              .throwawayMasterKey()
              .shutdownTimeout(Duration.ofSeconds(1))
              .start());
    } catch (IOException | RuntimeException e) {
      throw new DemoException("the authority did not start: " + e.getMessage(), e);
    }
  }

  /** Returns the authority's URL. */
  String authorityUrl() {
    return stack.url();
  }

  /**
   * Asks the authority, as the assistant client, for a capability under the policy.
   *
   * @throws DemoException if the authority refuses
   */
  Minted mint(List<String> grants, Duration ttl, VerifyingKey holder) {
    try {
      AuthorityApi.Minted m =
          stack
              .api()
              .mint(
                  stack.auth(CLIENT),
                  ttl.toSeconds() + "s",
                  AUDIENCE,
                  "\"holderKey\":\"" + holder.toText() + "\"",
                  grants.toArray(String[]::new));
      return new Minted(m.token(), m.tokenId());
    } catch (RuntimeException e) {
      throw new DemoException("the authority refused the capability: " + e.getMessage(), e);
    }
  }

  /**
   * Starts the gateway with the filesystem server over {@code workspace}.
   *
   * @throws DemoException if it does not start
   */
  void startGateway(Workspace workspace, Path filesystemServer) {
    this.workspace = workspace;
    Path root = workspace.root;
    try {
      stack.startGateway(
          stack
              .gatewayYaml(AUDIENCE)
              .mcp(
                  List.of("callTimeout: 15s"),
                  McpUpstream.node("fs", filesystemServer, root)
                      .path(MCP_PATH)
                      .toolOnPath("read_text_file", root, "path")
                      .toolOnPath("list_directory", root, "path")
                      .toolOnPath("write_file", root, "path")));
    } catch (IOException | RuntimeException e) {
      throw new DemoException("the gateway did not start: " + e.getMessage(), e);
    }
  }

  /** Returns the gateway's MCP endpoint for the filesystem server. */
  URI mcpEndpoint() {
    return URI.create(stack.gateway().url() + MCP_PATH);
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
    stack.close();
  }
}
