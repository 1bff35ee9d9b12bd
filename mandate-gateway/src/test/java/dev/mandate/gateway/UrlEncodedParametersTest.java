package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.gateway.UrlEncodedParameters.Parameter;
import org.junit.jupiter.api.Test;

class UrlEncodedParametersTest {
  @Test
  void parse_decodesNamesAndValues_keepingWhatWasSent() {
    assertThat(UrlEncodedParameters.parse("a=1&&b&c+d=%C3%A9+x&e=a%3Db"))
        .containsExactly(
            new Parameter("a", "a", "1", "a=1"),
            new Parameter("b", "b", "", "b"),
            new Parameter("c+d", "c d", "\u00e9 x", "c+d=%C3%A9+x"),
            new Parameter("e", "e", "a=b", "e=a%3Db"));
    assertThat(UrlEncodedParameters.parse(null)).isEmpty();
  }

  @Test
  void parse_refusesMalformedEncodings() {
    assertThatThrownBy(() -> UrlEncodedParameters.parse("a=%zz"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UrlEncodedParameters.parse("a=%C3"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
