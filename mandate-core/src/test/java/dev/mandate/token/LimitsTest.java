package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LimitsTest {

  @Test
  void with_changesOnlyThatLimit() {
    Limits l = Limits.DEFAULTS.with(Limits.Limit.MAX_BLOCKS, 4);

    assertThat(l.maxBlocks()).isEqualTo(4);
    assertThat(l.with(Limits.Limit.MAX_BLOCKS, Limits.DEFAULTS.maxBlocks()))
        .isEqualTo(Limits.DEFAULTS);
    assertThat(Limits.DEFAULTS.with(Limits.Limit.MAX_CONDITION_COST, 1L << 40).maxConditionCost())
        .isEqualTo(1L << 40);
  }

  @Test
  void with_refusesAValueOutOfRange_namingTheLimit() {
    assertThatThrownBy(() -> Limits.DEFAULTS.with(Limits.Limit.MAX_BLOCKS, 256))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBlocks must be between 1 and 255, got 256");
    // Checked before narrowing to int: a long that would wrap into range is still refused.
    assertThatThrownBy(() -> Limits.DEFAULTS.with(Limits.Limit.MAX_TOKEN_BYTES, (1L << 32) + 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxTokenBytes must be between 64 and 1048576");
  }

  @Test
  void constructor_refusesAValueOutOfRange() {
    assertThatThrownBy(() -> new Limits(16 * 1024, 0, 8, 64, 64, 1024, 10_000, 65_536, 32))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBlocks must be between 1 and 255, got 0");
  }
}
