package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Waits for approval changes: no wake-up is lost between reading the state and waiting (this
 * replica's changes, and other replicas' followed while anyone watches), and watchers are capped.
 * Continuations run on the completing thread and the periodic check is run by hand, so nothing
 * waits on time.
 */
class ApprovalChangesTest {
  /** Longer than any test runs: a wait that completes did so because of a change. */
  private static final Duration LONG = Duration.ofHours(1);

  /** Runs a wake's continuation on the thread that completed it, so tests need no waiting. */
  private static final Executor DIRECT = Runnable::run;

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final ManualScheduler manual = new ManualScheduler();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    manual.shutdownNow();
  }

  /** A scheduler that keeps the periodic check for the test to run by hand. */
  private static final class ManualScheduler extends ScheduledThreadPoolExecutor {
    private Runnable check;

    ManualScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable command, long initialDelay, long delay, TimeUnit unit) {
      check = command;
      return super.schedule(() -> {}, 1, TimeUnit.DAYS);
    }

    /** One check of the store's change count, as the authority makes every {@code CHECK}. */
    void check() {
      check.run();
    }
  }

  @Test
  void aChangeBetweenReadingTheVersionAndWaiting_wakesTheWaitAtOnce() {
    try (ApprovalChanges changes = new ApprovalChanges(() -> 0, scheduler)) {
      long since = changes.version();
      // ... the state is read here, and another request's answer lands before the wait starts:
      changes.changed();

      CompletableFuture<Void> wake = changes.next(LONG, since);

      assertThat(wake).isDone();
    }
  }

  @Test
  void aWaitFromTheCurrentVersion_waitsForTheNextChange() {
    try (ApprovalChanges changes = new ApprovalChanges(() -> 0, scheduler)) {
      changes.changed();
      CompletableFuture<Void> wake = changes.next(LONG, changes.version());
      assertThat(wake).isNotDone();

      changes.changed();

      assertThat(wake).isDone();
    }
  }

  @Test
  void anotherReplicasChange_betweenTwoWaitsOfAWatcher_wakesTheNextWaitAtOnce() {
    AtomicLong storeChanges = new AtomicLong(7);
    try (ApprovalChanges changes = new ApprovalChanges(storeChanges::get, manual)) {
      Runnable release = changes.watch();
      manual.check(); // the count the watcher starts from
      long since = changes.version();

      // Another replica answers a request while this watcher reads, not waiting.
      storeChanges.incrementAndGet();
      manual.check();

      assertThat(changes.version()).isNotEqualTo(since);
      assertThat(changes.next(LONG, since)).isDone();
      CompletableFuture<Void> nextWait = changes.next(LONG, changes.version());
      manual.check(); // no further change
      assertThat(nextWait).isNotDone();
      release.run();
    }
  }

  @Test
  void otherReplicasChanges_areFollowedOnlyWhileSomeoneWatches() {
    AtomicLong storeChanges = new AtomicLong();
    try (ApprovalChanges changes = new ApprovalChanges(storeChanges::get, manual)) {
      long before = changes.version();
      manual.check();
      storeChanges.incrementAndGet();
      manual.check();
      assertThat(changes.version()).isEqualTo(before);

      Runnable release = changes.watch();
      manual.check();
      storeChanges.incrementAndGet();
      manual.check();
      assertThat(changes.version()).isEqualTo(before + 1);
      release.run();
    }
  }

  @Test
  void awaitChange_aChangeAfterTheStateWasRead_isAnsweredAtOnce() {
    try (ApprovalChanges changes = new ApprovalChanges(() -> 0, scheduler)) {
      AtomicReference<String> state = new AtomicReference<>("pending");
      long since = changes.version();
      String seen = state.get();
      // The request is answered after the long-poll read it, before its wait starts.
      state.set("approved");
      changes.changed();

      CompletableFuture<String> answer = changes.awaitChange(state::get, seen, since, LONG, DIRECT);

      assertThat(answer).isCompletedWithValue("approved");
    }
  }

  @Test
  void awaitChange_aChangeJustAfterALaterRead_isAnsweredAtOnce() {
    try (ApprovalChanges changes = new ApprovalChanges(() -> 0, scheduler)) {
      AtomicReference<String> state = new AtomicReference<>("pending");
      AtomicInteger reads = new AtomicInteger();
      CompletableFuture<String> answer =
          changes.awaitChange(
              () -> {
                String read = state.get();
                if (reads.incrementAndGet() == 1) {
                  // Answered just after this read, before the wait that follows it starts.
                  state.set("approved");
                  changes.changed();
                }
                return read;
              },
              "pending",
              changes.version(),
              LONG,
              DIRECT);

      changes.changed(); // another request's change wakes the first wait

      assertThat(answer).isCompletedWithValue("approved");
      assertThat(reads).hasValue(2);
    }
  }

  @Test
  void awaitChange_readsAgainAfterEachChange_andAnswersOnlyWhenItsStateChanged() {
    try (ApprovalChanges changes = new ApprovalChanges(() -> 0, scheduler)) {
      AtomicReference<String> state = new AtomicReference<>("pending");
      AtomicInteger reads = new AtomicInteger();
      CompletableFuture<String> answer =
          changes.awaitChange(
              () -> {
                reads.incrementAndGet();
                return state.get();
              },
              "pending",
              changes.version(),
              LONG,
              DIRECT);

      changes.changed(); // another request's change: read again, keep waiting
      assertThat(reads).hasValue(1);
      assertThat(answer).isNotDone();

      state.set("denied");
      changes.changed();

      assertThat(reads).hasValue(2);
      assertThat(answer).isCompletedWithValue("denied");
    }
  }

  @Test
  void awaitChange_endsWithTheStateAsItStands_atShutdown() {
    ApprovalChanges changes = new ApprovalChanges(() -> 0, scheduler);
    CompletableFuture<String> waiting =
        changes.awaitChange(() -> "pending", "pending", changes.version(), LONG, DIRECT);
    assertThat(waiting).isNotDone();

    changes.close();

    assertThat(waiting).isCompletedWithValue("pending");
  }

  @Test
  void awaitChange_failsWithWhatTheReadThrows() {
    try (ApprovalChanges changes = new ApprovalChanges(() -> 0, scheduler)) {
      ApiException gone = ApiException.notFound("no such task");
      CompletableFuture<String> answer =
          changes.awaitChange(
              () -> {
                throw gone;
              },
              "pending",
              changes.version(),
              LONG,
              DIRECT);

      changes.changed();

      assertThat(answer).isCompletedExceptionally();
      assertThatThrownBy(answer::join).hasCause(gone);
    }
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
