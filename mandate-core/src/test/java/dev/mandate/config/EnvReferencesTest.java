package dev.mandate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvReferencesTest {
  private static final Map<String, String> ENV =
      Map.of("TOKEN", "t0k3n", "_X1", "x", "EMPTY", "", "DOLLAR", "${TOKEN}$1\\");

  private static String expand(String text) {
    return EnvReferences.expand(text, ENV::get);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Bearer ${TOKEN}         | Bearer t0k3n",
        "${TOKEN}${_X1}          | t0k3nx",
        "a${EMPTY}b              | ab",
        "no reference            | no reference",
        "cost: $5, {braces}      | cost: $5, {braces}",
        "$TOKEN                  | $TOKEN",
        "${DOLLAR}               | ${TOKEN}$1\\",
      })
  void expand_replacesEachReference_once(String text, String expected) {
    assertThat(expand(text)).isEqualTo(expected);
  }

  @Test
  void expand_namesEveryUnsetVariable_once_andNoValue() {
    assertThatThrownBy(() -> expand("${TOKEN} ${NOPE} ${ALSO_NOT} ${NOPE}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("uses ${NOPE}, ${ALSO_NOT}, which are not set in the environment");
    assertThatThrownBy(() -> expand("Bearer ${NOPE}"))
        .hasMessage("uses ${NOPE}, which is not set in the environment")
        .hasMessageNotContaining("t0k3n");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Bearer ${GITHUB-TOKEN}  | ${GITHUB-TOKEN}",
        "${}                     | ${}",
        "${1ABC}                 | ${1ABC}",
        "'${ TOKEN }'            | ${ TOKEN }",
        "${TOKEN                 | ${TOKEN",
        "${TOKEN:-default}       | ${TOKEN:-default}",
      })
  void expand_refusesMalformedReferences_ratherThanSendingThemVerbatim(String text, String shown) {
    assertThatThrownBy(() -> expand(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed reference '" + shown + "'")
        .hasMessageContaining("${NAME}");
  }
}
