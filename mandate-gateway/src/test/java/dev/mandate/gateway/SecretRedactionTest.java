package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretRedactionTest {
  private static final String R = SecretRedaction.REPLACEMENT;
  private static final String TOKEN = "ghp_abcdefghijklmnop0123456789";
  private static final SecretRedaction GITHUB =
      SecretRedaction.ofHeaderValues(List.of(Secret.of("Bearer " + TOKEN)));

  @Test
  void redact_replacesTheWholeHeaderValue_andTheBareCredential() {
    assertThat(GITHUB.redact("authorization: Bearer " + TOKEN + "\n"))
        .isEqualTo("authorization: " + R + "\n");
    assertThat(GITHUB.redact("{\"token\":\"" + TOKEN + "\"}"))
        .isEqualTo("{\"token\":\"" + R + "\"}");
    assertThat(GITHUB.redact("nothing here")).isEqualTo("nothing here");
    assertThat(GITHUB.redact("ghp_abcdefghijklmnop012345678 one short"))
        .isEqualTo("ghp_abcdefghijklmnop012345678 one short");
  }

  @Test
  void redact_findsTheJsonAndPercentEncodedForms() {
    String secret = "a+b/c=d\"e\\f";
    SecretRedaction r = SecretRedaction.ofHeaderValues(List.of(Secret.of(secret)));
    assertThat(r.redact("json \"a+b/c=d\\\"e\\\\f\" end")).isEqualTo("json \"" + R + "\" end");
    assertThat(r.redact("escaped slash a+b\\/c=d\\\"e\\\\f")).isEqualTo("escaped slash " + R);
    assertThat(r.redact("?k=a%2Bb%2Fc%3Dd%22e%5Cf&x")).isEqualTo("?k=" + R + "&x");
    assertThat(r.redact("?k=a%2bb%2fc%3dd%22e%5cf&x")).isEqualTo("?k=" + R + "&x");
  }

  @Test
  void shortValues_areNotLookedFor() {
    SecretRedaction r =
        SecretRedaction.ofHeaderValues(List.of(Secret.of("eu"), Secret.of("Basic abc")));
    assertThat(r.redact("region eu, Basic abc")).isEqualTo("region eu, " + R);
    assertThat(SecretRedaction.ofHeaderValues(List.of(Secret.of("short"))).isEmpty()).isTrue();
  }

  @Test
  void streaming_findsTheSecretSplitAtEveryPossibleChunkBoundary() throws IOException {
    String text = "start Bearer " + TOKEN + " mid " + TOKEN + TOKEN + " ghp_ end ghp_abc";
    String expected = "start " + R + " mid " + R + R + " ghp_ end ghp_abc";
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    for (int cut1 = 0; cut1 <= bytes.length; cut1++) {
      for (int cut2 = cut1; cut2 <= bytes.length; cut2 += 5) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        StringBuilder flushedSoFar = new StringBuilder();
        try (OutputStream out = GITHUB.redacting(sink)) {
          out.write(bytes, 0, cut1);
          out.flush();
          flushedSoFar.append(sink.toString(StandardCharsets.US_ASCII));
          out.write(bytes, cut1, cut2 - cut1);
          out.flush();
          out.write(bytes, cut2, bytes.length - cut2);
        }
        assertThat(sink.toString(StandardCharsets.US_ASCII))
            .as("cuts at %d and %d", cut1, cut2)
            .isEqualTo(expected);
        // Nothing of a secret ever leaves before the redactor knows it is not one.
        assertThat(flushedSoFar.toString()).as("cut at %d", cut1).doesNotContain("ghp_abcdefgh");
      }
    }
  }

  @Test
  void streaming_byteByByte_andAtTheVeryEnd() throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (OutputStream out = GITHUB.redacting(sink)) {
      for (byte b : ("x" + TOKEN).getBytes(StandardCharsets.US_ASCII)) {
        out.write(b);
        out.flush();
      }
    }
    assertThat(sink.toString(StandardCharsets.US_ASCII)).isEqualTo("x" + R);
  }

  @Test
  void nothingToLookFor_passesTheStreamThrough() {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    SecretRedaction none = SecretRedaction.ofHeaderValues(List.of());
    assertThat(none.isEmpty()).isTrue();
    assertThat(none.redacting(sink)).isSameAs(sink);
    assertThat(none.redact("Bearer " + TOKEN)).isEqualTo("Bearer " + TOKEN);
  }
}
