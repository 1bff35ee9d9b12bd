package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.mcp.McpConfig.Root;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientFeaturesTest {
  private static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
          + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"roots\":{\"listChanged\":true},"
          + "\"sampling\":{}},\"clientInfo\":{\"name\":\"agent\",\"version\":\"1\"}}}";

  @Test
  void initialize_withoutConfiguredRoots_dropsTheAgentsRootsCapability_keepsTheRest()
      throws Exception {
    JsonNode sent = JsonRpc.parse(INITIALIZE);

    JsonNode forwarded = new ClientFeatures(List.of()).initialize(sent);

    assertThat(forwarded.at("/params/capabilities").has("roots")).isFalse();
    assertThat(forwarded.at("/params/capabilities").has("sampling")).isTrue();
    assertThat(forwarded.at("/params/clientInfo/name").asText()).isEqualTo("agent");
    // The agent's message is not changed in place (a copy goes upstream).
    assertThat(sent.at("/params/capabilities").has("roots")).isTrue();
  }

  @Test
  void initialize_withConfiguredRoots_declaresTheGatewaysRoots_withoutListChanges()
      throws Exception {
    ClientFeatures features = new ClientFeatures(List.of(new Root("file:///srv/data", "data")));

    JsonNode forwarded = features.initialize(JsonRpc.parse(INITIALIZE));
    JsonNode noCapabilities =
        features.initialize(
            JsonRpc.parse(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}"));

    assertThat(forwarded.at("/params/capabilities/roots").isObject()).isTrue();
    assertThat(forwarded.at("/params/capabilities/roots").has("listChanged")).isFalse();
    assertThat(noCapabilities.at("/params/capabilities/roots").isObject()).isTrue();
  }

  @Test
  void rootsList_isAnsweredFromTheConfiguration_notByTheAgent() throws Exception {
    ClientFeatures features =
        new ClientFeatures(
            List.of(new Root("file:///srv/data", "data"), new Root("file:///srv/tmp", null)));

    JsonNode answer =
        features.answer(JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"roots/list\"}"));

    assertThat(answer.get("id").asInt()).isEqualTo(7);
    assertThat(answer.at("/result/roots/0/uri").asText()).isEqualTo("file:///srv/data");
    assertThat(answer.at("/result/roots/0/name").asText()).isEqualTo("data");
    assertThat(answer.at("/result/roots/1").has("name")).isFalse();
  }

  @Test
  void rootsList_withoutConfiguredRoots_isRefused() throws Exception {
    JsonNode answer =
        new ClientFeatures(List.of())
            .answer(JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"id\":\"r\",\"method\":\"roots/list\"}"));

    assertThat(answer.at("/error/code").asInt()).isEqualTo(ClientFeatures.METHOD_NOT_FOUND);
    assertThat(answer.get("id").asText()).isEqualTo("r");
  }

  @Test
  void otherServerMessages_areTheAgentsToAnswer() throws Exception {
    ClientFeatures features = new ClientFeatures(List.of());

    assertThat(
            features.answer(
                JsonRpc.parse(
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sampling/createMessage\"}")))
        .isNull();
    assertThat(
            features.answer(
                JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}")))
        .isNull();
    assertThat(ClientFeatures.owned("notifications/roots/list_changed")).isTrue();
    assertThat(ClientFeatures.owned("notifications/initialized")).isFalse();
  }
}
