package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec §5.4: the one text form of a resource taken from an argument value. */
class ResourceOfTest {
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final ObjectMapper DECIMALS =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "42 | 42",
        "-3 | -3",
        "42.0 | 42",
        "4.50 | 4.5",
        "100.0 | 1E+2",
        "1.5e-7 | 1.5E-7",
        "true | true",
        "false | false",
        "\"acct 7\" | acct 7",
        "\"42.0\" | 42.0",
      })
  void aValue_namesItsCanonicalText_howeverItWasRead(String json, String resource)
      throws Exception {
    assertThat(Request.resourceOf(PLAIN.readTree(json))).isEqualTo(resource);
    assertThat(Request.resourceOf(DECIMALS.readTree(json))).isEqualTo(resource);
  }

  @ParameterizedTest
  @ValueSource(strings = {"null", "{}", "[1]"})
  void nullObjectsAndArrays_nameNoResource(String json) throws Exception {
    assertThatThrownBy(() -> Request.resourceOf(PLAIN.readTree(json)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("a resource is a string, number or boolean");
  }
}
