package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HostPathsTest {
  private final HostPaths paths = HostPaths.of(Set.of("/srv/files", "/srv/files/data/", "/"));

  @Test
  void wholeRootsBecomeGrantRelative_longestFirst_otherPathsStay() {
    assertThat(paths.relative("open '/srv/files/data/x.txt'")).isEqualTo("open '/x.txt'");
    assertThat(paths.relative("ENOENT /srv/files/public/y")).isEqualTo("ENOENT /public/y");
    assertThat(paths.relative("not in /srv/files.")).isEqualTo("not in /.");
    assertThat(paths.relative("root /srv/files")).isEqualTo("root /");
    assertThat(paths.relative("/srv/files2/z and /srv/filesx"))
        .isEqualTo("/srv/files2/z and /srv/filesx");
  }

  @Test
  void onlyErrorAnswersAreRewritten_keepingTheId() throws Exception {
    JsonNode error =
        McpStack.JSON.readTree(
            "{\"jsonrpc\":\"2.0\",\"id\":\"/srv/files/a\",\"error\":{\"code\":-1,"
                + "\"message\":\"bad /srv/files/a\",\"data\":{\"/srv/files/k\":1}}}");
    JsonNode isError =
        McpStack.JSON.readTree(
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"isError\":true,"
                + "\"content\":[{\"type\":\"text\",\"text\":\"at /srv/files/b\"}]}}");
    String ok =
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[{\"type\":\"text\","
            + "\"text\":\"/srv/files/c\"}]}}";

    assertThat(paths.inErrors(error).toString())
        .isEqualTo(
            "{\"jsonrpc\":\"2.0\",\"id\":\"/srv/files/a\",\"error\":{\"code\":-1,"
                + "\"message\":\"bad /a\",\"data\":{\"/k\":1}}}");
    assertThat(paths.inErrors(isError).at("/result/content/0/text").asText()).isEqualTo("at /b");
    assertThat(paths.inErrors(McpStack.JSON.readTree(ok)).toString()).isEqualTo(ok);
  }
}
