package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.internal.match.Glob;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A literal grant matches exactly its values, whatever glob characters they contain. */
class GrantLiteralTest {
  private static final String ALPHABET = "ab/*?{},\\[]:.-é\ud83d\ude00 ";

  @Test
  void escapedValues_matchExactlyThemselves() {
    Random random = new Random(615);
    for (int i = 0; i < 3000; i++) {
      String value = randomText(random);
      Glob glob = Glob.compile(Grant.escape(value));

      assertThat(glob.matches(value)).as(value).isTrue();
      String other = randomText(random);
      assertThat(glob.matches(other)).as("%s vs %s", value, other).isEqualTo(other.equals(value));
    }
  }

  @Test
  void aLiteralGrant_fromUntrustedText_allowsOnlyThatResource() {
    Grant channel = Grant.literal("chat", "read", "#general*,{admin}");

    assertThat(channel.toString()).isEqualTo("chat:read:#general\\*\\,\\{admin\\}");
    assertThat(channel.matches("chat", "read", "#general*,{admin}")).isTrue();
    assertThat(channel.matches("chat", "read", "#general-secret,{admin}")).isFalse();
    assertThat(channel.matches("chat", "read", "#general*,admin")).isFalse();
    assertThat(Grant.parse(channel.toString())).isEqualTo(channel);
  }

  @Test
  void escape_keepsTextWithoutGlobCharacters() {
    assertThat(Grant.escape("/data/invoices/2024")).isEqualTo("/data/invoices/2024");
    assertThat(Grant.escape("a\\b")).isEqualTo("a\\\\b");
    assertThat("/users/" + Grant.escape("**") + "/**").isEqualTo("/users/\\*\\*/**");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/data/../etc", "/data/./x", "/data//x", "/data/x/", "/data/a\\b"})
  void aLiteralPath_mustBeNormalised(String path) {
    assertThatThrownBy(() -> Grant.literal("fs", "read", path))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(path);
  }

  @Test
  void partsNoGrantMayHold_areRefused() {
    assertThatThrownBy(() -> Grant.literal("fs", "read", "a\nb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("control character");
    assertThatThrownBy(() -> Grant.literal("f:s", "read", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Grant.literal(null, "read", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("service");
    assertThatThrownBy(() -> Grant.literal("fs", "read", ""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static String randomText(Random random) {
    StringBuilder s = new StringBuilder();
    int n = 1 + random.nextInt(8);
    while (s.length() < n) {
      int at = random.nextInt(ALPHABET.length());
      char c = ALPHABET.charAt(at);
      if (Character.isHighSurrogate(c)) {
        s.append(c).append(ALPHABET.charAt(at + 1));
      } else if (!Character.isLowSurrogate(c)) {
        s.append(c);
      }
    }
    return s.toString();
  }
}
