package dev.mandate.internal.match;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GlobShortcutTest {
  private static final List<String> PATTERNS =
      List.of(
          "fs",
          "read_text_file",
          "/data/invoices/2024/**",
          "/data/**",
          "**",
          "*",
          "{read_text_file,list_directory}",
          "{a,b,a}",
          "/data/x.txt",
          "mail.example.com");

  private static final String ALPHABET = "/ab.xdtinvoc2014_-*{},?\\\u00e9\u0131";

  @Test
  void shortcuts_matchExactlyWhatTheAutomatonMatches() {
    Random random = new Random(42);
    for (String p : PATTERNS) {
      Glob glob = Glob.compile(p);
      assertThat(glob.hasShortcut()).as(p).isTrue();
      for (int i = 0; i < 3000; i++) {
        String input = randomInput(random, p);
        assertThat(glob.matches(input))
            .as("pattern %s input %s", p, input)
            .isEqualTo(glob.matchesByAutomaton(input));
      }
    }
  }

  @Test
  void braceShortcut_matchesEachOptionOnly() {
    Glob glob = Glob.compile("{read_text_file,list_directory}");
    assertThat(glob.matches("read_text_file")).isTrue();
    assertThat(glob.matches("list_directory")).isTrue();
    assertThat(glob.matches("read_text_filex")).isFalse();
    assertThat(glob.matches("write_file")).isFalse();
  }

  @Test
  void cleanPathShortcut_agreesWithFullNormalisation() {
    Random random = new Random(7);
    String alphabet = "/a.b";
    for (int i = 0; i < 20000; i++) {
      StringBuilder sb = new StringBuilder("/");
      int len = random.nextInt(10);
      for (int j = 0; j < len; j++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String path = sb.toString();
      ResourcePaths.NormalisedPath n = ResourcePaths.normalise(path);
      if (n.ok()) {
        // Normalisation is idempotent, and a normalised path never has dot or empty segments.
        assertThat(ResourcePaths.normalise(n.value()).value()).as(path).isEqualTo(n.value());
        assertThat(n.value())
            .as(path)
            .doesNotContain("//")
            .doesNotContain("/./")
            .doesNotEndWith("/.");
        assertThat(("/" + n.value() + "/").contains("/../")).as(path).isFalse();
      }
    }
  }

  private static String randomInput(Random random, String pattern) {
    StringBuilder sb = new StringBuilder();
    if (random.nextBoolean()) {
      // Start from the pattern's literal text so that matches are common, then perturb.
      sb.append(pattern.replace("*", "").replace("{", "").replace("}", "").replace(",", ""));
    }
    int extra = random.nextInt(6);
    for (int i = 0; i < extra; i++) {
      sb.insert(
          random.nextInt(sb.length() + 1), ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    if (random.nextInt(4) == 0 && sb.length() > 0) {
      sb.deleteCharAt(random.nextInt(sb.length()));
    }
    return sb.toString();
  }
}
