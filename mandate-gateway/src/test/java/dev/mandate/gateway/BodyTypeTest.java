package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.gateway.BodyType.Check;
import dev.mandate.gateway.BodyType.Kind;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BodyTypeTest {
  private static final List<String> JSON_AND_FORM =
      List.of("application/json", "application/x-www-form-urlencoded", "application/octet-stream");

  private static Check check(boolean hasBody, String... headers) {
    HttpFields.Mutable fields = HttpFields.build();
    for (int i = 0; i < headers.length; i += 2) {
      fields.add(headers[i], headers[i + 1]);
    }
    return BodyType.of(fields, hasBody, JSON_AND_FORM);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "application/json | JSON",
        "application/json; charset=utf-8 | JSON",
        "APPLICATION/JSON;CHARSET=\"UTF-8\" | JSON",
        "application/x-www-form-urlencoded | FORM",
        "application/octet-stream | OPAQUE",
        "application/octet-stream; name=x | OPAQUE",
      })
  void listedTypes_areTaken(String type, Kind kind) {
    assertThat(check(true, "Content-Type", type)).isEqualTo(new Check(kind, null));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "text/plain | this route takes [application/json, application/x-www-form-urlencoded,"
            + " application/octet-stream], not text/plain",
        "application/json-patch | not application/json-patch",
        "application/jsonx | not application/jsonx",
        "application/json; charset=utf-16 | the charset must be utf-8, not utf-16",
        "application/octet-stream; charset=latin1 | the charset must be utf-8",
        "application/json; boundary=x | takes no parameter but charset, not boundary",
        "application/json;; | not a well-formed media type",
        "application/json, text/plain | not a well-formed media type",
      })
  void otherTypes_loosePrefixes_parametersAndCharsets_areRefused(String type, String reason) {
    Check c = check(true, "Content-Type", type);
    assertThat(c.kind()).isNull();
    assertThat(c.problem()).contains(reason);
  }

  @Test
  void aBodyNeedsExactlyOneContentType_andAReadBodyNoEncoding() {
    assertThat(check(true).problem()).startsWith("a request body needs a Content-Type");
    assertThat(
            check(true, "Content-Type", "application/json", "Content-Type", "application/json")
                .problem())
        .isEqualTo("send one Content-Type, not 2");
    assertThat(
            check(true, "Content-Type", "application/json", "Content-Encoding", "gzip").problem())
        .contains("without Content-Encoding");
    assertThat(check(true, "Content-Type", "application/json", "Content-Encoding", "identity"))
        .isEqualTo(new Check(Kind.JSON, null));
    assertThat(check(true, "Content-Type", "application/octet-stream", "Content-Encoding", "gzip"))
        .isEqualTo(new Check(Kind.OPAQUE, null));
  }

  @Test
  void noBody_passesWhateverItsContentType() {
    assertThat(check(false)).isEqualTo(new Check(Kind.NONE, null));
    assertThat(check(false, "Content-Type", "text/plain")).isEqualTo(new Check(Kind.NONE, null));
  }
}
