package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Base64;

/**
 * Fuzzes {@link Capability#decode(String)}: whatever the input, it returns a capability or throws
 * {@link InvalidTokenException}; any other exception escapes the test and is a finding.
 *
 * <p>Under {@code mvn test} this replays the committed inputs in
 * src/test/resources/dev/mandate/token/TokenDecoderFuzzTestInputs/ (regression mode). To fuzz, run
 * one method with {@code JAZZER_FUZZ=1} (see {@link FuzzSeeds}).
 */
class TokenDecoderFuzzTest {

  @FuzzTest(maxDuration = "5m")
  void decode_arbitraryText(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    decodeOrRefuse(text);
  }

  @FuzzTest(maxDuration = "5m")
  void decode_prefixedBase64OfArbitraryBytes(FuzzedDataProvider data) {
    byte[] bytes = data.consumeRemainingAsBytes();
    String text = "mnd1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Capability decoded = decodeOrRefuse(text);
    if (decoded != null) {
      // Decoding is canonical: what decodes re-encodes to the very same bytes and text.
      assertThat(decoded.toBytes()).isEqualTo(bytes);
      assertThat(decoded.toText()).isEqualTo(text);
      assertThat(decoded.revocationIds()).hasSize(decoded.blocks().size()).doesNotHaveDuplicates();
    }
  }

  /** Returns the decoded capability, or null if decode refused the text as it must. */
  private static Capability decodeOrRefuse(String text) {
    try {
      return Capability.decode(text);
    } catch (InvalidTokenException expected) {
      assertThat(expected.getMessage()).isNotBlank();
      return null;
    }
  }
}
