package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code mandate proxy} sends a gateway for each message a stdio client writes: an MCP
 * 2026-07-28 message (no session) with the routing headers its own body implies, whatever the
 * client's name encoding needs; a 2025-11-25 message without them. The gateway's check of those
 * headers is {@code StatelessRequestTest}'s.
 */
class StdioBridgeTest {
  private static final String META =
      "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
          + "\"io.modelcontextprotocol/clientCapabilities\":{}}";

  private HttpServer gateway;
  private final Map<String, Map<String, List<String>>> seen = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    gateway = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    gateway.createContext(
        "/mcp/bank",
        x -> {
          String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String id = body.replaceAll("(?s).*\"id\":(\\d+).*", "$1");
          seen.put(id, Map.copyOf(x.getRequestHeaders()));
          byte[] answer =
              ("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{}}")
                  .getBytes(StandardCharsets.UTF_8);
          x.getResponseHeaders().add("Content-Type", "application/json");
          x.sendResponseHeaders(200, answer.length);
          x.getResponseBody().write(answer);
          x.close();
        });
    gateway.start();
  }

  @AfterEach
  void stop() {
    gateway.stop(0);
  }

  @Test
  void aStatelessMessage_carriesTheRoutingHeadersOfItsBody_aSessionOneDoesNot() throws Exception {
    String stdin =
        String.join(
            "\n",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"transfer\",\"arguments\":{\"amount\":4},"
                + META
                + "}}",
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{\"uri\":"
                + "\"file:///überweisung.txt\","
                + META
                + "}}",
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{" + META + "}}",
            "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"transfer\",\"arguments\":{}}}",
            "");
    StringWriter out = new StringWriter();
    McpRelay relay =
        new McpRelay(
            URI.create("http://127.0.0.1:" + gateway.getAddress().getPort() + "/mcp/bank"),
            (b, method, uri, body) -> b.header("Authorization", "Bearer test"),
            HttpClient.newHttpClient());

    new StdioBridge(relay, new PrintWriter(out))
        .run(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));

    assertThat(seen.get("1"))
        .containsEntry("Mcp-protocol-version", List.of("2026-07-28"))
        .containsEntry("Mcp-method", List.of("tools/call"))
        .containsEntry("Mcp-name", List.of("transfer"));
    assertThat(seen.get("2"))
        .containsEntry("Mcp-method", List.of("resources/read"))
        .containsEntry(
            "Mcp-name",
            List.of(
                "=?base64?"
                    + java.util.Base64.getEncoder()
                        .encodeToString("file:///überweisung.txt".getBytes(StandardCharsets.UTF_8))
                    + "?="));
    assertThat(seen.get("3"))
        .containsEntry("Mcp-method", List.of("tools/list"))
        .doesNotContainKey("Mcp-name");
    assertThat(seen.get("4")).doesNotContainKeys("Mcp-method", "Mcp-name", "Mcp-protocol-version");
    assertThat(out.toString().lines()).hasSize(4).allMatch(l -> l.contains("\"result\":{}"));
  }
}
