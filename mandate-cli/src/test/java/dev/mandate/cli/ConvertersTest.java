package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class ConvertersTest {
  private final Converters.DurationConverter ttl = new Converters.DurationConverter();
  private final Converters.IntervalConverter interval = new Converters.IntervalConverter();

  @Test
  void ttl_readsTheSharedGrammar_fromOneSecondTo3650Days() {
    assertThat(ttl.convert("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(ttl.convert("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(ttl.convert("3650d")).isEqualTo(Duration.ofDays(3650));
    assertThatThrownBy(() -> ttl.convert("500ms"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'500ms' is out of range: a duration here is 1s to 3650d");
    assertThatThrownBy(() -> ttl.convert("3650d1s")).isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> ttl.convert("15 minutes"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("no spaces inside a duration");
  }

  @Test
  void interval_takesMilliseconds_from100msToOneDay() {
    assertThat(interval.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(interval.convert("1d")).isEqualTo(Duration.ofDays(1));
    assertThatThrownBy(() -> interval.convert("10ms"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("100ms to 1d");
  }
}
