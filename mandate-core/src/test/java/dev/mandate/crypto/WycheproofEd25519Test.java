package dev.mandate.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.internal.crypto.Ed25519;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every Wycheproof EdDSA vector (src/test/resources/wycheproof/ed25519_test.json) through both
 * of Mandate's verification paths: {@link Ed25519#verify(byte[], byte[], int, int, byte[])} (chain
 * keys named inside a token) and, when {@link VerifyingKey#fromBytes} accepts the key, {@link
 * VerifyingKey#verify} (root keys).
 *
 * <p>The file has no "acceptable" vectors. Should a future copy add some, they are expected to be
 * rejected: Mandate verifies strictly and refuses anything a careful verifier may refuse.
 */
class WycheproofEd25519Test {
  private static final String VECTORS = "/wycheproof/ed25519_test.json";
  private static final int EXPECTED_VECTORS = 151;

  private record Vector(
      int tcId, String comment, byte[] publicKey, byte[] message, byte[] signature, String result) {
    boolean expected() {
      return switch (result) {
        case "valid" -> true;
        case "invalid", "acceptable" -> false;
        default -> throw new IllegalStateException("tcId " + tcId + ": unknown result " + result);
      };
    }
  }

  @TestFactory
  List<DynamicTest> everyVector_verifiesAsWycheproofExpects() throws IOException {
    List<Vector> vectors = load();
    assertThat(vectors).hasSize(EXPECTED_VECTORS);
    return vectors.stream()
        .map(
            v ->
                DynamicTest.dynamicTest(
                    "tcId " + v.tcId() + " (" + v.result() + "): " + v.comment(), () -> check(v)))
        .toList();
  }

  private static void check(Vector v) {
    boolean raw = Ed25519.verify(v.publicKey(), v.message(), 0, v.message().length, v.signature());
    assertThat(raw)
        .as("raw-key verify, tcId %d: %s", v.tcId(), v.comment())
        .isEqualTo(v.expected());

    VerifyingKey key;
    try {
      key = VerifyingKey.fromBytes(v.publicKey());
    } catch (IllegalArgumentException refused) {
      // A key fromBytes refuses can never verify anything on the root-key path, which is only
      // consistent if the vector does not expect a valid signature under it.
      assertThat(v.expected())
          .as("fromBytes refused the key of valid vector tcId %d: %s", v.tcId(), refused)
          .isFalse();
      return;
    }
    assertThat(key.verify(v.message(), v.signature()))
        .as("VerifyingKey.verify, tcId %d: %s", v.tcId(), v.comment())
        .isEqualTo(v.expected());
    // The offset overload must agree when the message sits inside a larger buffer.
    byte[] padded = new byte[v.message().length + 7];
    System.arraycopy(v.message(), 0, padded, 3, v.message().length);
    assertThat(key.verify(padded, 3, v.message().length, v.signature()))
        .as("VerifyingKey.verify at an offset, tcId %d", v.tcId())
        .isEqualTo(v.expected());
  }

  private static List<Vector> load() throws IOException {
    JsonNode root;
    try (InputStream in = WycheproofEd25519Test.class.getResourceAsStream(VECTORS)) {
      assertThat(in).as("test resource %s", VECTORS).isNotNull();
      root = new ObjectMapper().readTree(in);
    }
    assertThat(root.path("algorithm").asText()).isEqualTo("EDDSA");
    assertThat(root.path("numberOfTests").asInt()).isEqualTo(EXPECTED_VECTORS);
    HexFormat hex = HexFormat.of();
    List<Vector> vectors = new ArrayList<>();
    for (JsonNode group : root.path("testGroups")) {
      assertThat(group.path("type").asText()).isEqualTo("EddsaVerify");
      assertThat(group.path("publicKey").path("curve").asText()).isEqualTo("edwards25519");
      byte[] publicKey = hex.parseHex(group.path("publicKey").path("pk").asText());
      for (JsonNode test : group.path("tests")) {
        vectors.add(
            new Vector(
                test.path("tcId").asInt(),
                test.path("comment").asText(),
                publicKey,
                hex.parseHex(test.path("msg").asText()),
                hex.parseHex(test.path("sig").asText()),
                test.path("result").asText()));
      }
    }
    return vectors;
  }
}
