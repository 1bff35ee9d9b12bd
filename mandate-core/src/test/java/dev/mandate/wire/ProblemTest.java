package dev.mandate.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProblemTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void toJson_writesTheRfc9457MembersInOrder_thenExtensions() {
    Problem p =
        Problem.of(403, "APPROVAL_REQUIRED", "needs a person's approval")
            .with("tokenId", TextNode.valueOf("t1"));
    assertThat(new String(p.toJson(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"type\":\"about:blank\",\"title\":\"Forbidden\",\"status\":403,"
                + "\"detail\":\"needs a person's approval\",\"code\":\"APPROVAL_REQUIRED\","
                + "\"tokenId\":\"t1\"}");
  }

  @Test
  void parse_readsWhatToJsonWrote() {
    ObjectNode request = JSON.createObjectNode().put("action", "read");
    Problem p =
        Problem.of(413, "too_large", "the body is larger than 1 MiB").with("request", request);
    Problem back = Problem.parse(p.toJson()).orElseThrow();
    assertThat(back).isEqualTo(p);
    assertThat(back.title()).isEqualTo("Content Too Large");
    assertThat(back.extension("request")).contains(request);
    assertThat(back.extension("nothing")).isEmpty();
  }

  @Test
  void parse_toleratesUnknownMembersAndMissingTypeAndTitle() {
    Problem p =
        Problem.parse("{\"status\":503,\"code\":\"UNAVAILABLE\",\"detail\":\"later\",\"x\":[1]}")
            .orElseThrow();
    assertThat(p.type()).isEqualTo(Problem.BLANK_TYPE);
    assertThat(p.title()).isEqualTo("Service Unavailable");
    assertThat(p.extension("x")).isPresent();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not json",
        "[]",
        "\"text\"",
        "{\"error\":\"forbidden\",\"code\":\"DENIED\",\"reason\":\"old shape\"}",
        "{\"error\":\"not_found\",\"message\":\"old authority shape\"}",
        "{\"status\":200,\"code\":\"ok\",\"detail\":\"not an error\"}",
        "{\"status\":\"403\",\"code\":\"x\",\"detail\":\"status is text\"}",
        "{\"status\":403,\"code\":\"\",\"detail\":\"empty code\"}",
        "{\"status\":403,\"code\":\"a b\",\"detail\":\"code with a space\"}",
        "{\"status\":403,\"code\":7,\"detail\":\"numeric code\"}",
        "{\"status\":403,\"code\":\"x\"}",
      })
  void parse_isEmptyForAnythingElse(String body) {
    assertThat(Problem.parse(body)).isEmpty();
  }

  @Test
  void of_refusesNonErrorStatusesAndMalformedCodes() {
    assertThatThrownBy(() -> Problem.of(200, "ok", "fine"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("400..599, got 200");
    assertThatThrownBy(() -> Problem.of(400, "bad code", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'bad code'");
    assertThatThrownBy(() -> Problem.of(400, "x".repeat(65), "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void with_refusesStandardMembers_andNeverSharesState() {
    Problem p = Problem.of(400, "bad_request", "x");
    for (String name : new String[] {"type", "title", "status", "detail", "instance", "code"}) {
      assertThatThrownBy(() -> p.with(name, TextNode.valueOf("spoof")))
          .isInstanceOf(IllegalArgumentException.class);
    }
    ObjectNode value = JSON.createObjectNode().put("a", 1);
    Problem q = p.with("v", value);
    value.put("a", 2);
    q.extension("v").map(ObjectNode.class::cast).orElseThrow().put("a", 3);
    assertThat(q.extension("v").orElseThrow().get("a").intValue()).isEqualTo(1);
    assertThat(p.extension("v")).isEmpty();
  }

  @Test
  void summary_isOnePrintableBoundedLine() {
    assertThat(Problem.of(403, "policy_denied", "not allowed").summary())
        .isEqualTo("HTTP 403 policy_denied: not allowed");
    String hostile = "line\nbreak\u001b[31m\u202e" + "x".repeat(1000);
    String summary = Problem.of(400, "bad", hostile).summary();
    assertThat(summary).startsWith("HTTP 400 bad: line?break?[31m?").endsWith("…");
    assertThat(summary).doesNotContain("\n", "\u001b", "\u202e");
    assertThat(summary.length()).isLessThan(330);
  }

  @Test
  void title_isTheReasonPhrase() {
    assertThat(Problem.of(401, "unauthenticated", "x").title()).isEqualTo("Unauthorized");
    assertThat(Problem.of(431, "too_large", "x").title())
        .isEqualTo("Request Header Fields Too Large");
    assertThat(Problem.of(599, "odd", "x").title()).isEqualTo("Server Error");
  }
}
