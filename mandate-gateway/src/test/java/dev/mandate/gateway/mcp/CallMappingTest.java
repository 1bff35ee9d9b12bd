package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.TokenRedaction;
import dev.mandate.gateway.mcp.CallMapping.Mapped;
import dev.mandate.gateway.mcp.CallMapping.Outcome;
import dev.mandate.gateway.mcp.CallMapping.Refused;
import dev.mandate.gateway.mcp.McpConfig.Fixed;
import dev.mandate.gateway.mcp.McpConfig.FromArguments;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import dev.mandate.token.Call;
import dev.mandate.token.Request;
import dev.mandate.wire.McpNames;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CallMappingTest {
  private static final Upstream FS =
      TestUpstreams.stdio(
          "fs",
          "/mcp/fs",
          Map.of(
              "read_text_file", new FromArguments(List.of("path"), false, "/srv"),
              "move_file", new FromArguments(List.of("source", "destination"), false, "/srv"),
              "read_multiple_files", new FromArguments(List.of("paths"), true, "/srv"),
              "echo", new Fixed(""),
              "raw", new FromArguments(List.of("id"), false, null),
              "send_email",
                  new FromArguments(List.of("recipients"), true, null, null, List.of("cc", "bcc"))),
          true,
          false,
          4);

  private static Outcome map(String method, String params) throws Exception {
    return CallMapping.map(FS, method, JsonRpc.parse(params));
  }

  @ParameterizedTest(name = "{0} under {1} -> {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "/srv/data/x.txt, /srv, /data/x.txt",
        "/srv, /srv, /",
        "/srv/, /srv, /",
        "/srv/../etc/passwd, /srv, /../etc/passwd",
        "/srvx/data, /srv, null",
        "srv/data, /srv, null",
        "data/x.txt, /srv, null",
        "~/x, /srv, null",
        "/etc/passwd, '', /etc/passwd",
        "relative/ok, null, relative/ok",
      })
  void underRoot_keepsOnlyAbsolutePathsUnderTheRoot(String path, String root, String expected) {
    assertThat(CallMapping.underRoot(path, root)).isEqualTo(expected);
  }

  @Test
  void toolsCall_buildsServiceActionResourceAndArgs() throws Exception {
    Outcome o =
        map(
            "tools/call",
            "{\"name\":\"read_text_file\",\"arguments\":{\"path\":\"/srv/a/b\",\"head\":2}}");

    Request r = ((Mapped) o).request();
    assertThat(r.service()).isEqualTo("fs");
    assertThat(r.action()).isEqualTo("read_text_file");
    assertThat(r.resource()).isEqualTo("/a/b");
    assertThat(r.args().get("head").asInt()).isEqualTo(2);
  }

  @Test
  void toolsCall_theCallASignedProofCovers_isTheMessageAsSent_withoutTheMapping() throws Exception {
    Call c =
        ((Mapped)
                map(
                    "tools/call",
                    "{\"name\":\"read_text_file\",\"arguments\":{\"path\":\"/srv/a/b\",\"head\":2}}"))
            .call();

    assertThat(c)
        .isEqualTo(
            Call.mcp(
                null,
                "fs",
                "POST tools/call",
                "read_text_file",
                McpStack.JSON.createObjectNode().put("path", "/srv/a/b").put("head", 2)));
  }

  @Test
  void toolsCall_onTwoPaths_checksTheSecondAsAFurtherResource() throws Exception {
    Request r =
        ((Mapped)
                map(
                    "tools/call",
                    "{\"name\":\"move_file\",\"arguments\":"
                        + "{\"source\":\"/srv/in/a\",\"destination\":\"/srv/out/a\"}}"))
            .request();

    assertThat(r.resource()).isEqualTo("/in/a");
    assertThat(r.moreResources()).containsExactly("/out/a");
  }

  @Test
  void toolsCall_onAnArrayOfPaths_checksEveryOne() throws Exception {
    Request r =
        ((Mapped)
                map(
                    "tools/call",
                    "{\"name\":\"read_multiple_files\",\"arguments\":"
                        + "{\"paths\":[\"/srv/a\",\"/srv/b\",\"/srv/c\"]}}"))
            .request();

    assertThat(r.resource()).isEqualTo("/a");
    assertThat(r.moreResources()).containsExactly("/b", "/c");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "destination missing | {\"name\":\"move_file\",\"arguments\":{\"source\":\"/srv/a\"}} | argument 'destination' is missing",
        "destination outside the root | {\"name\":\"move_file\",\"arguments\":{\"source\":\"/srv/a\",\"destination\":\"/etc/a\"}} | argument 'destination' must be an absolute path under the upstream's root directory",
        "empty batch | {\"name\":\"read_multiple_files\",\"arguments\":{\"paths\":[]}} | argument 'paths' is missing or not a non-empty array of values, each a string",
        "non-string in batch | {\"name\":\"read_multiple_files\",\"arguments\":{\"paths\":[\"/srv/a\",7]}} | argument 'paths' holds something other than a string",
        "a string for a batch | {\"name\":\"read_multiple_files\",\"arguments\":{\"paths\":\"/srv/a\"}} | argument 'paths' is missing or not a non-empty array of values, each a string",
        "one path outside | {\"name\":\"read_multiple_files\",\"arguments\":{\"paths\":[\"/srv/a\",\"/etc/shadow\"]}} | argument 'paths' must be an absolute path under the upstream's root directory",
      })
  void toolsCall_onSeveralPaths_refusesAnyBadOne(String name, String params, String reason)
      throws Exception {
    assertThat(((Refused) map("tools/call", params)).reason()).startsWith(reason);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "42 | 42",
        "-7 | -7",
        "4.0 | 4",
        "0.50 | 0.5",
        "true | true",
        "false | false",
        "\"42\" | 42",
      })
  void toolsCall_aNumberOrBooleanResource_isItsCanonicalText(String id, String resource)
      throws Exception {
    Request r =
        ((Mapped) map("tools/call", "{\"name\":\"raw\",\"arguments\":{\"id\":" + id + "}}"))
            .request();

    assertThat(r.resource()).isEqualTo(resource);
  }

  @Test
  void toolsCall_aNumberUnderARoot_orAnObject_isRefused() throws Exception {
    assertThat(
            ((Refused)
                    map("tools/call", "{\"name\":\"read_text_file\",\"arguments\":{\"path\":7}}"))
                .reason())
        .isEqualTo("argument 'path' is missing or not a string");
    assertThat(
            ((Refused) map("tools/call", "{\"name\":\"raw\",\"arguments\":{\"id\":{\"a\":1}}}"))
                .reason())
        .isEqualTo("argument 'id' is missing or not a string, number or boolean");
  }

  @Test
  void toolsCall_optionalArguments_areResourcesWhenPresent() throws Exception {
    Request none =
        ((Mapped)
                map(
                    "tools/call",
                    "{\"name\":\"send_email\",\"arguments\":{\"recipients\":[\"a@x\"],\"cc\":null,"
                        + "\"bcc\":[]}}"))
            .request();
    Request all =
        ((Mapped)
                map(
                    "tools/call",
                    "{\"name\":\"send_email\",\"arguments\":{\"recipients\":[\"a@x\"],"
                        + "\"cc\":\"c@x\",\"bcc\":[\"b1@x\",\"b2@x\"]}}"))
            .request();

    assertThat(none.resource()).isEqualTo("a@x");
    assertThat(none.moreResources()).isEmpty();
    assertThat(all.moreResources()).containsExactly("c@x", "b1@x", "b2@x");
    assertThat(
            ((Refused)
                    map(
                        "tools/call",
                        "{\"name\":\"send_email\",\"arguments\":{\"recipients\":[\"a@x\"],"
                            + "\"cc\":[\"c@x\",{}]}}"))
                .reason())
        .startsWith("argument 'cc' holds something other than a string, number or boolean");
  }

  @Test
  void toolsCall_onTooManyPaths_isRefusedNotThrown() throws Exception {
    StringBuilder paths = new StringBuilder();
    for (int i = 0; i <= Request.MAX_MORE_RESOURCES; i++) {
      paths.append(i == 0 ? "" : ",").append("\"/srv/f").append(i).append('"');
    }
    String params = "{\"name\":\"read_multiple_files\",\"arguments\":{\"paths\":[%s]}}";

    assertThat(((Mapped) map("tools/call", String.format(params, paths))).request().moreResources())
        .hasSize(Request.MAX_MORE_RESOURCES);
    assertThat(
            ((Refused) map("tools/call", String.format(params, paths + ",\"/srv/one-more\"")))
                .reason())
        .contains("more than 65 resources");
  }

  @Test
  void toolsCall_withoutMapping_hasAnEmptyResource() throws Exception {
    Request r = ((Mapped) map("tools/call", "{\"name\":\"echo\"}")).request();
    assertThat(r.resource()).isEmpty();
    assertThat(r.args().isEmpty()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"name\":\"write_file\",\"arguments\":{\"path\":\"/srv/x\"}} | tool 'write_file' is not enabled on fs",
        "{\"name\":\"read_text_file\",\"arguments\":{}} | argument 'path' is missing or not a string",
        "{\"name\":\"read_text_file\",\"arguments\":{\"path\":[\"/srv/x\"]}} | argument 'path' is missing or not a string",
        "{\"name\":\"read_text_file\",\"arguments\":{\"path\":\"/etc/passwd\"}} | must be an absolute path under the upstream's root directory",
        "{\"name\":\"read_text_file\",\"arguments\":\"/srv/x\"} | arguments must be an object",
        "{\"arguments\":{}} | needs a tool name",
      })
  void toolsCall_refusesWhatCannotBeMapped(String params, String reason) throws Exception {
    assertThat(map("tools/call", params)).isInstanceOf(Refused.class);
    assertThat(((Refused) map("tools/call", params)).reason()).contains(reason);
  }

  @Test
  void resourcesRead_isCheckedAsResourcesReadOnTheUri() throws Exception {
    Request r = ((Mapped) map("resources/read", "{\"uri\":\"file:///srv/a.txt\"}")).request();
    assertThat(r.action()).isEqualTo(McpNames.RESOURCES_READ_ACTION);
    assertThat(r.resource()).isEqualTo("file:///srv/a.txt");
  }

  @ParameterizedTest
  @CsvSource({
    "file:///srv/%2e%2e/etc/passwd",
    "file:///srv/a%2Fb",
    "file:///srv/a%252fb",
    "file:///../etc/passwd",
    "file:///srv/\uFF0E\uFF0E/etc/passwd",
    "/srv/a.txt",
  })
  void resourcesRead_refusesUrisThatCouldNameAnotherResource(String uri) throws Exception {
    assertThat(map("resources/read", "{\"uri\":\"" + uri + "\"}")).isInstanceOf(Refused.class);
  }

  @Test
  void resourcesRead_isDecidedAndForwardedOnTheNormalisedUri() throws Exception {
    JsonNode params = JsonRpc.parse("{\"uri\":\"FILE:///srv/public/./../secret/%7Ekey\"}");

    Mapped mapped = (Mapped) CallMapping.map(FS, "resources/read", params);
    Request r = mapped.request();

    assertThat(r.resource()).isEqualTo("file:///srv/secret/~key");
    assertThat(mapped.call().target())
        .as("a proof signs the URI as sent")
        .isEqualTo("FILE:///srv/public/./../secret/%7Ekey");
    assertThat(mapped.call().method()).isEqualTo("POST resources/read");
    assertThat(params.get("uri").asText()).isEqualTo("file:///srv/secret/~key");
  }

  @Test
  void promptsGet_isRefusedWhenNotEnabled() throws Exception {
    assertThat(map("prompts/get", "{\"name\":\"p\"}")).isInstanceOf(Refused.class);
  }

  @Test
  void redact_replacesTokensInValuesAndKeys_evenBehindJsonEscapes() throws Exception {
    JsonNode m =
        JsonRpc.parse(
            "{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"use \\u006dnd1_AAAAbbbb-cc now\"}],"
                + "\"mndp1_XYZ\":1}}");

    String out = JsonRpc.write(JsonRpc.redact(m));

    assertThat(out)
        .doesNotContain("mnd1_")
        .doesNotContain("mndp1_")
        .contains("use " + TokenRedaction.REPLACEMENT + " now");
  }

  @Test
  void redact_looksInsideBase64Blobs_andImageData() throws Exception {
    String hidden =
        Base64.getEncoder()
            .encodeToString("key: mnd1_AAAAbbbb-cc end".getBytes(StandardCharsets.UTF_8));
    String plain =
        Base64.getEncoder().encodeToString("nothing here".getBytes(StandardCharsets.UTF_8));
    JsonNode m =
        JsonRpc.parse(
            "{\"result\":{\"contents\":[{\"uri\":\"file:///a\",\"blob\":\""
                + hidden
                + "\"},{\"uri\":\"file:///b\",\"blob\":\""
                + plain
                + "\"}],\"content\":[{\"type\":\"image\",\"mimeType\":\"image/png\","
                + "\"data\":\""
                + hidden
                + "\"},{\"type\":\"text\",\"data\":\"not base64 mnd1_AAAAbbbb-cc\"}]}}");

    JsonNode out = JsonRpc.redact(m);

    String blob = out.at("/result/contents/0/blob").asText();
    String decoded = new String(Base64.getDecoder().decode(blob), StandardCharsets.UTF_8);
    assertThat(decoded).isEqualTo("key: " + TokenRedaction.REPLACEMENT + " end");
    assertThat(out.at("/result/contents/1/blob").asText()).isEqualTo(plain);
    assertThat(out.at("/result/content/0/data").asText()).isEqualTo(blob);
    assertThat(out.at("/result/content/1/data").asText())
        .isEqualTo("not base64 " + TokenRedaction.REPLACEMENT);
  }
}
