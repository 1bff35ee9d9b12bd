package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.Denial;
import dev.mandate.gateway.mcp.McpConfig.Http;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class StatelessRequestTest {
  private static final String META =
      "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
          + "\"io.modelcontextprotocol/clientCapabilities\":{\"elicitation\":{\"form\":{}}},"
          + "\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}";

  private static McpConfig.Upstream upstream(Set<String> revisions) {
    return new McpConfig.Upstream(
        "bank",
        "/mcp/bank",
        new Http(URI.create("http://127.0.0.1:9/mcp"), Map.of()),
        Map.of("transfer", new McpConfig.Fixed("")),
        false,
        false,
        4,
        1,
        2,
        List.of(),
        Set.of(),
        revisions,
        McpConfig.ToolDenials.BY_REVISION);
  }

  private static final McpConfig.Upstream BOTH = upstream(Set.of("2025-11-25", "2026-07-28"));

  /** Routing headers that agree with {@code call("transfer")}. */
  private static final HttpFields AGREEING =
      headers(
          "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "transfer");

  private static JsonNode call(String name) throws Exception {
    return JsonRpc.parse(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\""
            + name
            + "\",\"arguments\":{},"
            + META
            + "}}");
  }

  private static HttpFields headers(String... nameValues) {
    HttpFields.Mutable h = HttpFields.build();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return h;
  }

  private static Denial refusal(HttpFields h, JsonNode message, McpConfig.Upstream upstream) {
    try {
      StatelessRequest.check(h, message, upstream);
    } catch (Denial d) {
      return d;
    }
    throw new AssertionError("not refused");
  }

  @Test
  void agreeingHeaders_pass_andTheEnvelopeIsRead() throws Exception {
    StatelessRequest.Envelope e = StatelessRequest.check(AGREEING, call("transfer"), BOTH);

    assertThat(e.elicitsForms()).isTrue();
    assertThat(e.traceparent())
        .isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  }

  @Test
  void mismatchingOrDuplicatedOrMissingHeaders_areHeaderMismatch400() throws Exception {
    JsonNode m = call("transfer");
    for (HttpFields h :
        List.of(
            headers(
                "MCP-Protocol-Version",
                "2026-07-28",
                "Mcp-Method",
                "tools/call",
                "Mcp-Name",
                "read_file"),
            headers(
                "MCP-Protocol-Version",
                "2026-07-28",
                "Mcp-Method",
                "tools/list",
                "Mcp-Name",
                "transfer"),
            headers("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call"),
            headers("Mcp-Method", "tools/call", "Mcp-Name", "transfer"),
            headers(
                "MCP-Protocol-Version",
                "2026-07-28",
                "Mcp-Method",
                "tools/call",
                "Mcp-Name",
                "transfer",
                "Mcp-Name",
                "read_file"))) {
      Denial d = refusal(h, m, BOTH);
      assertThat(d.status()).as(h.toString()).isEqualTo(400);
      assertThat(d.rpcCode()).as(h.toString()).isEqualTo(StatelessRequest.HEADER_MISMATCH);
    }
  }

  @Test
  void routingHeadersDerivedFromTheBody_passTheCheck_andOnlyA2026MessageGetsThem()
      throws Exception {
    for (String name : List.of("transfer", "überweisung", " padded")) {
      JsonNode message = call(name);
      Map<String, String> derived = RoutingHeaders.of(message);
      HttpFields.Mutable h = HttpFields.build();
      derived.forEach(h::add);

      assertThat(derived)
          .containsEntry("MCP-Protocol-Version", "2026-07-28")
          .containsEntry("Mcp-Method", "tools/call")
          .containsKey("Mcp-Name");
      StatelessRequest.check(h, message, BOTH); // throws if they disagree
    }
    assertThat(
            RoutingHeaders.of(
                JsonRpc.parse(
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                        + "\"params\":{\"name\":\"transfer\",\"arguments\":{}}}")))
        .as("a 2025-11-25 message has no envelope")
        .isEmpty();
    assertThat(RoutingHeaders.of(JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}")))
        .isEmpty();
  }

  @Test
  void aNameOutsidePrintableAscii_travelsInTheBase64Sentinel_strictly() throws Exception {
    String name = "überweisung";
    String encoded = RoutingHeaders.encode(name);
    assertThat(encoded).startsWith("=?base64?").endsWith("?=");
    assertThat(RoutingHeaders.decode(encoded)).isEqualTo(name);
    assertThat(RoutingHeaders.encode("transfer")).isEqualTo("transfer");
    assertThat(RoutingHeaders.encode(" padded")).startsWith("=?base64?");
    assertThat(RoutingHeaders.decode("=?base64?not base64?=")).isNull();
    assertThat(RoutingHeaders.decode("=?base64?/w==?=")).as("not UTF-8").isNull();
    assertThat(RoutingHeaders.decode("=?base64?dHJhbnNmZXI=?=")).isEqualTo("transfer");
    assertThat(RoutingHeaders.decode("=?base64?dHJhbnNmZXJ=?=")).as("not canonical").isNull();

    StatelessRequest.check(
        headers(
            "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", encoded),
        call(name),
        BOTH);
  }

  @Test
  void aMissingEnvelope_isInvalidParams_anOtherVersion_orAnUpstreamOfSessions_isUnsupported()
      throws Exception {
    JsonNode bare =
        JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}");
    Denial noMeta =
        refusal(
            headers("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/list"), bare, BOTH);
    assertThat(noMeta.rpcCode()).isEqualTo(StatelessRequest.INVALID_PARAMS);
    assertThat(noMeta.status()).isEqualTo(400);

    JsonNode future =
        JsonRpc.parse(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
                + "\"io.modelcontextprotocol/protocolVersion\":\"2099-01-01\","
                + "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
    Denial unsupported =
        refusal(
            headers("MCP-Protocol-Version", "2099-01-01", "Mcp-Method", "tools/list"),
            future,
            BOTH);
    assertThat(unsupported.rpcCode()).isEqualTo(StatelessRequest.UNSUPPORTED_PROTOCOL_VERSION);
    assertThat(unsupported.rpcData().get("supported").toString()).isEqualTo("[\"2026-07-28\"]");
    assertThat(unsupported.rpcData().get("requested").asText()).isEqualTo("2099-01-01");

    Denial sessionsOnly = refusal(AGREEING, call("transfer"), upstream(Set.of("2025-11-25")));
    assertThat(sessionsOnly.rpcCode()).isEqualTo(StatelessRequest.UNSUPPORTED_PROTOCOL_VERSION);
    assertThat(sessionsOnly.rpcData().get("supported").toString()).isEqualTo("[\"2025-11-25\"]");
  }

  @Test
  void revisionsOfARequest_areToldByHeaderEnvelopeOrDiscover() throws Exception {
    JsonNode session = JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    assertThat(Revisions.stateless(null, session)).isFalse();
    assertThat(Revisions.stateless("2025-11-25", session)).isFalse();
    assertThat(Revisions.stateless("2026-07-28", session)).isTrue();
    assertThat(Revisions.stateless(null, call("transfer"))).isTrue();
    assertThat(
            Revisions.stateless(
                null,
                JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"}")))
        .isTrue();
    assertThatThrownBy(() -> upstream(Set.of("2024-01-01")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
