package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.authority.store.AuditEvent;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live decision stream over a real (SQLite) audit trail. */
class DecisionStreamTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Instant AT = Instant.parse("2025-06-01T12:00:00Z");
  private static final AtomicInteger BATCHES = new AtomicInteger();

  @TempDir Path tmp;
  private AuthorityStore store;
  private DecisionStream stream;

  @BeforeEach
  void open() {
    store = AuthorityStore.open("jdbc:sqlite:" + tmp.resolve("mandate.db"));
    // A poll far in the future: only appended() moves the tail, as ingest does.
    stream = new DecisionStream(store, Duration.ofHours(1), 3, 8);
  }

  @AfterEach
  void close() {
    stream.close();
    store.close();
  }

  @Test
  void subscriber_getsMatchingDecisions_inSequenceOrder() {
    DecisionStream.Subscription denials =
        stream.subscribe(DecisionFilter.of("agent", null, "fs", "deny"), -1);
    DecisionStream.Subscription all = stream.subscribe(DecisionFilter.ALL, -1);
    ingest(
        decision("agent", "fs", "deny", "/a"),
        decision("agent", "fs", "allow", "/b"),
        decision("other", "fs", "deny", "/c"),
        decision("agent", "mail", "deny", "/d"),
        new AuditEvent("mint", "agent", "t", "agent", AT, "{}"),
        decision("agent", "fs", "deny", "/e"));

    List<LiveDecision> seen = awaitTaken(all, 5);
    assertThat(seen)
        .extracting(LiveDecision::resource)
        .containsExactly("/a", "/b", "/c", "/d", "/e");
    assertThat(seen).extracting(LiveDecision::sequence).isSorted();
    List<LiveDecision> denied = awaitTaken(denials, 2);
    assertThat(denied).extracting(LiveDecision::resource).containsExactly("/a", "/e");
    assertThat(denied.get(0).allowed()).isFalse();
    assertThat(denied.get(0).clientId()).isEqualTo("agent");
    assertThat(denied.get(0).reason()).isEqualTo("because /a");
  }

  @Test
  void slowSubscriber_isDropped_andTheOthersKeepReceiving() {
    DecisionStream.Subscription slow = stream.subscribe(DecisionFilter.ALL, -1);
    DecisionStream.Subscription reader = stream.subscribe(DecisionFilter.ALL, -1);
    List<LiveDecision> read = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ingest(decision("agent", "fs", "allow", "/" + i));
      // The reader keeps up (its queue holds 8); the slow one never reads.
      read.addAll(awaitTaken(reader, 1));
    }
    assertThat(read)
        .extracting(LiveDecision::resource)
        .containsExactly("/0", "/1", "/2", "/3", "/4", "/5", "/6", "/7", "/8", "/9", "/10", "/11");
    assertThat(slow.dropped()).isTrue();
    assertThat(slow.ready()).isCompleted();
    assertThat(reader.dropped()).isFalse();
    assertThat(stream.dropped()).isEqualTo(1);
    assertThat(stream.subscribers()).isEqualTo(1);
    // What was queued before the drop is still there to read, oldest first.
    assertThat(slow.take(20))
        .extracting(LiveDecision::resource)
        .containsExactly("/0", "/1", "/2", "/3", "/4", "/5", "/6", "/7");
  }

  @Test
  void subscribers_areCapped_andAClosedOneMakesRoom() {
    List<DecisionStream.Subscription> open = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      open.add(stream.subscribe(DecisionFilter.ALL, -1));
    }
    assertThatThrownBy(() -> stream.subscribe(DecisionFilter.ALL, -1))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503))
        .hasMessageContaining("at most 3");
    open.get(0).close();
    assertThat(stream.subscribe(DecisionFilter.ALL, -1)).isNotNull();
  }

  @Test
  void resubscribing_afterASequence_replaysWhatWasMissed_inOrder() {
    ingest(decision("agent", "fs", "allow", "/seen"));
    long seen = stream.recent(DecisionFilter.ALL, 10).position();
    DecisionStream.Subscription keepsTailMoving = stream.subscribe(DecisionFilter.ALL, -1);
    ingest(decision("agent", "fs", "allow", "/missed-1"), decision("agent", "fs", "deny", "/x"));
    ingest(decision("agent", "fs", "allow", "/missed-2"));
    awaitTaken(keepsTailMoving, 3);

    DecisionStream.Subscription back =
        stream.subscribe(DecisionFilter.of(null, null, null, "allow"), seen);
    ingest(decision("agent", "fs", "allow", "/live"));
    assertThat(awaitTaken(back, 3))
        .extracting(LiveDecision::resource)
        .containsExactly("/missed-1", "/missed-2", "/live");
    assertThat(back.reset()).isFalse();
  }

  @Test
  void resubscribing_tooFarBehind_isToldToStartOver() {
    DecisionStream.Subscription keepsTailMoving = stream.subscribe(DecisionFilter.ALL, -1);
    List<AuditEvent> many = new ArrayList<>();
    for (int i = 0; i < DecisionStream.REPLAY_MAX + 1; i++) {
      many.add(new AuditEvent("mint", "agent", "t" + i, "agent", AT, "{}"));
    }
    store.appendBatch("b-many", many);
    ingest(decision("agent", "fs", "allow", "/after"));
    awaitTaken(keepsTailMoving, 1);

    DecisionStream.Subscription back = stream.subscribe(DecisionFilter.ALL, 0);
    assertThat(back.reset()).isTrue();
    assertThat(back.take(10)).isEmpty();
  }

  @Test
  void recent_isNewestFirst_filtered_andItsPositionCoversWhatItShowed() {
    ingest(
        decision("agent", "fs", "allow", "/1"),
        decision("agent", "mail", "deny", "/2"),
        decision("other", "fs", "deny", "/3"),
        decision("agent", "fs", "deny", "/4"));
    DecisionStream.Recent recent = stream.recent(DecisionFilter.of(null, null, "fs", null), 2);
    assertThat(recent.decisions()).extracting(LiveDecision::resource).containsExactly("/4", "/3");
    assertThat(recent.position()).isGreaterThanOrEqualTo(recent.decisions().get(0).sequence());
    assertThat(stream.recent(DecisionFilter.of("agent", null, null, "deny"), 10).decisions())
        .extracting(LiveDecision::resource)
        .containsExactly("/4", "/2");
  }

  @Test
  void filter_refusesWhatCannotMatch() {
    assertThatThrownBy(() -> DecisionFilter.of(null, null, null, "maybe"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("allow or deny");
    assertThatThrownBy(() -> DecisionFilter.of(null, "<script>", null, null))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("hex");
  }

  private void ingest(AuditEvent... events) {
    store.appendBatch("b" + BATCHES.incrementAndGet(), List.of(events));
    stream.appended();
  }

  private static AuditEvent decision(String client, String service, String decision, String path) {
    String detail =
        Json.write(
            java.util.Map.of(
                "decision",
                decision,
                "code",
                decision.equals("allow") ? "ALLOW" : "GRANT",
                "reason",
                "because " + path,
                "service",
                service,
                "action",
                "read_text_file",
                "resource",
                path));
    return new AuditEvent(
        "decision", "gateway-1", "0123456789abcdef0123456789abcdef", client, AT, detail);
  }

  private static List<LiveDecision> awaitTaken(DecisionStream.Subscription s, int count) {
    List<LiveDecision> out = new ArrayList<>();
    Await.until(
        WAIT,
        () -> {
          out.addAll(s.take(count - out.size()));
          return out.size() == count;
        });
    return out;
  }
}
