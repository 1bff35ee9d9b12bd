package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.mcp.McpConfig.Fixed;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import dev.mandate.wire.McpNames;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DisclosureTest {
  private static Upstream upstream(boolean resources, boolean prompts) {
    return TestUpstreams.stdio(
        "everything",
        "/mcp/everything",
        Map.of("echo", new Fixed(""), "get-env", new Fixed("")),
        resources,
        prompts,
        4);
  }

  /** Covers the tools, URIs and prompts listed, exactly. */
  private static Disclosure.Coverage covering(String... granted) {
    Set<String> set = Set.of(granted);
    return new Disclosure.Coverage() {
      @Override
      public boolean couldCall(String action) {
        return set.contains(action);
      }

      @Override
      public boolean covers(String action, String resource) {
        return set.contains(action + ":" + resource);
      }
    };
  }

  private final Disclosure both = new Disclosure(upstream(true, true));

  private static JsonNode json(String text) throws Exception {
    return JsonRpc.parse(text);
  }

  private static JsonNode result(String result) throws Exception {
    return json("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + result + "}");
  }

  @Test
  void toolsList_keepsConfiguredToolsTheCapabilityCouldCall() throws Exception {
    JsonNode answer =
        both.answer(McpNames.TOOLS_LIST, null, covering("echo", "not-configured"))
            .apply(
                result(
                    "{\"tools\":[{\"name\":\"echo\"},{\"name\":\"get-env\"},"
                        + "{\"name\":\"not-configured\"},\"junk\"]}"));

    assertThat(answer.at("/result/tools")).hasSize(1);
    assertThat(answer.at("/result/tools/0/name").asText()).isEqualTo("echo");
  }

  @Test
  void resourcesList_keepsCoveredUris_comparedNormalised() throws Exception {
    Disclosure.Coverage coverage =
        covering("resources.read:test://static/resource/1", "resources.read:test://public/a");

    JsonNode answer =
        both.answer(Disclosure.RESOURCES_LIST, null, coverage)
            .apply(
                result(
                    "{\"resources\":[{\"uri\":\"test://static/resource/1\"},"
                        + "{\"uri\":\"test://static/resource/2\"},"
                        + "{\"uri\":\"TEST://public/x/../a\"},"
                        + "{\"uri\":\"test://public/%2e%2e/a\"},{\"name\":\"no uri\"}],"
                        + "\"nextCursor\":\"c\"}"));

    assertThat(answer.at("/result/resources"))
        .extracting(n -> n.get("uri").asText())
        .containsExactly("test://static/resource/1", "TEST://public/x/../a");
    assertThat(answer.at("/result/nextCursor").asText()).isEqualTo("c");
  }

  @Test
  void templatesList_keepsTemplatesWhoseTextIsCovered() throws Exception {
    JsonNode answer =
        both.answer(
                Disclosure.TEMPLATES_LIST,
                null,
                covering("resources.read:test://static/resource/{id}"))
            .apply(
                result(
                    "{\"resourceTemplates\":[{\"uriTemplate\":\"test://static/resource/{id}\"},"
                        + "{\"uriTemplate\":\"test://secret/{id}\"}]}"));

    assertThat(answer.at("/result/resourceTemplates")).hasSize(1);
  }

  @Test
  void promptsList_keepsCoveredPrompts() throws Exception {
    JsonNode answer =
        both.answer(Disclosure.PROMPTS_LIST, null, covering("prompts.get:simple_prompt"))
            .apply(
                result(
                    "{\"prompts\":[{\"name\":\"simple_prompt\"},{\"name\":\"complex_prompt\"}]}"));

    assertThat(answer.at("/result/prompts")).hasSize(1);
    assertThat(answer.at("/result/prompts/0/name").asText()).isEqualTo("simple_prompt");
  }

  @Test
  void anError_passesUnchanged() throws Exception {
    JsonNode error =
        json("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1,\"message\":\"x\"}}");

    assertThat(both.answer(Disclosure.PROMPTS_LIST, null, covering()).apply(error.deepCopy()))
        .isEqualTo(error);
  }

  @Test
  void featuresTheUpstreamDoesNotEnable_areRefused_andNotAdvertised() throws Exception {
    Disclosure none = new Disclosure(upstream(false, false));

    for (String method :
        List.of(
            Disclosure.RESOURCES_LIST,
            Disclosure.TEMPLATES_LIST,
            Disclosure.PROMPTS_LIST,
            Disclosure.SUBSCRIBE,
            Disclosure.UNSUBSCRIBE)) {
      Disclosure.Refusal r = none.refusal(method, json("{\"uri\":\"test://x\"}"), covering());
      assertThat(r).as(method).isNotNull();
      assertThat(r.reason()).contains("not enabled on everything");
    }
    JsonNode init =
        none.answer("initialize", null, covering())
            .apply(
                result(
                    "{\"capabilities\":{\"tools\":{},\"resources\":{},\"prompts\":{},"
                        + "\"completions\":{},\"logging\":{}}}"));
    assertThat(init.at("/result/capabilities").fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder("tools", "logging");
  }

  @Test
  void subscribe_needsACoveredUri_andGoesUpstreamNormalised() throws Exception {
    Disclosure.Coverage coverage = covering("resources.read:test://static/resource/1");
    JsonNode covered = json("{\"uri\":\"test://static/resource/./1\"}");

    assertThat(both.refusal(Disclosure.SUBSCRIBE, covered, coverage)).isNull();
    assertThat(covered.get("uri").asText()).isEqualTo("test://static/resource/1");
    Disclosure.Refusal other =
        both.refusal(
            Disclosure.SUBSCRIBE, json("{\"uri\":\"test://static/resource/2\"}"), coverage);
    assertThat(other.notCovered()).isTrue();
    assertThat(other.resource()).isEqualTo("test://static/resource/2");
    assertThat(both.refusal(Disclosure.SUBSCRIBE, json("{}"), coverage).notCovered()).isFalse();
  }

  @Test
  void completion_ofAnUncoveredPromptOrTemplate_isRefused() throws Exception {
    Disclosure.Coverage coverage =
        covering("prompts.get:complex_prompt", "resources.read:test://static/resource/{id}");

    assertThat(
            both.refusal(
                Disclosure.COMPLETE,
                json("{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"complex_prompt\"}}"),
                coverage))
        .isNull();
    assertThat(
            both.refusal(
                    Disclosure.COMPLETE,
                    json("{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"secret_prompt\"}}"),
                    coverage)
                .notCovered())
        .isTrue();
    assertThat(
            both.refusal(
                Disclosure.COMPLETE,
                json(
                    "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://static/resource/{id}\"}}"),
                coverage))
        .isNull();
    assertThat(
            both.refusal(
                    Disclosure.COMPLETE,
                    json("{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://secret/{id}\"}}"),
                    coverage)
                .notCovered())
        .isTrue();
    assertThat(both.refusal(Disclosure.COMPLETE, json("{\"ref\":{\"type\":\"ref/x\"}}"), coverage))
        .isNotNull();
  }

  @Test
  void completionValues_ofATemplate_keepThoseThatNameACoveredUri() throws Exception {
    JsonNode params =
        json(
            "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://static/resource/{id}\"},"
                + "\"argument\":{\"name\":\"id\",\"value\":\"\"}}");
    Disclosure.Coverage coverage =
        covering(
            "resources.read:test://static/resource/{id}",
            "resources.read:test://static/resource/1",
            "resources.read:test://static/resource/3");

    JsonNode answer =
        both.answer(Disclosure.COMPLETE, params, coverage)
            .apply(result("{\"completion\":{\"values\":[\"1\",\"2\",\"3\"],\"total\":3}}"));

    assertThat(answer.at("/result/completion/values"))
        .extracting(JsonNode::asText)
        .containsExactly("1", "3");
    assertThat(answer.at("/result/completion").has("total")).isFalse();
  }
}
