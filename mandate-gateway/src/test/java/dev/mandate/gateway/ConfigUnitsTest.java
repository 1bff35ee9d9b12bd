package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfigUnitsTest {
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
