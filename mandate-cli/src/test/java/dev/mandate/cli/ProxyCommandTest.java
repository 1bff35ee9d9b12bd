package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.mcp.McpFrontEnd;
import dev.mandate.testkit.GatewayYaml;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.NpmPeers;
import dev.mandate.testkit.Stack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mandate proxy} in front of a real gateway and the real everything server, used by the
 * TypeScript MCP SDK's client, which knows nothing of Mandate: over stdio (the client starts the
 * proxy as its server command) and over the proxy's loopback Streamable HTTP. The authority's
 * policy mints only holder-bound capabilities, so every call that works carries the proxy's proof.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AUDIENCE = "gw-proxy";
  private static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants: ["everything:echo:*"]
          require: [holder]
          maxTtl: 1h
        gateway:
          role: gateway
      """;

  @TempDir static Path tmp;
  private Stack stack;
  private Path agentSecret;
  private String endpoint;

  @BeforeAll
  void start() throws Exception {
    stack =
        Stack.builder(tmp)
            .policy(POLICY)
            .clients("agent", "gateway")
            .shutdownTimeout(Duration.ofSeconds(5))
            .start();
    GatewayServer gateway =
        stack.startGateway(
            GatewayYaml.of(AUDIENCE, stack.url(), tmp.resolve("spool"))
                .mcp(
                    List.of("callTimeout: 20s"),
                    McpUpstream.node("everything", NpmPeers.server("server-everything"), "stdio")
                        .tool("echo")
                        .tool("get-env")),
            (yaml, file, env) ->
                GatewayServer.start(
                    GatewayConfig.parse(yaml, file, env),
                    Clock.systemUTC(),
                    List.of(new McpFrontEnd.Factory())));
    endpoint = gateway.url() + "/mcp/everything";
    agentSecret = tmp.resolve("agent.secret");
    Files.writeString(agentSecret, stack.secret("agent"));
    Files.setPosixFilePermissions(agentSecret, PosixFilePermissions.fromString("rw-------"));
  }

  @AfterAll
  void stop() {
    stack.close();
  }

  /** {@code mandate proxy ...} as a command line another program can start. */
  private List<String> proxyCommand(String... more) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Mandate.class.getName());
    command.addAll(
        List.of(
            "proxy",
            "--gateway",
            endpoint,
            "--audience",
            AUDIENCE,
            "--authority",
            stack.url(),
            "--client",
            "agent",
            "--secret-file",
            agentSecret.toString(),
            "--grant",
            "everything:echo:*",
            "--ttl",
            "10m"));
    command.addAll(List.of(more));
    return command;
  }

  /**
   * Runs the TypeScript SDK client script with {@code args}; its report (stderr in {@code log}).
   */
  static JsonNode tsClient(Path log, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add("node");
    command.add(NpmPeers.dir().resolve("mcp-client.mjs").toString());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .directory(NpmPeers.dir().toFile())
            .redirectError(log.toFile())
            .start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8).strip();
    assertThat(text).as("client output (stderr in %s: %s)", log, read(log)).isNotEmpty();
    String[] lines = text.split("\n");
    return JSON.readTree(lines[lines.length - 1]);
  }

  static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  private static final String OPERATIONS =
      "[{\"op\":\"listTools\"},"
          + "{\"op\":\"callTool\",\"name\":\"echo\",\"arguments\":{\"message\":\"through the"
          + " proxy\"}},"
          + "{\"op\":\"callTool\",\"name\":\"get-env\",\"arguments\":{}}]";

  private static void assertHolderBoundSession(JsonNode report) {
    assertThat(report.get("connected").asBoolean()).as(report.toString()).isTrue();
    JsonNode results = report.get("results");
    JsonNode tools = results.get(0).get("value").get("tools");
    List<String> names = new ArrayList<>();
    tools.forEach(t -> names.add(t.get("name").asText()));
    // The gateway lists what the capability covers: echo, not get-env.
    assertThat(names).containsExactly("echo");
    assertThat(results.get(1).get("ok").asBoolean()).as(results.toString()).isTrue();
    assertThat(results.get(1).get("value").toString()).contains("through the proxy");
    JsonNode denied = results.get(2);
    assertThat(denied.get("ok").asBoolean()).as(denied.toString()).isFalse();
    assertThat(denied.get("code").asInt()).as(denied.toString()).isEqualTo(-32003);
  }

  @Test
  void typescriptClient_overStdio_listsAndCalls_holderBound() throws Exception {
    Path log = tmp.resolve("stdio-client.log");
    JsonNode report = tsClient(log, "--stdio", JSON.writeValueAsString(proxyCommand()), OPERATIONS);
    assertHolderBoundSession(report);
    String stderr = read(log);
    assertThat(stderr).contains("mandate proxy: holder mk_");
    assertThat(stderr).doesNotContain("mnd1_").doesNotContain("mndsk1_");
  }

  /** Runs the MCP Inspector CLI with the proxy as its stdio server; returns its stdout as JSON. */
  private JsonNode inspector(String name, String... method) throws Exception {
    List<String> command = new ArrayList<>();
    command.add("node");
    command.add(NpmPeers.dir().resolve("node_modules/.bin/mcp-inspector").toString());
    command.add("--cli");
    // The proxy is a JVM that fetches its capability before it answers: on a loaded machine that
    // takes longer than the Inspector's default 15 s.
    command.addAll(List.of("--connect-timeout", "120000"));
    command.addAll(List.of(method));
    command.add("--");
    command.addAll(proxyCommand());
    Path log = tmp.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(NpmPeers.dir().toFile()).redirectError(log.toFile());
    // The Inspector keeps a catalog of servers; never the user's own.
    pb.environment().put("MCP_CATALOG_PATH", tmp.resolve(name + "-catalog.json").toString());
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8).strip();
    assertThat(p.exitValue()).as("inspector %s (stderr: %s)", text, read(log)).isZero();
    assertThat(read(log)).doesNotContain("mnd1_").doesNotContain("mndsk1_");
    return JSON.readTree(text);
  }

  @Test
  void mcpInspectorCli_overStdio_listsAndCalls_holderBound() throws Exception {
    JsonNode listed = inspector("inspector-list", "--method", "tools/list");
    List<String> names = new ArrayList<>();
    listed.get("tools").forEach(t -> names.add(t.get("name").asText()));
    assertThat(names).containsExactly("echo");
    JsonNode called =
        inspector(
            "inspector-call",
            "--method",
            "tools/call",
            "--tool-name",
            "echo",
            "--tool-arg",
            "message=from the inspector");
    assertThat(called.get("content").get(0).get("text").asText())
        .isEqualTo("Echo: from the inspector");
  }

  @Test
  void typescriptClient_overTheProxysLoopbackHttp_listsAndCalls() throws Exception {
    int port = dev.mandate.testkit.Await.freePort();
    Path proxyLog = tmp.resolve("http-proxy.log");
    Process proxy =
        new ProcessBuilder(proxyCommand("--http", String.valueOf(port)))
            .redirectErrorStream(true)
            .redirectOutput(proxyLog.toFile())
            .start();
    try {
      dev.mandate.testkit.Await.until(
          Duration.ofSeconds(30), () -> read(proxyLog).contains("MCP at http://127.0.0.1:"));
      JsonNode report =
          tsClient(
              tmp.resolve("http-client.log"), "http://127.0.0.1:" + port + "/mcp", "", OPERATIONS);
      assertHolderBoundSession(report);
      assertThat(read(proxyLog)).doesNotContain("mnd1_").doesNotContain("mndsk1_");
    } finally {
      proxy.destroy();
      proxy.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
