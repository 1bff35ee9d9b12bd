package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exact and one-of scalars are kept in the canonical form the token encoding requires, so a block
 * built from any accepted value signs into a token its decoder accepts, with the same meaning.
 */
class CanonicalScalarTest {
  private static final SigningKey ROOT = Fixtures.key(1);
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final ObjectMapper EXACT =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "4.0, 4",
    "4.00, 4",
    "4, 4",
    "-0.0, 0",
    "0.0, 0",
    "100.0, 1E+2",
    "1e2, 1E+2",
    "1.5e-7, 1.5E-7",
    "0.10, 0.1",
    "12345678901234567890, 12345678901234567890",
    "1e400, 1E+400"
  })
  void numbers_takeTheCanonicalForm_andSignIntoADecodableToken(String given, String canonical)
      throws Exception {
    for (ObjectMapper reader : List.of(PLAIN, EXACT)) {
      JsonNode value = reader.readTree(given);
      if (value.isDouble() && !Double.isFinite(value.doubleValue())) {
        continue; // the plain reader turns 1e400 into infinity, refused below
      }
      Constraint.Exact exact = new Constraint.Exact(value);

      assertThat(CaveatCodec.jsonText(exact.value())).isEqualTo(canonical);
      assertThat(exact.value().decimalValue()).isEqualByComparingTo(value.decimalValue());
      assertThat(roundTrip(exact)).isEqualTo(exact);
      assertThat(roundTrip(new Constraint.OneOf(List.of(value, TextNode.valueOf("x")))))
          .isEqualTo(new Constraint.OneOf(List.of(value, TextNode.valueOf("x"))));
    }
  }

  @Test
  void nonFiniteNumbers_andUnpairedSurrogates_areRefused() {
    assertThatThrownBy(() -> new Constraint.Exact(DoubleNode.valueOf(Double.POSITIVE_INFINITY)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> new Constraint.Exact(DoubleNode.valueOf(Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Constraint.OneOf(List.of(TextNode.valueOf("a\ud800"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\ud800", "x\udc00", "\ud83d"})
  void textThatUtf8CannotEncode_isRefusedAtSigning_neverReplaced(String bad) {
    Capability.Minter minter =
        Capability.mint(ROOT)
            .allow("fs:read:/x")
            .ttl(Duration.ofMinutes(1))
            .clock(Fixtures.clock())
            .constrain("/p", new Constraint.Prefix(bad));

    assertThatThrownBy(minter::sign)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
  }

  @Test
  void aBlockOverAFormatLimit_isRefusedAtSigning_withTheLimit() {
    Capability.Minter minter =
        Capability.mint(ROOT).ttl(Duration.ofMinutes(1)).clock(Fixtures.clock());
    for (int i = 0; i <= Limits.DEFAULTS.maxGrantsPerBlock(); i++) {
      minter.allow("fs:read:/x/" + i);
    }

    assertThatThrownBy(minter::sign)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceed the limit");
  }

  @Test
  void randomDecimals_alwaysSignIntoADecodableToken_withTheSameValue() throws Exception {
    Random random = new Random(41);
    for (int i = 0; i < 500; i++) {
      String text =
          (random.nextBoolean() ? "-" : "")
              + random.nextInt(100_000)
              + "."
              + "0".repeat(random.nextInt(3))
              + random.nextInt(1000)
              + "0".repeat(random.nextInt(4))
              + (random.nextBoolean() ? "" : "e" + (random.nextInt(40) - 20));
      for (ObjectMapper reader : List.of(PLAIN, EXACT)) {
        JsonNode value = reader.readTree(text);
        Constraint.Exact exact = new Constraint.Exact(value);
        assertThat(roundTrip(exact)).as(text).isEqualTo(exact);
        assertThat(exact.value().decimalValue())
            .as(text)
            .isEqualByComparingTo(value.decimalValue());
      }
    }
  }

  private static Constraint roundTrip(Constraint c) {
    Capability token =
        Capability.mint(ROOT)
            .allow("fs:read:/x")
            .ttl(Duration.ofMinutes(1))
            .clock(Fixtures.clock())
            .constrain("/amount", c)
            .sign();
    Capability decoded = Capability.decode(token.toText());
    return ((Caveat.Argument)
            decoded.blocks().get(0).caveats().stream()
                .filter(Caveat.Argument.class::isInstance)
                .findFirst()
                .orElseThrow())
        .constraint();
  }
}
