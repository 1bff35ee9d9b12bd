package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ApprovalChangesTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void watchers_areCapped_andASlotIsFreedOnceHoweverOftenItIsReleased() {
    try (ApprovalChanges changes = new ApprovalChanges(() -> 0, scheduler, 2)) {
      Runnable first = changes.watch();
      Runnable second = changes.watch();

      assertThatThrownBy(changes::watch)
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.code()).isEqualTo("too_many_watchers");
              });
      assertThat(changes.watching()).isEqualTo(2);

      first.run();
      first.run();
      assertThat(changes.watching()).isEqualTo(1);
      Runnable third = changes.watch();
      assertThat(changes.watching()).isEqualTo(2);
      assertThatThrownBy(changes::watch).isInstanceOf(ApiException.class);

      second.run();
      third.run();
      assertThat(changes.watching()).isZero();
    }
  }

  @Test
  void aCapBelowOne_isRefused() {
    assertThatThrownBy(() -> new ApprovalChanges(() -> 0, scheduler, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
