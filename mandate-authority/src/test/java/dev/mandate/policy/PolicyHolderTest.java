package dev.mandate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyHolderTest {

  private static final String V1 =
      """
      version: 1
      clients:
        agent:
          grants: ["fs:read:/data/**"]
          maxTtl: 1h
          require: [holder, audience]
      """;
  private static final String V2 = V1.replace("maxTtl: 1h", "maxTtl: 5m");
  private static final String BROKEN = V1.replace("maxTtl: 1h", "maxTtl: 1h\n    maxTTL: 2h");

  @TempDir Path dir;
  private Path file;
  private MutableClock clock;

  @BeforeEach
  void setUp() throws Exception {
    file = dir.resolve("policy.yaml");
    Files.writeString(file, V1);
    clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  }

  private static Duration maxTtl(Policy p) {
    return p.client("agent").orElseThrow().maxTtl();
  }

  @Test
  void unchangedFile_isNotReloaded() {
    PolicyHolder holder = PolicyHolder.load(file, clock);
    Policy before = holder.current();

    PolicyHolder.Reload r = holder.reloadIfChanged();

    assertThat(r.outcome()).isEqualTo(PolicyHolder.Outcome.UNCHANGED);
    assertThat(holder.current()).isSameAs(before);
  }

  @Test
  void changedContent_isReloaded() throws Exception {
    PolicyHolder holder = PolicyHolder.load(file, clock);
    String oldDigest = holder.current().digest();
    Files.writeString(file, V2);
    clock.advance(Duration.ofSeconds(5));

    PolicyHolder.Reload r = holder.reloadIfChanged();

    assertThat(r.outcome()).isEqualTo(PolicyHolder.Outcome.RELOADED);
    assertThat(maxTtl(holder.current())).isEqualTo(Duration.ofMinutes(5));
    assertThat(r.policy()).isSameAs(holder.current());
    assertThat(r.previousDigest()).isEqualTo(oldDigest);
    assertThat(r.fileDigest()).isEqualTo(holder.current().digest()).isNotEqualTo(oldDigest);
    assertThat(r.checkedAt()).isEqualTo(Instant.parse("2025-01-01T00:00:05Z"));
    assertThat(holder.loadedAt()).isEqualTo(r.checkedAt());
    assertThat(r.message()).contains("loaded the changed policy file");
  }

  @Test
  void brokenFile_keepsTheOldPolicyAndSaysWhy() throws Exception {
    PolicyHolder holder = PolicyHolder.load(file, clock);
    Policy before = holder.current();
    Files.writeString(file, BROKEN);

    PolicyHolder.Reload r = holder.reloadIfChanged();

    assertThat(r.outcome()).isEqualTo(PolicyHolder.Outcome.REJECTED);
    assertThat(holder.current()).isSameAs(before);
    assertThat(r.policy()).isSameAs(before);
    assertThat(r.message())
        .contains("keeping the policy loaded at 2025-01-01T00:00:00Z")
        .contains(file + ":6: clients.agent.maxTTL: unknown key 'maxTTL'");
    assertThat(
            holder
                .current()
                .evaluate(
                    MintRequests.basic(
                        "agent", List.of("fs:read:/data/x"), Duration.ofMinutes(30), true, "gw"))
                .allowed())
        .isTrue();
  }

  @Test
  void sameBrokenContent_isReportedOnce_thenAFixIsLoaded() throws Exception {
    PolicyHolder holder = PolicyHolder.load(file, clock);
    Files.writeString(file, BROKEN);
    assertThat(holder.reloadIfChanged().outcome()).isEqualTo(PolicyHolder.Outcome.REJECTED);

    PolicyHolder.Reload again = holder.reloadIfChanged();
    assertThat(again.outcome()).isEqualTo(PolicyHolder.Outcome.UNCHANGED);
    assertThat(again.message()).contains("still the invalid version");

    Files.writeString(file, V2);
    assertThat(holder.reloadIfChanged().outcome()).isEqualTo(PolicyHolder.Outcome.RELOADED);
    assertThat(maxTtl(holder.current())).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void revertingToTheLoadedContentAfterABrokenEdit_isUnchanged() throws Exception {
    PolicyHolder holder = PolicyHolder.load(file, clock);
    Files.writeString(file, BROKEN);
    holder.reloadIfChanged();
    Files.writeString(file, V1);

    PolicyHolder.Reload r = holder.reloadIfChanged();

    assertThat(r.outcome()).isEqualTo(PolicyHolder.Outcome.RELOADED);
    assertThat(maxTtl(holder.current())).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void deletedFile_keepsTheOldPolicy() throws Exception {
    PolicyHolder holder = PolicyHolder.load(file, clock);
    Policy before = holder.current();
    Files.delete(file);

    PolicyHolder.Reload r = holder.reloadIfChanged();

    assertThat(r.outcome()).isEqualTo(PolicyHolder.Outcome.REJECTED);
    assertThat(r.message()).contains("could not be read");
    assertThat(holder.current()).isSameAs(before);
    assertThat(holder.reloadIfChanged().outcome()).isEqualTo(PolicyHolder.Outcome.UNCHANGED);
  }

  @Test
  void invalidInitialFile_refusesToStart() throws Exception {
    Files.writeString(file, BROKEN);

    assertThatThrownBy(() -> PolicyHolder.load(file, clock))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("unknown key 'maxTTL'");
  }

  private static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
