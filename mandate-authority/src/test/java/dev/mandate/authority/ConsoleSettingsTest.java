package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConsoleSettingsTest {

  @Test
  void sessions_setBothTimeouts() {
    ConsoleSettings s =
        ConsoleSettings.builder().sessions(Duration.ofMinutes(10), Duration.ofHours(2)).build();

    assertThat(s.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.absoluteTimeout()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void sessions_refuseAnIdleTimeoutLongerThanTheAbsoluteOne_andKeepTheDefaults() {
    ConsoleSettings.Builder b = ConsoleSettings.builder();

    assertThatThrownBy(() -> b.sessions(Duration.ofHours(3), Duration.ofHours(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idleTimeout")
        .hasMessageContaining("absoluteTimeout");
    assertThat(b.build().idleTimeout()).isEqualTo(ConsoleSettings.defaults().idleTimeout());
  }

  @Test
  void sessions_refuseTimeoutsOutOfRange() {
    assertThatThrownBy(
            () -> ConsoleSettings.builder().sessions(Duration.ofSeconds(30), Duration.ofHours(1)))
        .hasMessageContaining("idleTimeout");
    assertThatThrownBy(
            () -> ConsoleSettings.builder().sessions(Duration.ofMinutes(1), Duration.ofDays(8)))
        .hasMessageContaining("absoluteTimeout");
  }
}
