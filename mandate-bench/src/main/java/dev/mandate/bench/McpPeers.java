package dev.mandate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.mcp.McpFrontEnd;
import dev.mandate.testkit.Stack;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpStatelessServerFeatures;
import io.modelcontextprotocol.server.McpStatelessSyncServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStatelessServerTransport;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The processes {@link McpLoad} measures, one role per JVM, each started by the load generator:
 *
 * <ul>
 *   <li>{@code upstream}: an MCP server built with the MCP Java SDK, serving one {@code echo} tool
 *       over Streamable HTTP: with sessions (MCP 2025-11-25) at {@code /mcp}, and statelessly at
 *       {@code /mcp26}, the SDK's stateless transport, where every request is answered on its own,
 *       as MCP 2026-07-28 has it (the SDK implements neither {@code server/discover} nor the
 *       revision's routing-header checks: the benchmark sends only {@code tools/call});
 *   <li>{@code authority PATH HOLDER_KEY}: an authority on SQLite in the directory PATH, with a
 *       client for the gateway and two capabilities for {@code echo} on both upstreams: a bearer
 *       one, and one bound to the holder key HOLDER_KEY ({@code VerifyingKey.toText()});
 *   <li>{@code gateway PATH AUTHORITY_URL UPSTREAM_URL STATELESS_URL}: a gateway whose MCP front
 *       end forwards {@code /mcp/echo} to the upstream's sessions and {@code /mcp/echo26}
 *       (revisions: 2026-07-28) to its stateless endpoint, auditing every decision to the authority
 *       through its spool; its client secret comes from the environment ({@code GW_SECRET}).
 * </ul>
 *
 * Each prints one line {@code READY <json>} on standard output when it serves, then answers every
 * {@code cpu} line on standard input with {@code CPU <json>} (its process CPU time and the CPU time
 * of its threads by role, in nanoseconds), and exits when standard input ends, so a peer never
 * outlives the load generator.
 */
public final class McpPeers {
  static final String SERVICE = "echo";
  static final String TOOL = "echo";
  static final String GATEWAY_PATH = "/mcp/echo";

  /** The service and gateway path of the upstream's stateless (2026-07-28) endpoint. */
  static final String STATELESS_SERVICE = "echo26";

  static final String STATELESS_GATEWAY_PATH = "/mcp/echo26";
  private static final ObjectMapper JSON = new ObjectMapper();

  private McpPeers() {}

  public static void main(String[] args) throws Exception {
    ObjectNode ready = JSON.createObjectNode();
    AutoCloseable running;
    switch (args.length == 0 ? "" : args[0]) {
      case "upstream" -> running = upstream(ready);
      case "authority" -> running = authority(Path.of(args[1]), args[2], ready);
      case "gateway" -> running = gateway(Path.of(args[1]), args[2], args[3], args[4], ready);
      default -> {
        System.err.println(
            "usage: McpPeers upstream | authority DIR HOLDER_KEY"
                + " | gateway DIR AUTHORITY_URL UPSTREAM_URL STATELESS_URL");
        System.exit(2);
        return;
      }
    }
    System.out.println("READY " + JSON.writeValueAsString(ready));
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("cpu")) {
        System.out.println("CPU " + JSON.writeValueAsString(CpuUse.sample()));
        System.out.flush();
      }
    }
    try {
      running.close();
    } finally {
      System.exit(0);
    }
  }

  // ---- upstream: the MCP Java SDK over Streamable HTTP ----

  private static AutoCloseable upstream(ObjectNode ready) throws Exception {
    HttpServletStreamableServerTransportProvider sessions =
        HttpServletStreamableServerTransportProvider.builder()
            .jsonMapper(McpJsonDefaults.getMapper())
            .mcpEndpoint("/mcp")
            .build();
    HttpServletStatelessServerTransport stateless =
        HttpServletStatelessServerTransport.builder()
            .jsonMapper(McpJsonDefaults.getMapper())
            .messageEndpoint("/mcp26")
            .build();
    McpSchema.Tool echo =
        McpSchema.Tool.builder()
            .name(TOOL)
            .description("Echoes back the input string")
            .inputSchema(
                McpJsonDefaults.getMapper(),
                """
                {"type":"object","properties":{"message":{"type":"string"}},\
                "required":["message"]}""")
            .build();
    McpSyncServer server =
        McpServer.sync(sessions)
            .serverInfo("mandate-bench-echo", "1.0.0")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
            .tools(
                McpServerFeatures.SyncToolSpecification.builder()
                    .tool(echo)
                    .callHandler((exchange, call) -> echoed(call))
                    .build())
            .build();
    McpStatelessSyncServer statelessServer =
        McpServer.sync(stateless)
            .serverInfo("mandate-bench-echo", "1.0.0")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
            .tools(
                McpStatelessServerFeatures.SyncToolSpecification.builder()
                    .tool(echo)
                    .callHandler((context, call) -> echoed(call))
                    .build())
            .build();
    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("upstream-http");
    Server jetty = new Server(threads);
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletHolder sessionsHolder = new ServletHolder(sessions);
    sessionsHolder.setAsyncSupported(true);
    context.addServlet(sessionsHolder, "/mcp");
    ServletHolder statelessHolder = new ServletHolder(stateless);
    statelessHolder.setAsyncSupported(true);
    context.addServlet(statelessHolder, "/mcp26");
    jetty.setHandler(context);
    jetty.start();
    String base = "http://127.0.0.1:" + connector.getLocalPort();
    ready.put("url", base + "/mcp");
    ready.put("statelessUrl", base + "/mcp26");
    return () -> {
      server.closeGracefully();
      statelessServer.close();
      jetty.stop();
    };
  }

  /** The echo tool's answer, the same on both endpoints. */
  private static McpSchema.CallToolResult echoed(McpSchema.CallToolRequest call) {
    return McpSchema.CallToolResult.builder()
        .addTextContent("Echo: " + call.arguments().get("message"))
        .build();
  }

  // ---- authority on SQLite ----

  private static AutoCloseable authority(Path dir, String holderKey, ObjectNode ready)
      throws Exception {
    Stack authority = BenchGateway.authority(dir, SERVICE + ":*:*", STATELESS_SERVICE + ":*:*");
    String[] grants = {SERVICE + ":" + TOOL + ":*", STATELESS_SERVICE + ":" + TOOL + ":*"};
    ready.put("url", authority.url());
    ready.put("gatewaySecret", authority.secret("gateway"));
    ready.put("token", BenchGateway.token(authority, grants));
    ready.put("boundToken", BenchGateway.boundToken(authority, holderKey, grants));
    return authority;
  }

  // ---- gateway ----

  private static AutoCloseable gateway(
      Path dir, String authorityUrl, String upstreamUrl, String statelessUrl, ObjectNode ready)
      throws IOException {
    String secret = System.getenv("GW_SECRET");
    if (secret == null) {
      throw new IllegalStateException("GW_SECRET is not set");
    }
    GatewayServer gateway =
        BenchGateway.start(
            dir,
            authorityUrl,
            secret,
            "batched",
            """
            mcp:
              upstreams:
                - service: %s
                  path: %s
                  maxSessions: 256
                  http: {url: "%s"}
                  tools:
                    %s: {}
                - service: %s
                  path: %s
                  revisions: [2026-07-28]
                  http: {url: "%s"}
                  tools:
                    %s: {}
            """
                .formatted(
                    SERVICE,
                    GATEWAY_PATH,
                    upstreamUrl,
                    TOOL,
                    STATELESS_SERVICE,
                    STATELESS_GATEWAY_PATH,
                    statelessUrl,
                    TOOL),
            List.of(new McpFrontEnd.Factory()));
    ready.put("url", gateway.url() + GATEWAY_PATH);
    ready.put("statelessUrl", gateway.url() + STATELESS_GATEWAY_PATH);
    return gateway;
  }
}
