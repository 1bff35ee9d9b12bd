package dev.mandate.internal.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GlobTest {

  @Test
  void doubleStar_matchesDirectChildrenAndDeeperDescendants() {
    Glob glob = Glob.compile("/data/invoices/2024/**");
    assertThat(glob.matches("/data/invoices/2024/a.pdf")).isTrue();
    assertThat(glob.matches("/data/invoices/2024/q1/a.pdf")).isTrue();
  }

  @Test
  void doubleStar_matchesEmptyRunButNotTheDirectoryWithoutSlash() {
    Glob glob = Glob.compile("/data/**");
    assertThat(glob.matches("/data/")).isTrue();
    assertThat(glob.matches("/data")).isFalse();
    assertThat(glob.matches("/database")).isFalse();
    assertThat(glob.matches("/other/data/x")).isFalse();
  }

  @Test
  void singleStar_doesNotCrossSlash() {
    Glob glob = Glob.compile("/data/*.pdf");
    assertThat(glob.matches("/data/a.pdf")).isTrue();
    assertThat(glob.matches("/data/.pdf")).isTrue();
    assertThat(glob.matches("/data/x/a.pdf")).isFalse();
  }

  @Test
  void singleStar_matchesArgumentSuffix() {
    Glob glob = Glob.compile("*@example.com");
    assertThat(glob.matches("alice@example.com")).isTrue();
    assertThat(glob.matches("alice@example.com.evil.net")).isFalse();
    assertThat(glob.matches("alice@exampleXcom")).isFalse();
    assertThat(glob.matches("a/b@example.com")).isFalse();
  }

  @Test
  void tripleStar_behavesLikeDoubleStar() {
    assertThat(Glob.compile("/a/***").matches("/a/b/c")).isTrue();
  }

  @Test
  void questionMark_matchesExactlyOneCodePointOtherThanSlash() {
    Glob glob = Glob.compile("a?c");
    assertThat(glob.matches("abc")).isTrue();
    assertThat(glob.matches("a\uD83D\uDE00c")).isTrue(); // emoji = one code point, two chars
    assertThat(glob.matches("ac")).isFalse();
    assertThat(glob.matches("abbc")).isFalse();
    assertThat(glob.matches("a/c")).isFalse();
  }

  @Test
  void braces_matchAnyAlternative() {
    Glob glob = Glob.compile("{read_text_file,list_directory}");
    assertThat(glob.matches("read_text_file")).isTrue();
    assertThat(glob.matches("list_directory")).isTrue();
    assertThat(glob.matches("write_file")).isFalse();
    assertThat(glob.matches("read_text_file,list_directory")).isFalse();
    assertThat(glob.matches("{read_text_file,list_directory}")).isFalse();
  }

  @Test
  void braces_alternativesMayContainGlobsAndNest() {
    Glob glob = Glob.compile("/{data/*.csv,logs/{app,db}/**}");
    assertThat(glob.matches("/data/x.csv")).isTrue();
    assertThat(glob.matches("/logs/app/2024/x")).isTrue();
    assertThat(glob.matches("/logs/db/")).isTrue();
    assertThat(glob.matches("/logs/web/x")).isFalse();
    assertThat(glob.matches("/data/x/y.csv")).isFalse();
  }

  @Test
  void comma_outsideBracesIsLiteral() {
    assertThat(Glob.compile("a,b").matches("a,b")).isTrue();
  }

  @Test
  void escape_makesMetacharactersLiteral() {
    Glob glob = Glob.compile("a\\*b\\{c\\}\\?\\\\");
    assertThat(glob.matches("a*b{c}?\\")).isTrue();
    assertThat(glob.matches("axb{c}?\\")).isFalse();
  }

  @Test
  void regexMetacharacters_areLiteral() {
    Glob glob = Glob.compile("a.b+c(d)|e[f]^$");
    assertThat(glob.matches("a.b+c(d)|e[f]^$")).isTrue();
    assertThat(glob.matches("aXb+c(d)|e[f]^$")).isFalse();
    assertThat(Glob.compile("x|y").matches("x")).isFalse();
    assertThat(Glob.compile("[ab]").matches("a")).isFalse();
  }

  @Test
  void matching_isExactCodePointComparison() {
    Glob glob = Glob.compile("/data/*");
    assertThat(glob.matches("/Data/x")).isFalse();
    assertThat(Glob.compile("/d\u0131r").matches("/dir")).isFalse(); // dotless i
    assertThat(Glob.compile("/caf\u00e9").matches("/cafe\u0301")).isFalse(); // no normalisation
    assertThat(Glob.compile("/DIR").matches("/dir")).isFalse();
  }

  @Test
  void matching_isWholeString() {
    Glob glob = Glob.compile("abc");
    assertThat(glob.matches("xabc")).isFalse();
    assertThat(glob.matches("abcx")).isFalse();
    assertThat(glob.matches("abc\n")).isFalse();
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
  void nestedBraces_atMaximumDepthCompile() {
    Glob glob = Glob.compile("{a,{b,{c,{d,e}}}}");
    assertThat(glob.matches("e")).isTrue();
    assertThat(glob.matches("f")).isFalse();
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
