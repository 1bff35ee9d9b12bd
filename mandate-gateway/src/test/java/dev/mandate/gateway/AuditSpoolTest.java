package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditSpoolTest {
  @TempDir Path dir;

  private GatewayConfig.Spool config(long segmentBytes) {
    return new GatewayConfig.Spool(dir, GatewayConfig.SyncMode.ALWAYS, 1 << 20, segmentBytes);
  }

  private static byte[] event(int i) {
    return ("{\"n\":" + i + "}").getBytes(StandardCharsets.US_ASCII);
  }

  private static List<String> drain(AuditSpool spool) throws Exception {
    List<String> seen = new ArrayList<>();
    AuditSpool.Batch b;
    while ((b = spool.nextBatch(7, 1 << 16)) != null) {
      spool.markPending(b);
      b.events().forEach(e -> seen.add(new String(e, StandardCharsets.US_ASCII)));
      spool.acknowledge(b);
    }
    return seen;
  }

  @Test
  void concurrentAppends_acrossSegments_areAllReadBackOnceInOrderPerWriter() throws Exception {
    try (AuditSpool spool = AuditSpool.open(config(4096))) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      for (int i = 0; i < 2000; i++) {
        int n = i;
        pool.execute(
            () -> {
              try {
                spool.append(event(n));
              } catch (AuditSpool.SpoolException e) {
                throw new AssertionError(e);
              }
            });
      }
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      List<String> seen = drain(spool);
      assertThat(seen).hasSize(2000).doesNotHaveDuplicates();
      assertThat(spool.drained()).isTrue();
    }
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith("segment-")).count())
          .as("uploaded segments are deleted")
          .isEqualTo(1);
    }
  }

  @Test
  void batchedMode_segmentsRotatedOut_areReadBackAndClosedByTheGroupCommit() throws Exception {
    GatewayConfig.Spool batched =
        new GatewayConfig.Spool(dir, GatewayConfig.SyncMode.BATCHED, 1 << 20, 4096);
    try (AuditSpool spool = AuditSpool.open(batched)) {
      for (int i = 0; i < 3000; i++) {
        spool.append(event(i));
      }
      // Only what a group commit made durable is read; the flusher commits every 50 ms.
      List<String> seen = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (seen.size() < 3000 && System.nanoTime() < deadline) {
        seen.addAll(drain(spool));
        Thread.sleep(20);
      }
      assertThat(seen).hasSize(3000).doesNotHaveDuplicates();
      assertThat(seen.get(0)).isEqualTo("{\"n\":0}");
      assertThat(seen.get(2999)).isEqualTo("{\"n\":2999}");
      // Every rotated-out segment was fsynced and closed: one segment file stays open.
      assertThat(openSegmentFiles()).isEqualTo(1);
    }
    assertThat(openSegmentFiles()).isZero();
  }

  /** Segment files of this test's spool that this process holds open. */
  private long openSegmentFiles() throws Exception {
    long n = 0;
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          Path target = Files.readSymbolicLink(fd);
          if (target.startsWith(dir) && target.getFileName().toString().startsWith("segment-")) {
            n++;
          }
        } catch (java.io.IOException gone) {
          // closed meanwhile
        }
      }
    }
    return n;
  }

  @Test
  void restart_resendsTheSamePendingBatch_andDropsAPartlyWrittenLastEvent() throws Exception {
    AuditSpool.Batch pending;
    try (AuditSpool spool = AuditSpool.open(config(1 << 20))) {
      for (int i = 0; i < 10; i++) {
        spool.append(event(i));
      }
      pending = spool.nextBatch(4, 1 << 16);
      spool.markPending(pending);
    }
    // A crash in the middle of writing an event that was never acknowledged.
    Path segment;
    try (var files = Files.list(dir)) {
      segment =
          files
              .filter(p -> p.getFileName().toString().startsWith("segment-"))
              .findFirst()
              .orElseThrow();
    }
    Files.writeString(segment, "{\"half", StandardOpenOption.APPEND);

    try (AuditSpool spool = AuditSpool.open(config(1 << 20))) {
      spool.append(event(10));
      AuditSpool.Batch again = spool.nextBatch(100, 1 << 16);
      assertThat(again.batchId()).isEqualTo(pending.batchId());
      assertThat(again.events()).hasSize(4);
      spool.acknowledge(again);
      List<String> rest = drain(spool);
      assertThat(rest).hasSize(7).doesNotContain("{\"half").last().isEqualTo("{\"n\":10}");
    }
  }

  @Test
  void secondProcessOnTheSameSpool_isRefused() throws Exception {
    try (AuditSpool spool = AuditSpool.open(config(1 << 20))) {
      assertThat(spool.spoolId()).hasSize(16);
      assertThatThrownBy(() -> AuditSpool.open(config(1 << 20)))
          .hasMessageContaining("in use by another gateway");
    }
  }

  @Test
  void spoolFilesAreOwnerOnly_0600_inA0700Directory() throws Exception {
    Path spoolDir = dir.resolve("spool");
    GatewayConfig.Spool config =
        new GatewayConfig.Spool(spoolDir, GatewayConfig.SyncMode.ALWAYS, 1 << 20, 4096);
    try (AuditSpool spool = AuditSpool.open(config)) {
      for (int i = 0; i < 3; i++) {
        spool.append(event(i));
      }
      AuditSpool.Batch b = spool.nextBatch(2, 1 << 16);
      spool.markPending(b);
      spool.reject(b, "test");
    }
    assertThat(mode(spoolDir)).isEqualTo("rwx------");
    try (var files = Files.list(spoolDir)) {
      assertThat(files.toList())
          .hasSizeGreaterThanOrEqualTo(4) // lock, id, a segment, cursor, rejected.log
          .allSatisfy(f -> assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------"));
    }
  }

  private static String mode(Path p) throws java.io.IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void fullSpool_refusesEvents() throws Exception {
    GatewayConfig.Spool small =
        new GatewayConfig.Spool(dir, GatewayConfig.SyncMode.BATCHED, 100, 4096);
    try (AuditSpool spool = AuditSpool.open(small)) {
      for (int i = 0; i < 12; i++) {
        spool.append(event(i));
      }
      assertThatThrownBy(() -> spool.append(event(99)))
          .isInstanceOf(AuditSpool.SpoolException.class)
          .hasMessageContaining("limit");
    }
  }
}
