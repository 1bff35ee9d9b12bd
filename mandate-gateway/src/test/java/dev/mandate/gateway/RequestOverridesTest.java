package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestOverridesTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "X-HTTP-Method-Override",
        "x-http-method",
        "X-Method-Override",
        "X-Original-Method",
        "X-Original-URL",
        "X-Rewrite-URL",
        "X-Original-URI",
        "X-Envoy-Original-Path",
        "X-Override-URL"
      })
  void overrideHeaders_areRefused_andNeverForwarded(String header) {
    HttpFields fields = HttpFields.build().add("Accept", "*/*").add(header, "DELETE");
    assertThat(RequestOverrides.headerProblem(fields)).startsWith("the header " + header);
    assertThat(ForwardedHeaders.dropped(header.toLowerCase(java.util.Locale.ROOT))).isTrue();
  }

  @Test
  void ordinaryHeaders_pass() {
    assertThat(
            RequestOverrides.headerProblem(
                HttpFields.build().add("Accept", "*/*").add("X-Request-Id", "1")))
        .isNull();
    assertThat(RequestOverrides.parameterProblem("method")).isNull();
    assertThat(RequestOverrides.parameterProblem("_methods")).isNull();
  }
}
