package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpArgumentsTest {
  private static ObjectNode args(String query, BodyType.Kind kind, String body) {
    return HttpArguments.of(
            Map.of("repo", "hello"),
            query,
            kind,
            body == null ? null : body.getBytes(StandardCharsets.UTF_8),
            () -> CheckedArguments.NONE)
        .all();
  }

  private static Denial refusal(String query, BodyType.Kind kind, String body) {
    return catchThrowableOfType(() -> args(query, kind, body), Denial.class);
  }

  @Test
  void pathQueryAndJsonBody_becomeOneObject_repeatsAsArrays() {
    ObjectNode a = args("state=open&label=a&label=b", BodyType.Kind.JSON, "{\"title\":\"t\"}");

    assertThat(a.toString())
        .isEqualTo(
            "{\"repo\":\"hello\",\"state\":\"open\",\"label\":[\"a\",\"b\"],\"title\":\"t\"}");
  }

  @Test
  void aFormBody_isReadAsParameters_andANonObjectJsonBody_goesUnderBody() {
    assertThat(args(null, BodyType.Kind.FORM, "title=x+y").get("title").asText()).isEqualTo("x y");
    assertThat(args(null, BodyType.Kind.JSON, "[1,2]").get("body").toString()).isEqualTo("[1,2]");
  }

  @Test
  void anUnreadBody_addsNothing() {
    assertThat(args(null, BodyType.Kind.OPAQUE, null).size()).isEqualTo(1);
  }

  @Test
  void aNameGivenTwice_isRefused_soAQueryCannotShadowAPathParameter() {
    Denial d = refusal("repo=other", BodyType.Kind.NONE, null);

    assertThat(d.status()).isEqualTo(400);
    assertThat(d.reason()).contains("'repo' is given twice");
    assertThat(refusal(null, BodyType.Kind.JSON, "{\"repo\":\"x\"}").status()).isEqualTo(400);
  }

  @Test
  void malformedBodiesAndQueries_are400_withTheReason() {
    assertThat(refusal(null, BodyType.Kind.JSON, "{").reason()).startsWith("the JSON body is not");
    assertThat(refusal(null, BodyType.Kind.JSON, "{\"a\":1,\"a\":2}").status()).isEqualTo(400);
    assertThat(refusal("a=%zz", BodyType.Kind.NONE, null).reason()).startsWith("the query string");
    assertThat(
            catchThrowableOfType(
                    () ->
                        HttpArguments.of(
                            Map.of(),
                            null,
                            BodyType.Kind.JSON,
                            new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'},
                            () -> CheckedArguments.NONE),
                    Denial.class)
                .reason())
        .contains("not UTF-8");
  }
}
