package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MethodAllowlistTest {
  private final MethodAllowlist list = MethodAllowlist.standardAnd(Set.of("x/stats"));

  @ParameterizedTest(name = "{0} (notification {1}) -> {2}")
  @CsvSource({
    "tools/call, false, true",
    "tasks/result, false, true",
    "completion/complete, false, true",
    "notifications/initialized, true, true",
    "notifications/roots/list_changed, true, true",
    "x/stats, false, true",
    "x/stats, true, true",
    "x/debug/eval, false, false",
    "sampling/createMessage, false, false",
    "roots/list, false, false",
    "tools/call, true, false",
    "notifications/initialized, false, false",
    "Tools/Call, false, false",
    "'', false, false",
  })
  void allows_theStandardMethodsAndTheConfiguredOnes_only(
      String method, boolean notification, boolean allowed) {
    assertThat(list.allows(method, notification)).isEqualTo(allowed);
  }
}
