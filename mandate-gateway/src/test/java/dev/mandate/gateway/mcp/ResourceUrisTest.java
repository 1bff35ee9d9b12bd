package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResourceUrisTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "file:///data/a.txt | file:///data/a.txt",
        "FILE:///data/a.txt | file:///data/a.txt",
        "file:///data/./a.txt | file:///data/a.txt",
        "file:///data/x/../a.txt | file:///data/a.txt",
        "file:///data//a.txt | file:///data/a.txt",
        "file:///data/ | file:///data/",
        "file:///data/sub/.. | file:///data",
        "test://static/resource/%31 | test://static/resource/1",
        "test://static/resource/%7e%41 | test://static/resource/~A",
        "test://static/resource/a%3fb | test://static/resource/a%3Fb",
        "https://Example.com:8443/a/../b?q=../x#f | https://Example.com:8443/b?q=../x#f",
        "https://example.com | https://example.com",
        "urn:isbn:0451450523 | urn:isbn:0451450523",
        "mem:notes/./today | mem:notes/today",
        "file:///caf\u00e9 | file:///caf\u00e9",
      })
  void normalise_givesTheOneFormGrantsAreMatchedAgainst(String uri, String expected) {
    ResourceUris.Normalised n = ResourceUris.normalise(uri);

    assertThat(n.problem()).isNull();
    assertThat(n.value()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "file:///data/../../etc/passwd | climbs",
        "file:///data/%2e%2e/x | encoded dot",
        "file:///data/%2E/x | encoded dot",
        "file:///data/a%2fb | encoded separator",
        "file:///data/a%5Cb | encoded separator",
        "file:///data/a%252fb | encoded percent",
        "file:///data/a%00 | encoded NUL",
        "file:///data/a%c0%ae | overlong",
        "file:///data/a%0a | encoded control",
        "file:///data/a%zz | malformed",
        "file:///data/a% | malformed",
        "file:///data/%u002e | malformed",
        "file:///data/a\\b | backslash",
        "file:///data/a b | space",
        "file:///data/\uFF0E\uFF0E/etc | compatibility",
        "file:///data\uFF0Fetc | compatibility",
        "file:///data/\u2024\u2024/etc | compatibility",
        "file:///data/e\u0301 | NFC",
        "file:///data/a\u200Bb | invisible",
        "file:///data/a\u202Eb | invisible",
        "/data/a.txt | scheme",
        "1file:///x | scheme",
        "mem:../secret | climbs",
        "'' | empty",
      })
  void normalise_refusesWhatCouldNameAnotherResourceAfterDecoding(String uri, String problem) {
    ResourceUris.Normalised n = ResourceUris.normalise(uri);

    assertThat(n.value()).isNull();
    String word =
        switch (problem) {
          case "climbs" -> "escapes the root";
          case "encoded dot" -> "encoded dot";
          case "encoded separator" -> "encoded separator";
          case "encoded percent" -> "encoded percent sign";
          case "encoded NUL" -> "encoded NUL";
          case "overlong" -> "overlong UTF-8";
          case "encoded control" -> "encoded control character";
          case "malformed" -> "malformed percent-escape";
          case "backslash" -> "backslash";
          case "space" -> "space or control character";
          case "compatibility", "NFC" -> "Unicode NFC";
          case "invisible" -> "invisible or bidirectional-control";
          case "scheme" -> "no scheme";
          case "empty" -> "is empty";
          default -> throw new AssertionError(problem);
        };
    assertThat(n.problem()).contains(word);
  }

  @org.junit.jupiter.api.Test
  void normalise_refusesOverlongUris() {
    assertThat(ResourceUris.normalise("file:///" + "a".repeat(ResourceUris.MAX_LENGTH)).problem())
        .contains("longer than");
  }
}
