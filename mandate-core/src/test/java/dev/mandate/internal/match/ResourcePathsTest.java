package dev.mandate.internal.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.internal.match.ResourcePaths.NormalisedPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResourcePathsTest {

  private static String value(String path) {
    NormalisedPath result = ResourcePaths.normalise(path);
    assertThat(result.ok()).as("problem: %s", result.problem()).isTrue();
    assertThat(result.problem()).isNull();
    return result.value();
  }

  private static String problem(String path) {
    NormalisedPath result = ResourcePaths.normalise(path);
    assertThat(result.ok()).as("value: %s", result.value()).isFalse();
    assertThat(result.value()).isNull();
    return result.problem();
  }

  @ParameterizedTest
  @CsvSource({
    "/, /",
    "/data, /data",
    "/data/, /data",
    "//data//invoices///, /data/invoices",
    "/./data/./x/., /data/x",
    "/data/invoices/2024/../2023/a.pdf, /data/invoices/2023/a.pdf",
    "/data/.., /",
    "/a/b/../../.., ",
    "/..., /...",
    "/a/.hidden/..b, /a/.hidden/..b",
    "/data/%41%20x, /data/%41%20x",
  })
  void normalise_resolvesLexically(String path, String expected) {
    if (expected == null) {
      assertThat(problem(path)).isEqualTo("path escapes the root");
    } else {
      assertThat(value(path)).isEqualTo(expected);
    }
  }

  @Test
  void normalise_rejectsEscapeAboveRoot() {
    assertThat(problem("/..")).isEqualTo("path escapes the root");
    assertThat(problem("/data/../../etc/passwd")).isEqualTo("path escapes the root");
  }

  @Test
  void normalise_rejectsNullEmptyRelativeAndOverlong() {
    assertThat(problem(null)).contains("missing");
    assertThat(problem("")).contains("absolute");
    assertThat(problem("data/x")).contains("absolute");
    assertThat(problem("./data")).contains("absolute");
    assertThat(value("/" + "a".repeat(4095))).hasSize(4096);
    assertThat(problem("/" + "a".repeat(4096))).contains("4096");
  }

  @ParameterizedTest
  @ValueSource(strings = {"%2f", "%2F", "%5c", "%5C"})
  void normalise_rejectsEncodedSeparator(String escape) {
    assertThat(problem("/data" + escape + "..%2F..%2Fetc"))
        .isEqualTo("path contains an encoded separator (" + escape + ")");
  }

  @Test
  void normalise_rejectsEncodedDots() {
    assertThat(problem("/data/%2e%2e/etc")).isEqualTo("path contains an encoded dot (%2e)");
    assertThat(problem("/data/%2E./etc")).isEqualTo("path contains an encoded dot (%2E)");
  }

  @Test
  void normalise_rejectsEncodedNulAndDoubleEncoding() {
    assertThat(problem("/data/a%00.txt")).contains("encoded NUL");
    assertThat(problem("/data/%252e%252e/x")).contains("encoded percent sign (%25)");
  }

  @Test
  void normalise_rejectsOverlongUtf8AndUnicodeEscapes() {
    assertThat(problem("/data/%c0%af..")).contains("overlong");
    assertThat(problem("/data/%C1%9C")).contains("overlong");
    assertThat(problem("/data/%u002f")).contains("%u002f");
    assertThat(value("/data/%user")).isEqualTo("/data/%user");
    assertThat(value("/data/%")).isEqualTo("/data/%");
    assertThat(value("/data/%2")).isEqualTo("/data/%2");
  }

  @Test
  void normalise_rejectsBackslash() {
    assertThat(problem("/data\\..\\secrets")).isEqualTo("path contains a backslash");
  }

  @Test
  void normalise_rejectsNulAndControlCharacters() {
    assertThat(problem("/data/a\u0000b")).isEqualTo("path contains a NUL character");
    assertThat(problem("/data/a\nb")).contains("control character (U+000A)");
    assertThat(problem("/data/a\u001fb")).contains("U+001F");
    assertThat(problem("/data/a\u007fb")).contains("U+007F");
    assertThat(problem("/data/a\u0085b")).contains("U+0085");
    assertThat(problem("/data/a\u009fb")).contains("U+009F");
    assertThat(problem("/data/a\u00a0b")).contains("compatibility"); // NBSP folds to space
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\u200b", "\u200d", "\u200f", "\u202a", "\u202e", "\u2060", "\u2064", "\u2066", "\u2069",
        "\ufeff"
      })
  void normalise_rejectsInvisibleAndBidiCharacters(String c) {
    assertThat(problem("/data/inv" + c + "oices"))
        .startsWith("path contains an invisible or bidirectional-control character (U+");
  }

  @Test
  void normalise_rejectsFullwidthSolidusAndDotLeader() {
    assertThat(problem("/data\uff0f..\uff0fsecrets")).contains("compatibility");
    assertThat(problem("/data/\u2024\u2024/secrets")).contains("compatibility");
    assertThat(problem("/data/\u2025/secrets")).contains("compatibility"); // two-dot leader
    assertThat(problem("/data/\ufb01le")).contains("compatibility"); // fi ligature
  }

  @Test
  void normalise_rejectsNonNfc() {
    assertThat(problem("/data/cafe\u0301")).contains("NFC");
    assertThat(value("/data/caf\u00e9")).isEqualTo("/data/caf\u00e9");
  }

  @Test
  void normalise_rejectsUnpairedSurrogates() {
    assertThat(problem("/data/\ud800")).contains("unpaired surrogate (U+D800)");
    assertThat(problem("/data/\udc00x")).contains("unpaired surrogate (U+DC00)");
    assertThat(value("/data/\ud83d\ude00")).isEqualTo("/data/\ud83d\ude00");
  }

  @Test
  void normalise_keepsCaseAndDotlessI() {
    assertThat(value("/Data/x")).isEqualTo("/Data/x");
    assertThat(value("/d\u0131r")).isEqualTo("/d\u0131r");
    assertThat(value("/d\u0131r")).isNotEqualTo("/dir");
  }

  @Test
  void within_acceptsBaseItselfAndDescendants() {
    assertThat(ResourcePaths.within("/data/invoices", "/data/invoices")).isNull();
    assertThat(ResourcePaths.within("/data/invoices", "/data/invoices/")).isNull();
    assertThat(ResourcePaths.within("/data/invoices", "/data/invoices/2024/a.pdf")).isNull();
    assertThat(ResourcePaths.within("/data/invoices/", "//data/./invoices/x")).isNull();
    assertThat(ResourcePaths.within("/", "/anything/at/all")).isNull();
  }

  @Test
  void within_rejectsTraversalOutOfBase() {
    assertThat(ResourcePaths.within("/data/invoices/2024", "/data/invoices/2024/../../secrets"))
        .isEqualTo("path /data/secrets is not within /data/invoices/2024");
    assertThat(ResourcePaths.within("/data", "/data/../etc/passwd")).contains("not within");
  }

  @Test
  void within_isComponentWise() {
    assertThat(ResourcePaths.within("/data/inv", "/data/invoices")).contains("not within");
    assertThat(ResourcePaths.within("/data/inv", "/data/inv-x/a")).contains("not within");
    assertThat(ResourcePaths.within("/data/invoices", "/data")).contains("not within");
  }

  @Test
  void within_isCaseSensitive() {
    assertThat(ResourcePaths.within("/data", "/Data/x")).contains("not within");
    assertThat(ResourcePaths.within("/data", "/dat\u0131/x")).contains("not within");
  }

  @Test
  void within_reportsPathProblems() {
    assertThat(ResourcePaths.within("/data", "/data/%2e%2e/etc")).contains("encoded dot");
    assertThat(ResourcePaths.within("/data", null)).contains("missing");
    assertThat(ResourcePaths.within("/data", "relative")).contains("absolute");
    assertThat(ResourcePaths.within("/data", "/data\u202e/x")).contains("bidirectional");
    assertThat(ResourcePaths.within("/data", "/data\uff0f..")).contains("compatibility");
  }

  @Test
  void within_reportsBadBase() {
    assertThat(ResourcePaths.within(null, "/data")).startsWith("base ");
    assertThat(ResourcePaths.within("/../x", "/x")).startsWith("base ");
  }

  @Test
  void isPathPattern_requiresLeadingSlash() {
    assertThat(ResourcePaths.isPathPattern("/data/**")).isTrue();
    assertThat(ResourcePaths.isPathPattern("data/**")).isFalse();
    assertThat(ResourcePaths.isPathPattern("")).isFalse();
    assertThat(ResourcePaths.isPathPattern(null)).isFalse();
  }

  @Test
  void normalisedPath_requiresExactlyOneComponent() {
    assertThatThrownBy(() -> new NormalisedPath(null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new NormalisedPath("/a", "bad"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
