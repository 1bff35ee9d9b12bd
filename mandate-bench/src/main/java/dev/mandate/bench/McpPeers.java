package dev.mandate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.mcp.McpFrontEnd;
import dev.mandate.testkit.Stack;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
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
 *       over Streamable HTTP at {@code /mcp};
 *   <li>{@code authority PATH}: an authority on SQLite in the directory PATH, with a client for the
 *       gateway and a capability minted for {@code echo:echo:*};
 *   <li>{@code gateway PATH AUTHORITY_URL UPSTREAM_URL}: a gateway whose MCP front end forwards
 *       {@code /mcp/echo} to the upstream over Streamable HTTP, auditing every decision to the
 *       authority through its spool; its client secret comes from the environment ({@code
 *       GW_SECRET}).
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
  private static final ObjectMapper JSON = new ObjectMapper();

  private McpPeers() {}

  public static void main(String[] args) throws Exception {
    ObjectNode ready = JSON.createObjectNode();
    AutoCloseable running;
    switch (args.length == 0 ? "" : args[0]) {
      case "upstream" -> running = upstream(ready);
      case "authority" -> running = authority(Path.of(args[1]), ready);
      case "gateway" -> running = gateway(Path.of(args[1]), args[2], args[3], ready);
      default -> {
        System.err.println(
            "usage: McpPeers upstream | authority DIR | gateway DIR AUTHORITY_URL UPSTREAM_URL");
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
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder()
            .jsonMapper(McpJsonDefaults.getMapper())
            .mcpEndpoint("/mcp")
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
        McpServer.sync(transport)
            .serverInfo("mandate-bench-echo", "1.0.0")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
            .tools(
                McpServerFeatures.SyncToolSpecification.builder()
                    .tool(echo)
                    .callHandler(
                        (exchange, call) ->
                            McpSchema.CallToolResult.builder()
                                .addTextContent("Echo: " + call.arguments().get("message"))
                                .build())
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
    ServletHolder holder = new ServletHolder(transport);
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/*");
    jetty.setHandler(context);
    jetty.start();
    ready.put("url", "http://127.0.0.1:" + connector.getLocalPort() + "/mcp");
    return () -> {
      server.closeGracefully();
      jetty.stop();
    };
  }

  // ---- authority on SQLite ----

  private static AutoCloseable authority(Path dir, ObjectNode ready) throws Exception {
    Stack authority = BenchGateway.authority(dir, SERVICE + ":*:*");
    ready.put("url", authority.url());
    ready.put("gatewaySecret", authority.secret("gateway"));
    ready.put("token", BenchGateway.token(authority, SERVICE + ":" + TOOL + ":*"));
    return authority;
  }

  // ---- gateway ----

  private static AutoCloseable gateway(
      Path dir, String authorityUrl, String upstreamUrl, ObjectNode ready) throws IOException {
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
            """
                .formatted(SERVICE, GATEWAY_PATH, upstreamUrl, TOOL),
            List.of(new McpFrontEnd.Factory()));
    ready.put("url", gateway.url() + GATEWAY_PATH);
    return gateway;
  }
}
