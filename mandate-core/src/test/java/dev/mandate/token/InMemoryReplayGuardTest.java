package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class InMemoryReplayGuardTest {
  private final AtomicReference<Instant> now = new AtomicReference<>(Fixtures.NOW);
  private final Clock clock =
      new Clock() {
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
          return now.get();
        }
      };

  @Test
  void aProofIsAcceptedOnce_andForgottenOnlyOnceStale() {
    InMemoryReplayGuard guard = new InMemoryReplayGuard(100, clock, InMemoryReplayGuard.CALLER);
    Instant stale = Fixtures.NOW.plus(Duration.ofMinutes(5));

    assertThat(guard.firstUse("a", stale)).isTrue();
    assertThat(guard.firstUse("a", stale)).isFalse();
    assertThat(guard.firstUse("b", stale)).isTrue();
    now.set(stale.minusSeconds(1));
    assertThat(guard.firstUse("a", stale)).isFalse();
    now.set(stale.plus(Duration.ofMinutes(2)));
    guard.firstUse("c", stale.plusSeconds(600));
    assertThat(guard.remembered()).isEqualTo(1);
  }

  @Test
  void theCachesUpkeep_runsOnTheWritingThread() {
    Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
    Executor recording =
        task -> {
          ranOn.add(Thread.currentThread());
          task.run();
        };
    InMemoryReplayGuard guard = new InMemoryReplayGuard(10, clock, recording);

    for (int i = 0; i < 100; i++) {
      assertThat(guard.firstUse("proof-" + i, Fixtures.NOW.plusSeconds(60))).isTrue();
    }

    assertThat(ranOn).containsExactly(Thread.currentThread());
    // The bound holds as each write returns: its upkeep was not left to another thread.
    assertThat(guard.remembered()).isLessThanOrEqualTo(10);
  }

  @Test
  void theGuardAVerifierAndAGatewayUse_keepsItsBoundOnTheWritingThread() {
    ReplayGuard guard = ReplayGuard.inMemory(10, clock);

    for (int i = 0; i < 1000; i++) {
      guard.firstUse("proof-" + i, Fixtures.NOW.plusSeconds(60));
      assertThat(((InMemoryReplayGuard) guard).remembered()).isLessThanOrEqualTo(10);
    }
  }
}
