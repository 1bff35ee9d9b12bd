package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenRedactionTest {
  private static final String R = TokenRedaction.REPLACEMENT;

  @Test
  void redact_replacesTokensProofsApprovalsAndSigningKeys_butNotPublicKeys() {
    assertThat(TokenRedaction.redact("a mnd1_abc-_9 b")).isEqualTo("a " + R + " b");
    assertThat(TokenRedaction.redact("p=mndp1_XYZ;")).isEqualTo("p=" + R + ";");
    assertThat(TokenRedaction.redact("p=mndp2_XYZ;")).isEqualTo("p=" + R + ";");
    assertThat(TokenRedaction.redact("ok mnda1_AQID-_x.")).isEqualTo("ok " + R + ".");
    assertThat(TokenRedaction.redact("\"mndsk1_k\"")).isEqualTo("\"" + R + "\"");
    assertThat(TokenRedaction.redact("mndpk1_public")).isEqualTo("mndpk1_public");
    assertThat(TokenRedaction.redact("mnd1_ alone, mnd, mndp1"))
        .isEqualTo("mnd1_ alone, mnd, mndp1");
    assertThat(TokenRedaction.redact("mmnd1_x")).isEqualTo("m" + R);
  }

  @Test
  void streaming_findsTokensSplitAtEveryPossibleChunkBoundary() throws IOException {
    String text = "start mnd1_AAAA-bbbb_9 mid mndsk1_zz end mndpk1_keep mnda1_Q9 mnd";
    String expected = "start " + R + " mid " + R + " end mndpk1_keep " + R + " mnd";
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    // 8 KiB: the public form; 4 bytes: smaller than a prefix or the replacement, so the output
    // buffer fills in the middle of both.
    for (int buffer : new int[] {8192, 4}) {
      for (int cut1 = 0; cut1 <= bytes.length; cut1++) {
        for (int cut2 = cut1; cut2 <= bytes.length; cut2 += 3) {
          ByteArrayOutputStream sink = new ByteArrayOutputStream();
          try (OutputStream out = TokenRedaction.redacting(sink, buffer)) {
            out.write(bytes, 0, cut1);
            out.flush();
            out.write(bytes, cut1, cut2 - cut1);
            out.flush();
            out.write(bytes, cut2, bytes.length - cut2);
          }
          assertThat(sink.toString(StandardCharsets.US_ASCII))
              .as("buffer %d, cuts %d %d", buffer, cut1, cut2)
              .isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void streaming_passesNonAsciiThroughUnchanged() throws IOException {
    String text = "héllo wörld — mnd1_t ✓";
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (OutputStream out = TokenRedaction.redacting(sink)) {
      for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
        out.write(b);
      }
    }
    assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("héllo wörld — " + R + " ✓");
  }
}
