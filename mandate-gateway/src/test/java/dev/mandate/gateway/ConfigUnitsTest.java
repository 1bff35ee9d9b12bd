package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigUnitsTest {
  @Test
  void durations_needAWholeNumberAndAUnit() {
    assertThat(ConfigUnits.duration("500ms")).contains(Duration.ofMillis(500));
    assertThat(ConfigUnits.duration(" 30 s ")).contains(Duration.ofSeconds(30));
    assertThat(ConfigUnits.duration("5m")).contains(Duration.ofMinutes(5));
    assertThat(ConfigUnits.duration("1h")).contains(Duration.ofHours(1));
    assertThat(ConfigUnits.duration("30")).isEmpty();
    assertThat(ConfigUnits.duration("1.5s")).isEmpty();
    assertThat(ConfigUnits.duration(null)).isEmpty();
  }

  @Test
  void sizes_takeBinaryAndDecimalUnits_andRefuseWhatOverflows() {
    assertThat(ConfigUnits.bytes("1048576")).hasValue(1_048_576);
    assertThat(ConfigUnits.bytes("64 KiB")).hasValue(65_536);
    assertThat(ConfigUnits.bytes("1mib")).hasValue(1_048_576);
    assertThat(ConfigUnits.bytes("2GB")).hasValue(2_000_000_000L);
    assertThat(ConfigUnits.bytes("999999999999GiB")).isEmpty();
    assertThat(ConfigUnits.bytes("1 TB")).isEmpty();
    assertThat(ConfigUnits.bytes(null)).isEmpty();
  }
}
