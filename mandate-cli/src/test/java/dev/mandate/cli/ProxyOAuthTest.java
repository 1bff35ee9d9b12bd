package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.authority.OAuthSettings;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.mcp.McpFrontEnd;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.ConsentBrowser;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.NpmPeers;
import dev.mandate.testkit.Stack;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mandate proxy --oauth}: the proxy finds the authority from the gateway's resource
 * metadata, registers, prints the consent address and waits on its loopback redirect; the test is
 * the person (signs in, approves, and its browser follows the redirect to the proxy). The policy
 * requires holder-bound capabilities and the gateway DPoP-bound tokens, so every call that works
 * carries a DPoP proof by the proxy's key. A second run refreshes from the store file (the refresh
 * token rotates) without asking the person again. Neither the key nor a token is ever printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyOAuthTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AUDIENCE = "gw-proxy-oauth";
  private static final String PASSWORD = "correct horse battery staple";
  private static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants: ["everything:*:*"]
          require: [holder]
          maxTtl: 1h
        gateway:
          role: gateway
      """;
  private static final String OPERATIONS =
      "[{\"op\":\"listTools\"},"
          + "{\"op\":\"callTool\",\"name\":\"echo\",\"arguments\":{\"message\":\"by consent\"}},"
          + "{\"op\":\"callTool\",\"name\":\"get-env\",\"arguments\":{}}]";

  @TempDir static Path tmp;
  private Stack stack;
  private String endpoint;
  private Path store;

  @BeforeAll
  void start() throws Exception {
    int port = Await.freePort();
    endpoint = "http://127.0.0.1:" + port + "/mcp/everything";
    OAuthSettings settings =
        OAuthSettings.builder()
            .resource("http://127.0.0.1:" + port + "/mcp", AUDIENCE)
            .person(
                new OAuthSettings.Person("alice", OAuthSettings.hashPassword(PASSWORD), "agent"))
            .build();
    stack =
        Stack.builder(tmp.resolve("authority"))
            .policy(POLICY)
            .clients("agent", "gateway")
            .shutdownTimeout(Duration.ofSeconds(5))
            .authority(b -> b.oauth(settings))
            .start();
    stack.startGateway(
        stack
            .gatewayYaml(AUDIENCE)
            .port(port)
            .section("oauth: {scopes: [\"everything:echo:*\"], dpopRequired: true}")
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
    store = tmp.resolve("proxy-store.json");
  }

  @AfterAll
  void stop() {
    stack.close();
  }

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
            "--oauth",
            "--oauth-store",
            store.toString(),
            "--no-browser",
            "--consent-timeout",
            "2m"));
    command.addAll(List.of(more));
    return command;
  }

  @Test
  void consentOnce_thenRefreshFromTheStore_everyCallHolderBound() throws Exception {
    int port = Await.freePort();
    Path log = tmp.resolve("proxy-first.log");
    Process proxy =
        new ProcessBuilder(proxyCommand("--http", String.valueOf(port)))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      Await.until(Duration.ofSeconds(60), () -> consentAddress(log) != null);
      URI authorize = URI.create(consentAddress(log));
      assertThat(authorize.getRawQuery())
          .contains("code_challenge_method=S256")
          .contains("resource=" + java.net.URLEncoder.encode(endpoint, "UTF-8"))
          .contains("scope=everything%3Aecho%3A*");
      ConsentBrowser person = new ConsentBrowser(stack.url());
      URI back = person.consent(authorize, "alice", PASSWORD, Map.of());
      assertThat(back.toString()).startsWith("http://127.0.0.1:").contains("/callback?");
      HttpResponse<String> delivered = person.get(back);
      assertThat(delivered.body()).contains("mandate proxy has your answer");
      Await.until(
          Duration.ofSeconds(60), () -> ProxyCommandTest.read(log).contains("MCP at http://"));
      assertHolderBound(
          ProxyCommandTest.tsClient(
              tmp.resolve("first-client.log"),
              "http://127.0.0.1:" + port + "/mcp",
              "",
              OPERATIONS));
    } finally {
      proxy.destroy();
      proxy.waitFor(10, TimeUnit.SECONDS);
    }
    String firstLog = ProxyCommandTest.read(log);
    assertThat(firstLog).contains("mandate proxy: holder jkt:");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store)))
        .isEqualTo("rw-------");
    JsonNode first = JSON.readTree(store.toFile());
    String firstRefresh = first.get("refreshToken").asText();
    assertNothingSecretIn(firstLog, first);

    // The second run, over stdio as an MCP client starts it: no consent, the stored refresh token.
    Path second = tmp.resolve("second-client.log");
    JsonNode report =
        ProxyCommandTest.tsClient(
            second, "--stdio", JSON.writeValueAsString(proxyCommand()), OPERATIONS);
    assertHolderBound(report);
    String secondLog = ProxyCommandTest.read(second);
    assertThat(secondLog).doesNotContain("open this address");
    JsonNode after = JSON.readTree(store.toFile());
    assertThat(after.get("refreshToken").asText()).startsWith("mndrt1_").isNotEqualTo(firstRefresh);
    assertThat(after.get("dpopKey")).isEqualTo(first.get("dpopKey"));
    assertNothingSecretIn(secondLog, after);
  }

  @Test
  void oauth_withClientCredentialOptions_isRefused() throws Exception {
    Process p =
        new ProcessBuilder(proxyCommand("--grant", "everything:echo:*"))
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    assertThat(out).contains("--oauth obtains the capability by consent");
  }

  /** The address the proxy printed for the person, or null before it has. */
  private static String consentAddress(Path log) {
    List<String> lines = ProxyCommandTest.read(log).lines().toList();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).contains("open this address")) {
        return lines.get(i + 1).strip();
      }
    }
    return null;
  }

  private static void assertHolderBound(JsonNode report) {
    assertThat(report.get("connected").asBoolean()).as(report.toString()).isTrue();
    JsonNode results = report.get("results");
    List<String> names = new ArrayList<>();
    results.get(0).get("value").get("tools").forEach(t -> names.add(t.get("name").asText()));
    assertThat(names).containsExactly("echo");
    assertThat(results.get(1).get("value").toString()).contains("Echo: by consent");
    assertThat(results.get(2).get("ok").asBoolean()).as(results.toString()).isFalse();
  }

  private static void assertNothingSecretIn(String output, JsonNode stored) {
    assertThat(output)
        .doesNotContain("mnd1_")
        .doesNotContain("mndrt1_")
        .doesNotContain(stored.get("dpopKey").get("d").asText());
  }
}
