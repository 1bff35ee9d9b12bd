package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.authority.OAuthSettings;
import dev.mandate.gateway.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.ParseResult;

/**
 * The README's section on standard MCP clients shows configurations that work: each client
 * configuration (Claude Desktop, VS Code) and the MCP Inspector's command line run {@code mandate
 * proxy} with options it has, aimed at the gateway endpoint the README sets up, and the OAuth
 * settings and the gateway's {@code oauth} line it tells you to write are accepted.
 */
class ReadmeMcpClientsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path README = Path.of("../README.md");
  private static final String ENDPOINT = "http://127.0.0.1:7800/mcp/fs";

  @Test
  void clientConfigurations_runTheProxyOrNameTheEndpoint() throws IOException {
    List<JsonNode> configs = jsonBlocks(section());
    List<String> forms = new ArrayList<>();
    int proxies = 0;
    for (JsonNode config : configs) {
      String key = config.has("mcpServers") ? "mcpServers" : "servers";
      assertThat(config.has(key)).as(config.toString()).isTrue();
      for (JsonNode server : config.get(key)) {
        if (server.has("command")) {
          assertThat(server.get("command").asText()).endsWith("bin/mandate");
          List<String> args = new ArrayList<>();
          server.get("args").forEach(a -> args.add(a.asText()));
          assertProxyWithOAuth(args);
          proxies++;
          forms.add(key + ":" + server.path("type").asText("stdio"));
        } else {
          assertThat(server.get("type").asText()).isEqualTo("http");
          assertThat(server.get("url").asText()).isEqualTo(ENDPOINT);
          forms.add(key + ":http");
        }
      }
    }
    assertThat(proxies).isEqualTo(2);
    assertThat(forms)
        .containsExactlyInAnyOrder("mcpServers:stdio", "servers:stdio", "servers:http");
  }

  @Test
  void inspectorCommandLine_runsTheProxy() throws IOException {
    String line =
        section()
            .lines()
            .filter(l -> l.contains("npx @modelcontextprotocol/inspector"))
            .findFirst()
            .orElseThrow()
            .strip();
    List<String> words = Arrays.asList(line.split("\\s+"));
    int dashes = words.indexOf("--");
    // The Inspector options ProxyCommandTest runs the real Inspector CLI with.
    assertThat(words.subList(0, dashes))
        .contains("--cli", "--connect-timeout", "--method", "tools/list");
    assertThat(words.get(dashes + 1)).isEqualTo("bin/mandate");
    assertProxyWithOAuth(words.subList(dashes + 2, words.size()));
  }

  @Test
  void oauthSettingsAndTheGatewaysOAuthLine_areAccepted(@TempDir Path dir) throws IOException {
    String oauth =
        heredoc(section(), "oauth.yaml")
            .replace("<the hash>", OAuthSettings.hashPassword("a password for the test"));
    OAuthSettings settings =
        OAuthSettings.load(Files.writeString(dir.resolve("oauth.yaml"), oauth));
    assertThat(settings.resources()).containsEntry("http://127.0.0.1:7800/mcp", "gateway-1");
    assertThat(settings.people()).containsKey("alice");

    String text = Files.readString(README);
    String oauthLine =
        section().lines().filter(l -> l.strip().startsWith("oauth: {")).findFirst().orElseThrow();
    Path secret = Files.writeString(dir.resolve("gateway.secret"), "a-secret-for-the-test\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    String yaml =
        heredoc(text, "gateway.yaml")
                .replace("$FS", dir.resolve("index.js").toString())
                .replace("$W", dir.toString())
                .replace("gateway.secret", secret.toString())
            + oauthLine.strip()
            + "\n";
    GatewayConfig config = GatewayConfig.parse(yaml, dir.resolve("gateway.yaml"), Map.of());
    assertThat(config.oauth().dpopRequired()).isTrue();
    assertThat(config.oauth().scopes()).isNotEmpty();
    assertThat(config.audience()).isEqualTo("gateway-1");
  }

  private static void assertProxyWithOAuth(List<String> args) {
    ParseResult parsed =
        Mandate.commandLine(CliRun.quietTerminal()).parseArgs(args.toArray(String[]::new));
    ParseResult proxy = parsed.subcommand();
    assertThat(proxy.commandSpec().name()).isEqualTo("proxy");
    assertThat(proxy.hasMatchedOption("--oauth")).as(args.toString()).isTrue();
    assertThat(proxy.matchedOption("--gateway").getValue().toString()).isEqualTo(ENDPOINT);
  }

  /** The README's section on standard MCP clients. */
  private static String section() throws IOException {
    String text = Files.readString(README);
    int start = text.indexOf("## Standard MCP clients");
    assertThat(start).isNotNegative();
    int end = text.indexOf("\n## ", start + 3);
    return text.substring(start, end < 0 ? text.length() : end);
  }

  /** The indented JSON objects of a section: lines from {@code " {"} to {@code " }"}. */
  private static List<JsonNode> jsonBlocks(String text) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    StringBuilder block = null;
    for (String line : text.lines().toList()) {
      if (line.equals("    {")) {
        block = new StringBuilder();
      }
      if (block != null) {
        block.append(line).append('\n');
        if (line.equals("    }")) {
          out.add(JSON.readTree(block.toString()));
          block = null;
        }
      }
    }
    return out;
  }

  /** The text of {@code cat > FILE <<EOF ... EOF} in {@code text}, without its indentation. */
  private static String heredoc(String text, String file) {
    List<String> lines = text.lines().toList();
    int start = lines.indexOf("    cat > " + file + " <<EOF");
    assertThat(start).as("the README writes " + file).isNotNegative();
    StringBuilder out = new StringBuilder();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.strip().equals("EOF")) {
        return out.toString();
      }
      out.append(line.startsWith("    ") ? line.substring(4) : line).append('\n');
    }
    throw new AssertionError("no EOF after " + file);
  }
}
