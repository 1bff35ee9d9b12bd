package dev.mandate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({
    "500ms, 500",
    "30s, 30000",
    "15m, 900000",
    "2h, 7200000",
    "7d, 604800000",
    "1h30m, 5400000",
    "1d12h, 129600000",
    "1m30s500ms, 90500",
    "0s, 0",
    "0ms, 0",
    "05m, 300000",
    "'  30s ', 30000",
    "999999999ms, 999999999",
    "999999999d999999999h999999999m999999999s999999999ms, 90061000909938999"
  })
  void parse_readsEveryUnitAndCombinations(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "30         | has no unit",
        "''         | it is empty",
        "'   '      | it is empty",
        "-5s        | has no sign",
        "+5s        | has no sign",
        "1.5s       | no fractions",
        "1,5s       | no fractions",
        "30 s       | no spaces inside",
        "1h 30m     | no spaces inside",
        "5 minutes  | no spaces inside",
        "5minutes   | expected a whole number at 'inutes'",
        "1H         | 'H' does not start with a unit",
        "1w         | 'w' does not start with a unit",
        "30m1h      | units go largest first, and h comes after m",
        "1h1h       | the unit h appears twice",
        "1s500      | the number 500 has no unit",
        "h          | expected a whole number at 'h'",
        "1e3ms      | 'e3ms' does not start with a unit",
        "PT30S      | expected a whole number at 'PT30S'",
        "9999999999s | at most 9 digits",
        "0000000001s | at most 9 digits",
        "1ｓ        | does not start with a unit",
        "١s         | expected a whole number",
      })
  void parse_refusesWhatIsNotInTheGrammar_sayingWhy(String text, String why) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why)
        .hasMessageContaining("units (d, h, m, s, ms)");
  }

  @Test
  void parse_refusesNull_withTheAcceptedForms() {
    assertThatThrownBy(() -> Durations.parse(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a duration is required")
        .hasMessageContaining("1h30m");
  }

  @Test
  void parse_escapesControlCharactersAndCutsLongText_inTheMessage() {
    assertThatThrownBy(() -> Durations.parse("1\u001b[31mh"))
        .hasMessageContaining("\\u001b")
        .hasMessageNotContaining("\u001b");
    String longText = "x".repeat(10_000);
    assertThatThrownBy(() -> Durations.parse(longText))
        .message()
        .satisfies(m -> assertThat(m.length()).isLessThan(300));
  }

  @Test
  void parseInRange_acceptsTheBounds_andNamesThemWhenRefusing() {
    Duration min = Duration.ofSeconds(1);
    Duration max = Duration.ofDays(366);
    assertThat(Durations.parse("1s", min, max)).isEqualTo(min);
    assertThat(Durations.parse("366d", min, max)).isEqualTo(max);
    assertThatThrownBy(() -> Durations.parse("999ms", min, max))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'999ms' is out of range: a duration here is 1s to 366d");
    assertThatThrownBy(() -> Durations.parse("366d1ms", min, max))
        .hasMessageContaining("1s to 366d");
    assertThatThrownBy(() -> Durations.parse("2h", Duration.ZERO, Duration.ofHours(1)))
        .hasMessage("'2h' is out of range: a duration here is at most 1h");
    assertThatThrownBy(() -> Durations.parse("soon", min, max))
        .hasMessageContaining("not a duration");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0s",
        "1ms",
        "500ms",
        "1s",
        "59s",
        "1m",
        "1h30m",
        "1d",
        "7d",
        "1d1h1m1s1ms",
        "366d"
      })
  void format_isTheCanonicalFormParseReads(String canonical) {
    Duration d = Durations.parse(canonical);
    assertThat(Durations.format(d)).isEqualTo(canonical);
    assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
  }

  @Test
  void format_combinesUnits_andMarksNegativeDurations() {
    assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1s500ms");
    assertThat(Durations.format(Duration.ofSeconds(-5))).isEqualTo("-5s");
    assertThat(Durations.format(Duration.ofNanos(1))).isEqualTo("0s");
  }

  @Test
  void requireWithin_passesAValueInRange_andNamesSettingRangeAndValueOtherwise() {
    Duration min = Duration.ofSeconds(1);
    Duration max = Duration.ofMinutes(10);
    assertThat(Durations.requireWithin("proofWindow", Duration.ofSeconds(60), min, max))
        .isEqualTo(Duration.ofSeconds(60));
    assertThat(Durations.requireWithin("proofWindow", max, min, max)).isEqualTo(max);
    assertThatThrownBy(
            () -> Durations.requireWithin("proofWindow", Duration.ofMinutes(11), min, max))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("proofWindow must be 1s..10m, got 11m");
    assertThatThrownBy(() -> Durations.requireWithin("proofWindow", null, min, max))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("proofWindow must be 1s..10m, got none");
  }
}
