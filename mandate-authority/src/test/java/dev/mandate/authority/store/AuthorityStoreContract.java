package dev.mandate.authority.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.mandate.authority.store.FeedEntry.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.TestAbortedException;

/**
 * The repository test suite, run against every database by a subclass per database. A subclass
 * supplies a fresh, empty database for the test class and a raw connection to it (to tamper behind
 * the store's back). The schema is migrated once per class and emptied before every test, which
 * keeps the suite fast without sharing state between tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AuthorityStoreContract {
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  private static final String[] RESET = {
    "DROP TABLE IF EXISTS audit_backup",
    "DELETE FROM oauth_refresh_tokens",
    "DELETE FROM oauth_authorizations",
    "DELETE FROM oauth_clients",
    "DELETE FROM token_revocation_ids",
    "DELETE FROM tokens",
    "DELETE FROM clients",
    "DELETE FROM root_keys",
    "DELETE FROM feed",
    "DELETE FROM audit_log",
    "DELETE FROM audit_batches",
    "UPDATE feed_head SET seq = 0",
    "UPDATE audit_head SET seq = 0, hash = '" + "0".repeat(64) + "'",
  };

  private final List<AuthorityStore> replicas = new ArrayList<>();
  private String url;
  private TestAbortedException databaseUnavailable;
  private AuthorityStore primary;
  AuthorityStore store;

  /** Returns the JDBC URL of a fresh, empty database for this test class. */
  abstract String freshDatabaseUrl() throws Exception;

  /** A raw JDBC connection to the database of {@link #freshDatabaseUrl()}. */
  abstract Connection rawConnection() throws SQLException;

  /** Releases the test database (called after every store is closed). */
  abstract void dropDatabase() throws Exception;

  @BeforeAll
  void createDatabase() throws Exception {
    try {
      url = freshDatabaseUrl();
    } catch (TestAbortedException e) {
      // Re-raised per test so that every test is reported as skipped, not just the class.
      databaseUnavailable = e;
    }
  }

  @BeforeEach
  void emptyDatabase() throws SQLException {
    if (databaseUnavailable != null) {
      throw databaseUnavailable;
    }
    if (primary == null) {
      primary = AuthorityStore.open(url);
    }
    store = primary;
    try (Connection c = rawConnection();
        Statement s = c.createStatement()) {
      for (String sql : RESET) {
        s.executeUpdate(sql);
      }
    }
  }

  @AfterEach
  void closeReplicas() {
    replicas.forEach(AuthorityStore::close);
    replicas.clear();
  }

  @AfterAll
  void closeAndDrop() throws Exception {
    if (primary != null) {
      primary.close();
    }
    dropDatabase();
  }

  /** Opens another store on the same database: a second authority replica. */
  AuthorityStore open() {
    AuthorityStore s = AuthorityStore.open(url);
    replicas.add(s);
    return s;
  }

  /** Closes the primary store; the next test opens a new one. */
  void closePrimary() {
    primary.close();
    primary = null;
  }

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  static RootKeyRecord key(String id, KeyState state, long createdSeconds) {
    return new RootKeyRecord(
        id, "pub-" + id, new byte[] {1, 2, 3, (byte) id.length()}, state, at(createdSeconds), null);
  }

  static ClientRecord client(String id) {
    return new ClientRecord(id, "pbkdf2$1000$salt$" + id, false, T0);
  }

  static TokenRecord token(String id, String clientId, String indirectId, long issuedSeconds) {
    return new TokenRecord(
        id,
        clientId,
        List.of("rev-" + id + "-0", "rev-" + id + "-1"),
        at(issuedSeconds),
        at(issuedSeconds + 3600),
        indirectId);
  }

  static AuditEvent event(String type, String tokenId, String clientId, long seconds) {
    return new AuditEvent(
        type, "actor-" + clientId, tokenId, clientId, at(seconds), "{\"n\":" + seconds + "}");
  }

  // ------------------------------------------------------------------ keys

  @Test
  void keys_activateMakesSingleActive_previousBecomesVerifyOnly() {
    store.insertKey(key("k1", KeyState.ACTIVE, 0));
    store.insertKey(key("k2", KeyState.VERIFY_ONLY, 10));

    store.activateKey("k2", at(20));

    assertThat(store.keys())
        .extracting(RootKeyRecord::keyId, RootKeyRecord::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("k1", KeyState.VERIFY_ONLY),
            org.assertj.core.groups.Tuple.tuple("k2", KeyState.ACTIVE));
    RootKeyRecord k1 = store.keys().get(0);
    assertThat(k1.sealedPrivateKey()).containsExactly(1, 2, 3, 2);
    assertThat(k1.publicKey()).isEqualTo("pub-k1");
    assertThat(k1.createdAt()).isEqualTo(T0);
    assertThat(k1.toString()).doesNotContain("[1, 2, 3").contains("redacted");
  }

  @Test
  void keys_secondActiveInsertIsRefused() {
    store.insertKey(key("k1", KeyState.ACTIVE, 0));
    assertThatThrownBy(() -> store.insertKey(key("k2", KeyState.ACTIVE, 1)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("another key is active");
    assertThatThrownBy(() -> store.insertKey(key("k1", KeyState.VERIFY_ONLY, 1)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("already exists");
    assertThat(store.keys()).hasSize(1);
  }

  @Test
  void keys_retireRefusesActiveKey_andRetiredKeyCannotBeActivated() {
    store.insertKey(key("k1", KeyState.ACTIVE, 0));
    store.insertKey(key("k2", KeyState.VERIFY_ONLY, 10));

    assertThatThrownBy(() -> store.retireKey("k1", at(30)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("active signing key");
    assertThatThrownBy(() -> store.retireKey("nope", at(30)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("no root key with id nope");

    store.retireKey("k2", at(30));
    store.retireKey("k2", at(40)); // idempotent: keeps the first retirement time
    RootKeyRecord k2 = store.keys().get(1);
    assertThat(k2.state()).isEqualTo(KeyState.RETIRED);
    assertThat(k2.retiredAt()).isEqualTo(at(30));

    assertThatThrownBy(() -> store.activateKey("k2", at(50)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("retired");
    assertThat(store.keys().get(0).state()).isEqualTo(KeyState.ACTIVE);
  }

  @Test
  void keys_activatingTheActiveKeyChangesNothing() {
    store.insertKey(key("k1", KeyState.ACTIVE, 0));
    store.activateKey("k1", at(5));
    assertThat(store.keys())
        .singleElement()
        .extracting(RootKeyRecord::state)
        .isEqualTo(KeyState.ACTIVE);
  }

  @Test
  void keys_concurrentRotationsOnTwoReplicas_leaveExactlyOneActiveKey() throws Exception {
    store.insertKey(key("k0", KeyState.ACTIVE, 0));
    for (int i = 1; i <= 4; i++) {
      store.insertKey(key("k" + i, KeyState.VERIFY_ONLY, i));
    }
    AuthorityStore replica = open();
    List<Callable<Void>> jobs = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      AuthorityStore s = t % 2 == 0 ? store : replica;
      int thread = t;
      jobs.add(
          () -> {
            for (int i = 0; i < 10; i++) {
              s.activateKey("k" + ((thread + i) % 5), at(100 + i));
            }
            return null;
          });
    }
    runAll(jobs);

    assertThat(replica.keys()).filteredOn(k -> k.state() == KeyState.ACTIVE).hasSize(1);
    assertThat(replica.keys()).filteredOn(k -> k.state() == KeyState.VERIFY_ONLY).hasSize(4);
  }

  // ------------------------------------------------------------------ clients

  @Test
  void clients_upsertReplacesHashAndAdminButKeepsCreationTime() {
    assertThat(store.client("c1")).isEmpty();
    store.upsertClient(client("c1"));
    store.upsertClient(new ClientRecord("c1", "scrypt$new", true, at(99)));

    ClientRecord c1 = store.client("c1").orElseThrow();
    assertThat(c1.secretHash()).isEqualTo("scrypt$new");
    assertThat(c1.admin()).isTrue();
    assertThat(c1.createdAt()).isEqualTo(T0);
    assertThat(c1.toString()).doesNotContain("scrypt$new");
  }

  @Test
  void clients_areListedById_andDisablingKeepsTheFirstTime_untilAnUpsertEnablesAgain() {
    store.upsertClient(client("zeta"));
    store.upsertClient(client("alpha"));
    assertThat(store.disableClient("nobody", at(5))).isEmpty();

    ClientRecord disabled = store.disableClient("zeta", at(5)).orElseThrow();
    ClientRecord again = store.disableClient("zeta", at(9)).orElseThrow();

    assertThat(disabled.disabledAt()).isEqualTo(at(5));
    assertThat(again.disabledAt()).as("the first disable time is kept").isEqualTo(at(5));
    assertThat(store.clients())
        .extracting(ClientRecord::clientId, ClientRecord::disabled)
        .containsExactly(tuple("alpha", false), tuple("zeta", true));
    assertThat(open().client("zeta").orElseThrow().disabled()).isTrue();

    store.upsertClient(new ClientRecord("zeta", "scrypt$reset", false, at(99)));
    assertThat(store.client("zeta").orElseThrow().disabled()).isFalse();
  }

  // ------------------------------------------------------------------ tokens

  @Test
  void tokens_recordedWithRevocationIdsInOrder_andFoundByIndirectId() {
    store.upsertClient(client("c1"));
    store.recordToken(token("t2", "c1", "ind-1", 20));
    store.recordToken(token("t1", "c1", "ind-1", 10));
    store.recordToken(token("t3", "c1", null, 30));

    TokenRecord t1 = store.token("t1").orElseThrow();
    assertThat(t1).isEqualTo(token("t1", "c1", "ind-1", 10));
    assertThat(store.token("t3").orElseThrow().indirectId()).isNull();
    assertThat(store.token("missing")).isEmpty();
    assertThat(store.tokensForIndirect("ind-1"))
        .extracting(TokenRecord::tokenId)
        .containsExactly("t1", "t2");
    assertThat(store.tokensForIndirect("ind-2")).isEmpty();
  }

  @Test
  void tokens_duplicateIdOrUnknownClientIsRefused() {
    store.upsertClient(client("c1"));
    store.recordToken(token("t1", "c1", null, 10));
    assertThatThrownBy(() -> store.recordToken(token("t1", "c1", null, 11)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("already recorded");
    assertThatThrownBy(() -> store.recordToken(token("t2", "ghost", null, 11)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("no client with id ghost");
    assertThat(store.token("t2")).isEmpty();
  }

  @Test
  void recordMint_writesTokenAndAuditTogether_orNeither() {
    store.upsertClient(client("c1"));
    AuditRecord r = store.recordMint(token("t1", "c1", null, 10), event("mint", "t1", "c1", 10));
    assertThat(r.sequence()).isEqualTo(1);
    assertThat(store.token("t1")).isPresent();

    assertThatThrownBy(
            () -> store.recordMint(token("t1", "c1", null, 11), event("mint", "t1", "c1", 11)))
        .isInstanceOf(StoreException.class);
    assertThat(store.audit(AuditQuery.all(0, 100))).hasSize(1);
    assertThat(store.verifyAudit().ok()).isTrue();
  }

  @Test
  void recordMint_concurrentCallers_areGroupCommitted_withAGapFreeVerifiedChain() throws Exception {
    store.upsertClient(client("c1"));
    int threads = 16;
    int perThread = 100;
    List<Callable<Void>> jobs = new ArrayList<>();
    Set<Long> sequences = ConcurrentHashMap.newKeySet();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      jobs.add(
          () -> {
            for (int i = 0; i < perThread; i++) {
              String id = "gc-" + thread + "-" + i;
              AuditRecord r =
                  store.recordMint(token(id, "c1", null, i), event("mint", id, "c1", i));
              assertThat(r.event().tokenId()).isEqualTo(id);
              assertThat(sequences.add(r.sequence())).isTrue();
            }
            return null;
          });
    }
    runAll(jobs);

    int total = threads * perThread;
    assertThat(countRaw("tokens")).isEqualTo(total);
    assertThat(countRaw("token_revocation_ids")).isEqualTo(2L * total);
    assertThat(sequences)
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
    List<AuditRecord> trail = store.audit(AuditQuery.all(0, total + 10));
    assertThat(trail).hasSize(total);
    for (int i = 0; i < total; i++) {
      assertThat(trail.get(i).sequence()).isEqualTo(i + 1);
    }
    assertThat(store.verifyAudit().ok()).isTrue();
    for (int t = 0; t < threads; t++) {
      assertThat(store.token("gc-" + t + "-" + (perThread - 1))).isPresent();
    }
  }

  @Test
  void recordMint_moreConcurrentCallersThanOneGroupHolds_allCommitWithAGapFreeChain()
      throws Exception {
    store.upsertClient(client("c1"));
    // Released together, more callers queue than one group commit takes: the ones left over must
    // be handed on to a next committer, or they would wait forever (runAll fails after 60 s).
    int callers = JdbcAuthorityStore.MINT_GROUP_MAX + 44;
    CyclicBarrier together = new CyclicBarrier(callers);
    Set<Long> sequences = ConcurrentHashMap.newKeySet();
    List<Callable<Void>> jobs = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      String id = "many-" + t;
      int at = t;
      jobs.add(
          () -> {
            together.await(30, TimeUnit.SECONDS);
            AuditRecord r =
                store.recordMint(token(id, "c1", null, at), event("mint", id, "c1", at));
            assertThat(r.event().tokenId()).isEqualTo(id);
            sequences.add(r.sequence());
            return null;
          });
    }
    runAll(jobs);

    assertThat(countRaw("tokens")).isEqualTo(callers);
    assertThat(sequences)
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, callers).boxed().toList());
    assertThat(store.verifyAudit().ok()).isTrue();
  }

  @Test
  void recordMint_anInvalidItemInAConcurrentBatch_failsAlone() throws Exception {
    store.upsertClient(client("c1"));
    store.recordMint(token("dup", "c1", null, 1), event("mint", "dup", "c1", 1));
    int threads = 16;
    int perThread = 20;
    List<Callable<Void>> jobs = new ArrayList<>();
    java.util.Map<String, String> failures = new java.util.concurrent.ConcurrentHashMap<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      jobs.add(
          () -> {
            for (int i = 0; i < perThread; i++) {
              String id = "ok-" + thread + "-" + i;
              String client = "c1";
              if (i == perThread / 2 && thread == 3) {
                client = "ghost";
                id = "bad-ghost";
              } else if (i == perThread / 2 && thread == 7) {
                id = "dup";
              }
              try {
                store.recordMint(token(id, client, null, i), event("mint", id, client, i));
              } catch (StoreException e) {
                failures.put(id, e.getMessage());
              }
            }
            return null;
          });
    }
    runAll(jobs);

    assertThat(failures).containsOnlyKeys("bad-ghost", "dup");
    assertThat(failures.get("bad-ghost"))
        .isEqualTo("cannot record token bad-ghost: no client with id ghost");
    assertThat(failures.get("dup")).isEqualTo("token dup was already recorded");
    int ok = threads * perThread - 2;
    assertThat(countRaw("tokens")).isEqualTo(ok + 1);
    assertThat(store.token("bad-ghost")).isEmpty();
    assertThat(store.audit(AuditQuery.all(0, 10_000))).hasSize(ok + 1);
    assertThat(store.verifyAudit().ok()).isTrue();
  }

  @Test
  void recordMint_closeWithPendingMints_doesNotHang() throws Exception {
    store.upsertClient(client("c1"));
    AuthorityStore replica = open();
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(threads);
    java.util.concurrent.atomic.AtomicInteger succeeded =
        new java.util.concurrent.atomic.AtomicInteger();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  started.countDown();
                  for (int i = 0; i < 1_000; i++) {
                    String id = "cl-" + thread + "-" + i;
                    try {
                      replica.recordMint(token(id, "c1", null, i), event("mint", id, "c1", i));
                      succeeded.incrementAndGet();
                    } catch (StoreException e) {
                      return;
                    }
                  }
                }));
      }
      started.await(30, TimeUnit.SECONDS);
      Thread.sleep(50);
      Future<?> closing = pool.submit(replica::close);
      closing.get(60, TimeUnit.SECONDS);
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThatThrownBy(
            () -> replica.recordMint(token("late", "c1", null, 1), event("mint", "late", "c1", 1)))
        .isInstanceOf(StoreException.class);
    // Every acknowledged mint is in the trail, and the chain is intact.
    assertThat(countRaw("tokens")).isEqualTo(succeeded.get());
    assertThat(store.verifyAudit().ok()).isTrue();
  }

  // ------------------------------------------------------------------ revocation feed

  @Test
  void publish_revokeIsIdempotent_andReturnsTheFirstEntry() {
    FeedEntry first = store.publish(Kind.REVOKE, "rev-a", "t1", "leaked", "admin", at(1));
    FeedEntry again = store.publish(Kind.REVOKE, "rev-a", "t9", "again", "other", at(2));

    assertThat(first.sequence()).isEqualTo(1);
    assertThat(again).isEqualTo(first);
    assertThat(store.latestSequence()).isEqualTo(1);
    assertThat(store.feedSince(0, 100)).containsExactly(first);
    assertThat(store.publish(Kind.REVOKE, "rev-b", null, null, "admin", at(3)).sequence())
        .isEqualTo(2);
  }

  @Test
  void feed_isOrderedGapFreeAndPaged() {
    for (int i = 1; i <= 10; i++) {
      store.publish(Kind.REVOKE, "rev-" + i, null, "r" + i, "admin", at(i));
    }
    assertThat(store.latestSequence()).isEqualTo(10);
    assertThat(store.feedSince(0, 4))
        .extracting(FeedEntry::sequence)
        .containsExactly(1L, 2L, 3L, 4L);
    assertThat(store.feedSince(7, 100))
        .extracting(FeedEntry::sequence)
        .containsExactly(8L, 9L, 10L);
    assertThat(store.feedSince(10, 100)).isEmpty();
    FeedEntry e = store.feedSince(2, 1).get(0);
    assertThat(e).isEqualTo(new FeedEntry(3, Kind.REVOKE, "rev-3", null, "r3", "admin", at(3)));
  }

  @Test
  void feed_concurrentPublishersOnTwoReplicas_getSequencesOneToFourHundredExactly()
      throws Exception {
    AuthorityStore replica = open();
    List<Callable<Void>> jobs = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      AuthorityStore s = t % 2 == 0 ? store : replica;
      int thread = t;
      jobs.add(
          () -> {
            for (int i = 0; i < 50; i++) {
              s.publish(Kind.REVOKE, "rev-" + thread + "-" + i, null, null, "admin", at(i));
            }
            return null;
          });
    }
    runAll(jobs);

    List<FeedEntry> feed = new ArrayList<>();
    long after = 0;
    List<FeedEntry> page;
    while (!(page = store.feedSince(after, 64)).isEmpty()) {
      feed.addAll(page);
      after = page.get(page.size() - 1).sequence();
    }
    assertThat(feed)
        .extracting(FeedEntry::sequence)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 400).boxed().toList());
    assertThat(feed).extracting(FeedEntry::revocationId).doesNotHaveDuplicates();
    assertThat(replica.latestSequence()).isEqualTo(400);
    assertThat(store.currentlyDenied()).hasSize(400);
  }

  @Test
  void feed_followerPollingDuringConcurrentPublishes_neverSkipsAnEntry() throws Exception {
    AuthorityStore replica = open();
    List<Callable<Void>> jobs = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      AuthorityStore s = t % 2 == 0 ? store : replica;
      int thread = t;
      jobs.add(
          () -> {
            for (int i = 0; i < 25; i++) {
              s.publish(Kind.REVOKE, "rev-" + thread + "-" + i, null, null, "admin", at(i));
            }
            return null;
          });
    }
    ExecutorService pool = Executors.newFixedThreadPool(jobs.size());
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (Callable<Void> job : jobs) {
        futures.add(pool.submit(job));
      }
      // A follower that applies "since=N" exactly as a gateway does must see every sequence once.
      List<Long> seen = new ArrayList<>();
      long after = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (seen.size() < 100 && System.nanoTime() < deadline) {
        for (FeedEntry e : replica.feedSince(after, 1000)) {
          seen.add(e.sequence());
          after = e.sequence();
        }
      }
      for (Future<Void> f : futures) {
        f.get(20, TimeUnit.SECONDS);
      }
      assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, 100).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void currentlyDenied_isRevokedPlusSuspendedNotResumed() {
    store.publish(Kind.REVOKE, "rev-1", null, null, "admin", at(1));
    store.publish(Kind.SUSPEND, "ind-a", null, "incident", "admin", at(2));
    store.publish(Kind.SUSPEND, "ind-b", null, "incident", "admin", at(3));
    store.publish(Kind.RESUME, "ind-b", null, "resolved", "admin", at(4));
    store.publish(Kind.RESUME, "ind-c", null, null, "admin", at(5));
    store.publish(Kind.SUSPEND, "ind-c", null, null, "admin", at(6));
    store.publish(Kind.SUSPEND, "ind-d", null, null, "admin", at(7));
    store.publish(Kind.RESUME, "ind-d", null, null, "admin", at(8));
    store.publish(Kind.SUSPEND, "ind-d", null, null, "admin", at(9));
    store.publish(Kind.RESUME, "ind-d", null, null, "admin", at(10));

    assertThat(store.currentlyDenied()).containsExactlyInAnyOrder("rev-1", "ind-a", "ind-c");
    RevocationSnapshot snapshot = store.deniedSnapshot();
    assertThat(snapshot.sequence()).isEqualTo(10);
    assertThat(snapshot.denied()).containsExactlyInAnyOrder("rev-1", "ind-a", "ind-c");
  }

  @Test
  void feed_survivesReopen() {
    store.publish(Kind.REVOKE, "rev-1", null, null, "admin", at(1));
    store.append(event("revoke", null, "admin", 1));
    closePrimary();
    AuthorityStore reopened = open();
    assertThat(reopened.currentlyDenied()).containsExactly("rev-1");
    assertThat(reopened.verifyAudit().recordsChecked()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ audit

  @Test
  void audit_appendChainsRecords_andVerifies() {
    AuditRecord r1 = store.append(event("mint", "t1", "c1", 1));
    AuditRecord r2 = store.append(event("revoke", "t1", "admin", 2));

    assertThat(r1.sequence()).isEqualTo(1);
    assertThat(r1.previousHash()).isEqualTo("0".repeat(64));
    assertThat(r2.previousHash()).isEqualTo(r1.hash());
    assertThat(r2.hash()).hasSize(64).isNotEqualTo(r1.hash());
    assertThat(store.audit(AuditQuery.all(0, 10))).containsExactly(r1, r2);
    assertThat(store.verifyAudit()).isEqualTo(new AuditVerification(true, 2, null, null));
  }

  @Test
  void audit_emptyTrailVerifies() {
    assertThat(store.verifyAudit()).isEqualTo(new AuditVerification(true, 0, null, null));
  }

  @Test
  void audit_queryFiltersByTokenClientTimeAndPages() {
    store.append(event("mint", "t1", "c1", 10));
    store.append(event("mint", "t2", "c2", 20));
    store.append(event("decision", "t1", "c1", 30));
    store.append(event("revoke", "t1", "admin", 40));

    assertThat(store.audit(new AuditQuery("t1", null, null, null, 0, 100)))
        .extracting(AuditRecord::sequence)
        .containsExactly(1L, 3L, 4L);
    assertThat(store.audit(new AuditQuery(null, "c1", null, null, 0, 100)))
        .extracting(AuditRecord::sequence)
        .containsExactly(1L, 3L);
    assertThat(store.audit(new AuditQuery(null, null, at(20), at(40), 0, 100)))
        .extracting(AuditRecord::sequence)
        .containsExactly(2L, 3L);
    assertThat(store.audit(new AuditQuery("t1", null, null, null, 1, 1)))
        .extracting(AuditRecord::sequence)
        .containsExactly(3L);
    AuditRecord r = store.audit(AuditQuery.all(1, 1)).get(0);
    assertThat(r.event()).isEqualTo(event("mint", "t2", "c2", 20));
  }

  // ------------------------------------------------------------------ people and sessions

  private static PersonRecord person(String name) {
    return new PersonRecord(
        name,
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
        PersonRecord.Role.OPERATOR,
        List.of("finance", "legal"),
        null,
        null,
        T0,
        null,
        null);
  }

  @Test
  void people_areStoredAndReplaced_keepingCreationTime_andNeverPrintTheirSecrets() {
    store.upsertPerson(person("bob"));
    store.upsertPerson(person("alice"));
    PersonRecord changed =
        new PersonRecord(
            "bob",
            "$argon2id$other",
            PersonRecord.Role.ADMIN,
            List.of(),
            "c1",
            "sealed",
            at(99),
            null,
            null);
    store.upsertPerson(changed);

    PersonRecord bob = store.person("bob").orElseThrow();
    assertThat(bob.createdAt()).isEqualTo(T0);
    assertThat(bob.role()).isEqualTo(PersonRecord.Role.ADMIN);
    assertThat(bob.groups()).isEmpty();
    assertThat(bob.clientId()).isEqualTo("c1");
    assertThat(bob.hasTotp()).isTrue();
    assertThat(store.person("alice").orElseThrow().groups()).containsExactly("finance", "legal");
    assertThat(store.people()).extracting(PersonRecord::name).containsExactly("alice", "bob");
    assertThat(bob.toString()).doesNotContain("argon2").doesNotContain("sealed");
    assertThat(store.person("carol")).isEmpty();
  }

  @Test
  void signInFailures_lockAtTheMaximum_withinTheWindowOnly_andAreCleared() {
    store.upsertPerson(person("bob"));
    Duration window = Duration.ofMinutes(15);
    for (int i = 0; i < 2; i++) {
      assertThat(
              store.recordSignInFailure("bob", at(i), window, 3, window).orElseThrow().lockedNow())
          .isFalse();
    }
    SignInFailure third = store.recordSignInFailure("bob", at(2), window, 3, window).orElseThrow();
    assertThat(third.lockedNow()).isTrue();
    assertThat(third.lockedUntil()).isEqualTo(at(2).plus(window));
    assertThat(store.person("bob").orElseThrow().lockedUntil()).isEqualTo(at(2).plus(window));
    assertThat(store.recordSignInFailure("bob", at(3), window, 3, window).orElseThrow().lockedNow())
        .as("locked once")
        .isFalse();

    store.clearSignInFailures("bob");
    assertThat(store.person("bob").orElseThrow().lockedUntil()).isNull();
    long later = 3600;
    store.recordSignInFailure("bob", at(later), window, 3, window);
    store.recordSignInFailure("bob", at(later + 1), window, 3, window);
    assertThat(store.recordSignInFailure("bob", at(later + 1000), window, 3, window).orElseThrow())
        .as("the first two fell out of the window")
        .isEqualTo(new SignInFailure(1, null, false));
    assertThat(store.recordSignInFailure("nobody", at(0), window, 3, window)).isEmpty();
  }

  @Test
  void totpSteps_areUsedOnce_andOnlyForwards() {
    store.upsertPerson(person("bob").withTotpSecret("sealed"));
    assertThat(store.useTotpStep("bob", 100)).isTrue();
    assertThat(store.useTotpStep("bob", 100)).isFalse();
    assertThat(store.useTotpStep("bob", 99)).isFalse();
    assertThat(store.useTotpStep("bob", 101)).isTrue();
    store.upsertPerson(store.person("bob").orElseThrow().withTotpSecret("new secret"));
    assertThat(store.useTotpStep("bob", 50)).as("a new secret starts afresh").isTrue();
  }

  @Test
  void sessions_areFoundByHash_endAlone_withTheirPerson_orWhenExpired() {
    store.upsertPerson(person("bob"));
    store.upsertPerson(person("alice"));
    String h1 = "1".repeat(64);
    String h2 = "2".repeat(64);
    String h3 = "3".repeat(64);
    store.createSession(new SessionRecord(h1, "bob", at(0), at(0)));
    store.createSession(new SessionRecord(h2, "bob", at(0), at(0)));
    store.createSession(new SessionRecord(h3, "alice", at(0), at(500)));

    store.touchSession(h1, at(100));
    store.touchSession(h1, at(50));
    assertThat(store.session(h1).orElseThrow().lastSeenAt()).isEqualTo(at(100));
    assertThat(store.deleteSession(h1)).isTrue();
    assertThat(store.deleteSession(h1)).isFalse();
    assertThat(store.disablePerson("bob", at(200)).orElseThrow().disabled()).isTrue();
    assertThat(store.session(h2)).isEmpty();
    assertThat(store.deleteExpiredSessions(at(400), at(-1))).isZero();
    assertThat(store.deleteExpiredSessions(at(501), at(-1))).isEqualTo(1);
    assertThat(store.session(h3)).isEmpty();
    assertThatThrownBy(() -> store.createSession(new SessionRecord(h1, "nobody", at(0), at(0))))
        .isInstanceOf(StoreException.class);
  }

  @Test
  void audit_queryFiltersByTypeAndFreeText_newestFirst_andPagesBack() {
    store.append(event("decision", "t1", "c1", 10));
    store.append(event("decision.allow", "t2", "c2", 20));
    store.append(event("decisions", "t3", "c1", 30));
    store.append(
        new AuditEvent(
            "signin.failed", "Mallory", null, null, at(40), "{\"reason\":\"100%_wrong\"}"));

    assertThat(store.audit(query(null, "decision", null, 0)))
        .extracting(AuditRecord::sequence)
        .containsExactly(2L, 1L);
    assertThat(store.audit(query(null, null, "mallory", 0)))
        .extracting(AuditRecord::sequence)
        .containsExactly(4L);
    assertThat(store.audit(query(null, null, "0%_w", 0)))
        .as("% and _ are literal")
        .extracting(AuditRecord::sequence)
        .containsExactly(4L);
    assertThat(store.audit(query(null, null, "x%", 0))).isEmpty();
    assertThat(store.audit(query(null, null, "T2", 0)))
        .extracting(AuditRecord::sequence)
        .containsExactly(2L);
    assertThat(store.audit(query("c1", null, null, 0)))
        .extracting(AuditRecord::sequence)
        .containsExactly(3L, 1L);
    assertThat(store.audit(query(null, null, null, 3)))
        .extracting(AuditRecord::sequence)
        .containsExactly(2L, 1L);
  }

  private static AuditQuery query(String client, String type, String text, long before) {
    return new AuditQuery(null, client, null, null, 0, 100, type, text, before, true);
  }

  @Test
  void audit_editOfAnyColumnIsReportedAtThatRecord() throws SQLException {
    for (int i = 1; i <= 5; i++) {
      store.append(event("decision", "t" + i, "c" + i, i));
    }
    String[][] edits = {
      {"type", "'mint'"},
      {"actor", "'someone-else'"},
      {"token_id", "NULL"},
      {"client_id", "'c9'"},
      {"occurred_at", "occurred_at + 1"},
      {"detail", "'{\"n\":0}'"},
      {"previous_hash", "'" + "1".repeat(64) + "'"},
      {"hash", "'" + "2".repeat(64) + "'"},
    };
    for (String[] edit : edits) {
      String column = edit[0];
      try (Connection c = rawConnection();
          Statement s = c.createStatement()) {
        s.executeUpdate("CREATE TABLE audit_backup AS SELECT * FROM audit_log WHERE sequence = 3");
        s.executeUpdate("UPDATE audit_log SET " + column + " = " + edit[1] + " WHERE sequence = 3");
      }

      AuditVerification v = store.verifyAudit();
      assertThat(v.ok()).as(column).isFalse();
      assertThat(v.firstBadSequence()).as(column).isEqualTo(3L);
      assertThat(v.problem()).as(column).isEqualTo("record 3 was edited (hash mismatch)");

      try (Connection c = rawConnection();
          Statement s = c.createStatement()) {
        s.executeUpdate("DELETE FROM audit_log WHERE sequence = 3");
        s.executeUpdate("INSERT INTO audit_log SELECT * FROM audit_backup");
        s.executeUpdate("DROP TABLE audit_backup");
      }
      assertThat(store.verifyAudit().ok()).as("restored after " + column).isTrue();
    }
  }

  /**
   * Appends {@code records} decisions (tokens t1.., client c1), runs {@code sql} behind the store's
   * back, and verifies the audit chain.
   */
  private AuditVerification tampered(int records, String... sql) throws SQLException {
    for (int i = 1; i <= records; i++) {
      store.append(event("decision", "t" + i, "c1", i));
    }
    for (String statement : sql) {
      executeRaw(statement);
    }
    return store.verifyAudit();
  }

  @Test
  void audit_deletedRecordIsReportedMissing() throws SQLException {
    AuditVerification v = tampered(5, "DELETE FROM audit_log WHERE sequence = 3");
    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadSequence()).isEqualTo(3L);
    assertThat(v.problem()).isEqualTo("record 3 missing (sequence gap)");
  }

  @Test
  void audit_deletedLastRecordIsReportedMissing() throws SQLException {
    AuditVerification v = tampered(5, "DELETE FROM audit_log WHERE sequence = 5");
    assertThat(v.firstBadSequence()).isEqualTo(5L);
    assertThat(v.problem()).contains("record 5 missing");
  }

  @Test
  void audit_deletedAndRenumberedRecordBreaksTheChain() throws SQLException {
    AuditVerification v =
        tampered(
            5,
            "DELETE FROM audit_log WHERE sequence = 3",
            "UPDATE audit_log SET sequence = 3 WHERE sequence = 4",
            "UPDATE audit_log SET sequence = 4 WHERE sequence = 5",
            "UPDATE audit_head SET seq = 4");
    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadSequence()).isEqualTo(3L);
    assertThat(v.problem()).contains("record at sequence 3 was written as sequence 4");
  }

  @Test
  void audit_swappedRecordsAreReportedReordered() throws SQLException {
    AuditVerification v =
        tampered(
            5,
            "UPDATE audit_log SET sequence = -1 WHERE sequence = 2",
            "UPDATE audit_log SET sequence = 2 WHERE sequence = 4",
            "UPDATE audit_log SET sequence = 4 WHERE sequence = -1");
    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadSequence()).isEqualTo(2L);
    assertThat(v.problem())
        .isEqualTo("records reordered: the record at sequence 2 was written as sequence 4");
  }

  @Test
  void audit_rewrittenRecordWithRecomputedHashBreaksTheLinkOfTheNextOne() throws SQLException {
    for (int i = 1; i <= 4; i++) {
      store.append(event("decision", "t" + i, "c1", i));
    }
    // An attacker who knows the algorithm rewrites record 2 and recomputes its own hash.
    AuditRecord r2 = store.audit(AuditQuery.all(1, 1)).get(0);
    String forged =
        AuditChain.hash(
            2, r2.previousHash(), "decision", "forger", "t2", "c1", at(2).toEpochMilli(), "{}");
    executeRaw(
        "UPDATE audit_log SET actor = 'forger', detail = '{}', hash = '"
            + forged
            + "' WHERE sequence = 2");

    AuditVerification v = store.verifyAudit();
    assertThat(v.firstBadSequence()).isEqualTo(3L);
    assertThat(v.problem()).startsWith("chain broken at 3");
  }

  @Test
  void appendBatch_isIdempotentByBatchId() throws SQLException {
    List<AuditEvent> events =
        List.of(event("decision", "t1", "c1", 1), event("decision", "t2", "c1", 2));
    assertThat(store.appendBatch("gw-1:batch-7", events)).isTrue();
    assertThat(store.appendBatch("gw-1:batch-7", events)).isFalse();
    AuthorityStore replica = open();
    assertThat(replica.appendBatch("gw-1:batch-7", events)).isFalse();

    assertThat(countRaw("audit_log")).isEqualTo(2);
    assertThat(countRaw("audit_batches")).isEqualTo(1);
    assertThat(store.appendBatch("gw-1:batch-8", events.subList(0, 1))).isTrue();
    assertThat(store.verifyAudit()).isEqualTo(new AuditVerification(true, 3, null, null));
  }

  @Test
  void audit_concurrentAppendsFromTwoReplicas_keepTheChainValid() throws Exception {
    AuthorityStore replica = open();
    List<Callable<Void>> jobs = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      AuthorityStore s = t % 2 == 0 ? store : replica;
      int thread = t;
      jobs.add(
          () -> {
            for (int i = 0; i < 30; i++) {
              if (i % 10 == 0) {
                s.appendBatch(
                    "b-" + thread + "-" + i,
                    List.of(
                        event("decision", "t", "c" + thread, i),
                        event("decision", "t", "c" + thread, i)));
              } else {
                s.append(event("decision", "t" + i, "c" + thread, i));
              }
            }
            return null;
          });
    }
    runAll(jobs);

    AuditVerification v = replica.verifyAudit();
    assertThat(v).isEqualTo(new AuditVerification(true, 6 * 33, null, null));
  }

  // ------------------------------------------------------------------ bad input

  @Test
  void badInput_isRefusedBeforeTouchingTheDatabase() {
    String huge = "x".repeat(100_000);
    assertThatThrownBy(() -> store.publish(null, "r", null, null, "a", T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("kind must not be null");
    assertThatThrownBy(() -> store.publish(Kind.REVOKE, huge, null, null, "a", T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("revocationId is 100000 characters; at most 256");
    assertThatThrownBy(() -> store.publish(Kind.REVOKE, "r", null, null, " ", T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("actor must not be blank");
    assertThatThrownBy(() -> store.feedSince(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.feedSince(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.appendBatch("b", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> store.appendBatch("b", java.util.Arrays.asList(event("x", null, null, 1), null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("events[1] must not be null");
    assertThatThrownBy(() -> store.client(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AuditEvent("t", "a", null, null, T0, huge + huge))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("detailJson");
    assertThatThrownBy(() -> new ClientRecord("c", null, false, T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secretHash must not be null");
    assertThatThrownBy(() -> new TokenRecord("t", "c", List.of(), T0, T0, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AuditQuery(null, null, null, null, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store.latestSequence()).isZero();
  }

  // ------------------------------------------------------------------ helpers

  void executeRaw(String sql) throws SQLException {
    try (Connection c = rawConnection();
        Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }

  long countRaw(String table) throws SQLException {
    try (Connection c = rawConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static void runAll(List<Callable<Void>> jobs) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(jobs.size());
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (Callable<Void> job : jobs) {
        futures.add(pool.submit(job));
      }
      for (Future<Void> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- OAuth state ----

  @Test
  void oauthClient_isKept_andAnIdIsRegisteredOnce() {
    OAuthClientRecord c =
        new OAuthClientRecord(
            "mndoc_abc", "Editor & co", List.of("http://127.0.0.1:9/cb", "com.example:/cb"), T0);
    store.saveOAuthClient(c);
    assertThat(store.oauthClient("mndoc_abc")).contains(c);
    assertThat(store.oauthClient("mndoc_other")).isEmpty();
    assertThatThrownBy(() -> store.saveOAuthClient(c)).isInstanceOf(StoreException.class);
  }

  @Test
  void oauthAuthorization_isFoundByEveryRefreshHashOfItsFamily_andUpdatesInPlace() {
    Instant ends = T0.plus(Duration.ofDays(30));
    store.saveOAuthAuthorization(
        new OAuthAuthorizationRecord("auth-1", "mndoc_abc", "h1", false, ends, "{\"v\":1}"));
    store.saveOAuthAuthorization(
        new OAuthAuthorizationRecord("auth-1", "mndoc_abc", "h2", false, ends, "{\"v\":2}"));
    OAuthAuthorizationRecord byRetired = store.oauthAuthorizationByRefreshHash("h1").orElseThrow();
    OAuthAuthorizationRecord byCurrent = store.oauthAuthorizationByRefreshHash("h2").orElseThrow();
    assertThat(byRetired).isEqualTo(byCurrent);
    assertThat(byCurrent.refreshHash()).isEqualTo("h2");
    assertThat(byCurrent.state()).isEqualTo("{\"v\":2}");
    assertThat(byCurrent.expiresAt()).isEqualTo(ends);
    store.saveOAuthAuthorization(
        new OAuthAuthorizationRecord("auth-1", "mndoc_abc", "h2", true, ends, "{\"v\":3}"));
    assertThat(store.oauthAuthorizationByRefreshHash("h1").orElseThrow().revoked()).isTrue();
    assertThat(store.oauthAuthorizationByRefreshHash("h3")).isEmpty();
  }
}
