package dev.mandate.internal.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GlobTest {

  /**
   * Pattern, input, whether it matches: {@code **} and {@code *} (not across a slash), {@code ?}
   * (one code point), braces (nested, with globs), escapes, regex characters as literals, exact
   * code-point comparison of the whole string.
   */
  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource(
      delimiterString = " -> ",
      value = {
        "/data/invoices/2024/** -> /data/invoices/2024/a.pdf -> true",
        "/data/invoices/2024/** -> /data/invoices/2024/q1/a.pdf -> true",
        "/data/** -> /data/ -> true",
        "/data/** -> /data -> false",
        "/data/** -> /database -> false",
        "/data/** -> /other/data/x -> false",
        "/data/*.pdf -> /data/a.pdf -> true",
        "/data/*.pdf -> /data/.pdf -> true",
        "/data/*.pdf -> /data/x/a.pdf -> false",
        "*@example.com -> alice@example.com -> true",
        "*@example.com -> alice@example.com.evil.net -> false",
        "*@example.com -> alice@exampleXcom -> false",
        "*@example.com -> a/b@example.com -> false",
        "/a/*** -> /a/b/c -> true",
        "a?c -> abc -> true",
        "a?c -> a\uD83D\uDE00c -> true",
        "a?c -> ac -> false",
        "a?c -> abbc -> false",
        "a?c -> a/c -> false",
        "{read_text_file,list_directory} -> read_text_file -> true",
        "{read_text_file,list_directory} -> list_directory -> true",
        "{read_text_file,list_directory} -> write_file -> false",
        "{read_text_file,list_directory} -> read_text_file,list_directory -> false",
        "{read_text_file,list_directory} -> {read_text_file,list_directory} -> false",
        "/{data/*.csv,logs/{app,db}/**} -> /data/x.csv -> true",
        "/{data/*.csv,logs/{app,db}/**} -> /logs/app/2024/x -> true",
        "/{data/*.csv,logs/{app,db}/**} -> /logs/db/ -> true",
        "/{data/*.csv,logs/{app,db}/**} -> /logs/web/x -> false",
        "/{data/*.csv,logs/{app,db}/**} -> /data/x/y.csv -> false",
        "a,b -> a,b -> true",
        "a\\*b\\{c\\}\\?\\\\ -> a*b{c}?\\ -> true",
        "a\\*b\\{c\\}\\?\\\\ -> axb{c}?\\ -> false",
        "a.b+c(d)|e[f]^$ -> a.b+c(d)|e[f]^$ -> true",
        "a.b+c(d)|e[f]^$ -> aXb+c(d)|e[f]^$ -> false",
        "x|y -> x -> false",
        "[ab] -> a -> false",
        "/data/* -> /Data/x -> false",
        "/d\u0131r -> /dir -> false",
        "/caf\u00e9 -> /cafe\u0301 -> false",
        "/DIR -> /dir -> false",
        "abc -> xabc -> false",
        "abc -> abcx -> false",
        "{a,{b,{c,{d,e}}}} -> e -> true",
        "{a,{b,{c,{d,e}}}} -> f -> false"
      })
  void matches(String pattern, String input, boolean expected) {
    assertThat(Glob.compile(pattern).matches(input)).isEqualTo(expected);
  }

  @Test
  void matching_isWholeString() {
    assertThat(Glob.compile("abc").matches("abc\n")).isFalse();
  }

  @Test
  void star_matchesNewlineConsistently() {
    assertThat(Glob.compile("a*b").matches("a\nb")).isTrue();
    assertThat(Glob.compile("a**b").matches("a\n/b")).isTrue();
  }

  @Test
  void matches_nullInputIsFalse() {
    assertThat(Glob.compile("**").matches(null)).isFalse();
  }

  @Test
  void matches_toleratesUnpairedSurrogateInput() {
    assertThat(Glob.compile("a*").matches("a\uD800")).isTrue();
    assertThat(Glob.compile("abc").matches("\uDC00")).isFalse();
  }

  @Test
  void catastrophicPattern_completesWithCorrectResult() {
    Glob glob = Glob.compile("**a**a**a**a**a**a**b");
    String input = "a".repeat(50_000);
    assertThat(glob.matches(input)).isFalse();
    assertThat(glob.matches(input + "b")).isTrue();
    Glob stars = Glob.compile("*a*a*a*a*a*a*a*a*b");
    assertThat(stars.matches("a".repeat(50_000))).isFalse();
  }

  @Test
  void compile_rejectsBracesNestedTooDeep() {
    assertThatThrownBy(() -> Glob.compile("{a,{b,{c,{d,{e,f}}}}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deeper than 4");
  }

  @Test
  void compile_rejectsTooManyAlternatives() {
    String ok = "{" + String.join(",", java.util.Collections.nCopies(64, "a")) + "}";
    Glob.compile(ok);
    String tooMany = "{" + String.join(",", java.util.Collections.nCopies(65, "a")) + "}";
    assertThatThrownBy(() -> Glob.compile(tooMany))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than 64");
    String spread = "{a,b}".repeat(33);
    assertThatThrownBy(() -> Glob.compile(spread))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than 64");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{a,b", "a}", "{}", "{a,}", "{,a}", "{a,,b}", "a\\", "{{a}", "x{a}}"})
  void compile_rejectsMalformedPatterns(String pattern) {
    assertThatThrownBy(() -> Glob.compile(pattern))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(pattern);
  }

  @Test
  void compile_rejectsNullEmptyAndOverlongPatterns() {
    assertThatThrownBy(() -> Glob.compile(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Glob.compile("")).isInstanceOf(IllegalArgumentException.class);
    Glob.compile("a".repeat(1024));
    assertThatThrownBy(() -> Glob.compile("a".repeat(1025)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1024");
  }

  @Test
  void compile_rejectsUnpairedSurrogate() {
    assertThatThrownBy(() -> Glob.compile("a\uD800b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("surrogate");
    assertThatThrownBy(() -> Glob.compile("a\\\uDC00"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("surrogate");
  }

  @Test
  void escapedSupplementaryCharacter_isLiteral() {
    assertThat(Glob.compile("\\\uD836\uDC00").matches("\uD836\uDC00")).isTrue();
  }

  @Test
  void equality_isByPattern() {
    assertThat(Glob.compile("/a/**")).isEqualTo(Glob.compile("/a/**"));
    assertThat(Glob.compile("/a/**")).hasSameHashCodeAs(Glob.compile("/a/**"));
    assertThat(Glob.compile("/a/**")).isNotEqualTo(Glob.compile("/a/*"));
    assertThat(Glob.compile("/a/**").toString()).isEqualTo("/a/**");
    assertThat(Glob.compile("/a/**").pattern()).isEqualTo("/a/**");
  }
}
