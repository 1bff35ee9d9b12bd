package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UriTemplatesTest {
  @ParameterizedTest(name = "{0} with {1}={2} -> {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "test://static/resource/{id} | id | 7 | test://static/resource/7",
        "test://static/resource/{id} | id | a/../b | test://static/resource/a%2F..%2Fb",
        "file:///{+path} | path | data/x | file:///data/x",
        "file:///{+path} | path | ../etc | file:///../etc",
        "file:///root{/path} | path | x | file:///root/x",
        "s://h/{a}/{b} | b | 2 | s://h/{a}/2",
        "s://h/{a,b} | b | 2 | s://h/2",
        "s://h/x{?q,r} | q | v w | s://h/x?q=v%20w",
        "s://h/{id:3} | id | 123 | s://h/123",
        "s://h/{other} | id | 1 | s://h/{other}",
        "s://h/{unclosed | id | 1 | s://h/{unclosed",
      })
  void expandOne_setsOneVariable_andLeavesOtherExpressions(
      String template, String variable, String value, String expected) {
    assertThat(UriTemplates.expandOne(template, variable, value)).isEqualTo(expected);
  }
}
