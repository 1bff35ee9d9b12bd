package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MediaTypeTest {
  @Test
  void parse_readsTypeSubtypeAndParameters_lowerCasingNames() {
    MediaType t = MediaType.parse("Application/JSON ; Charset=\"UTF-8\"");
    assertThat(t.essence()).isEqualTo("application/json");
    assertThat(t.parameters()).isEqualTo(Map.of("charset", "UTF-8"));
    assertThat(t.json()).isTrue();
    assertThat(MediaType.parse("application/vnd.api+json").json()).isTrue();
    assertThat(MediaType.parse("application/x-www-form-urlencoded").form()).isTrue();
    assertThat(MediaType.parse("multipart/form-data; boundary=\"a b\\\"c\"").parameters())
        .containsEntry("boundary", "a b\"c");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "application",
        "application/",
        "/json",
        "application/json;",
        "application/json;;charset=utf-8",
        "application/json; charset = utf-8",
        "application/json; charset=utf-8; charset=latin1",
        "application/json, text/plain",
        "application/json; x",
        "application/json; x=\"unclosed",
        "application/json\u00a0",
        "application/j son",
        "text/plain; a=\"\u0001\"",
      })
  void parse_refusesWhatLenientParsersReadDifferently(String text) {
    assertThatThrownBy(() -> MediaType.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parse_refusesOverlongValues() {
    assertThatThrownBy(() -> MediaType.parse("text/plain; a=" + "b".repeat(300)))
        .hasMessageContaining("longer than 256");
  }

  @Test
  void jsonLookalikes_areNotJson() {
    assertThat(MediaType.parse("application/json-patch").json()).isFalse();
    assertThat(MediaType.parse("application/jsonx").json()).isFalse();
    assertThat(MediaType.parse("text/json").json()).isFalse();
    assertThat(MediaType.parse("application/x-www-form-urlencoded2").form()).isFalse();
  }
}
