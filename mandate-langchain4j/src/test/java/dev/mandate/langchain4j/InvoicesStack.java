package dev.mandate.langchain4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.sdk.AuthorityCapabilitySource;
import dev.mandate.sdk.CapabilityHandle;
import dev.mandate.sdk.RequestShape;
import dev.mandate.sdk.Wallet;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.NpmPeers;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Request;
import dev.mandate.token.Restrictions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A {@link Stack} whose gateway runs the real npm filesystem MCP server over a small workspace of
 * invoices and a decoy SSH key, and the clients the LangChain4j tests act as.
 */
final class InvoicesStack implements AutoCloseable {
  static final String AUDIENCE = "lc4j-test-gateway";
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
  private final Stack stack;

  private InvoicesStack(Path workspace, Stack stack) {
    this.workspace = workspace;
    this.stack = stack;
  }

  static InvoicesStack start(Path tmp) throws Exception {
    // The filesystem server resolves symlinks, so its root must be a real path.
    Path workspace = Files.createDirectories(tmp.toRealPath().resolve("workspace"));
    write(workspace, "invoices/2024/inv-001.txt", "Invoice 2024-001, ACME Cloud, 1200.00 EUR");
    write(workspace, "invoices/2024/inv-002.txt", "Invoice 2024-002, Paper Co, 80.50 EUR");
    write(workspace, "invoices/2023/inv-900.txt", "Invoice 2023-900, Old Vendor, 99.00 EUR");
    write(workspace, "home/.ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\ndecoy\n");

    Stack stack =
        Stack.builder(tmp)
            .policy(POLICY)
            .clients("agent", "ops", "gateway", "careful-agent", "approver")
            .start();
    try {
      stack.startGateway(
          stack
              .gatewayYaml(AUDIENCE)
              .mcp(
                  List.of("callTimeout: 10s"),
                  McpUpstream.node("fs", NpmPeers.server("server-filesystem"), workspace)
                      // Denials as isError tool results: the provider reads them as denials.
                      .with("toolDenials: result")
                      .toolOnPath("read_text_file", workspace, "path")
                      .toolOnPath("list_directory", workspace, "path")
                      .toolOnPath("write_file", workspace, "path")));
    } catch (Exception | AssertionError e) {
      stack.close();
      throw e;
    }
    return new InvoicesStack(workspace, stack);
  }

  URI mcpEndpoint() {
    return URI.create(stack.gateway().url() + "/mcp/fs");
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
    return AuthorityCapabilitySource.builder(URI.create(stack.url()))
        .clientId("agent")
        .clientSecret(stack.secret("agent").toCharArray())
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
    return AuthorityCapabilitySource.builder(URI.create(stack.url()))
        .clientId("careful-agent")
        .clientSecret(stack.secret("careful-agent").toCharArray())
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
  String approve(String tokenId, Request request) {
    return stack.approve("approver", tokenId, "finance", request, null);
  }

  /** Mints a bearer token for the ops client (not holder-bound), as text. */
  String opsToken() {
    return stack
        .api()
        .mint(stack.auth("ops"), "5m", AUDIENCE, null, "fs:read_text_file:/**")
        .token();
  }

  String path(String relative) {
    return workspace.resolve(relative).toString();
  }

  private static void write(Path root, String relative, String content) throws Exception {
    Path file = root.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  @Override
  public void close() {
    stack.close();
  }
}
