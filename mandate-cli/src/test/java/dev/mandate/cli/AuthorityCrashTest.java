package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills {@code mandate serve} with SIGKILL again and again while revocations are being posted, and
 * checks that every acknowledged revocation survived and the audit chain still verifies.
 */
class AuthorityCrashTest {
  private static final long SEED = 20250601L;
  private static final int KILLS = 5;
  private static final int POSTERS = 2;

  @TempDir Path tmp;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Random random = new Random(SEED);
  private int port;
  private String baseUrl;
  private Path data;
  private int starts;
  private Process running;
  private volatile String lastRefusal = "none";

  /** A failed assertion must not leave an authority process behind. */
  @AfterEach
  void killLeftover() throws InterruptedException {
    if (running != null && running.isAlive()) {
      running.destroyForcibly();
      running.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void killNine_whileRevoking_losesNoAcknowledgedRevocation_andTheAuditChainVerifies()
      throws Exception {
    port = Await.freePort();
    baseUrl = "http://127.0.0.1:" + port;
    data = tmp.resolve("data");

    Process authority = start();
    String admin = adminSecret();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicLong attempts = new AtomicLong();
    List<Integer> ackedPerRound = new ArrayList<>();

    for (int round = 0; round < KILLS; round++) {
      int before = acknowledged.size();
      AtomicBoolean posting = new AtomicBoolean(true);
      List<Thread> posters = new ArrayList<>();
      for (int p = 0; p < POSTERS; p++) {
        long posterSeed = random.nextLong();
        Thread t =
            new Thread(
                () -> post(admin, new Random(posterSeed), posting, acknowledged, attempts),
                "poster-" + round + "-" + p);
        t.start();
        posters.add(t);
      }
      // Once writes are flowing, wait a seeded but irregular time, so the kill lands at different
      // points of a write.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (acknowledged.size() == before && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(200 + random.nextInt(800));
      authority.destroyForcibly();
      assertThat(authority.waitFor(10, TimeUnit.SECONDS)).isTrue();
      posting.set(false);
      for (Thread t : posters) {
        t.join();
      }
      ackedPerRound.add(acknowledged.size() - before);
      authority = start();
    }

    assertThat(ackedPerRound)
        .as("acknowledged revocations per round (last refusal: %s)", lastRefusal)
        .allMatch(n -> n > 0);
    JsonNode feed = getJson("/v1/revocations?since=0", null);
    Set<String> denied = new HashSet<>();
    feed.get("snapshot").forEach(n -> denied.add(n.asText()));
    assertThat(denied).as("every acknowledged revocation is in the feed").containsAll(acknowledged);
    assertThat(feed.get("latestSequence").asLong()).isEqualTo(denied.size());
    JsonNode verified = getJson("/v1/audit/verify", Http.basic("admin", admin));
    assertThat(verified.get("ok").asBoolean()).as(verified.toString()).isTrue();
    assertThat(verified.get("recordsChecked").asLong()).isGreaterThanOrEqualTo(acknowledged.size());

    // SIGTERM: the shutdown hook stops the authority gracefully and the process exits.
    authority.destroy();
    assertThat(authority.waitFor(30, TimeUnit.SECONDS)).as("graceful stop on SIGTERM").isTrue();
    CliRun.Result direct =
        new CliRun().run("audit", "verify", "--db", "jdbc:sqlite:" + data.resolve("mandate.db"));
    assertThat(direct.exit()).as(direct.out() + direct.err()).isZero();
    System.out.printf(
        "crash test: %d kills, %d revocations posted, %d acknowledged, per round %s%n",
        KILLS, attempts.get(), acknowledged.size(), ackedPerRound);
  }

  private void post(
      String admin, Random ids, AtomicBoolean posting, Set<String> acknowledged, AtomicLong n) {
    byte[] id = new byte[16];
    while (posting.get()) {
      ids.nextBytes(id);
      String revocationId = HexFormat.of().formatHex(id);
      String body = "{\"revocationId\":\"" + revocationId + "\",\"reason\":\"crash test\"}";
      n.incrementAndGet();
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/v1/revocations"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", Http.basic("admin", admin))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 == 2) {
          acknowledged.add(revocationId);
        } else {
          lastRefusal = r.statusCode() + " " + r.body();
        }
      } catch (IOException e) {
        // Killed mid-request or not listening: not acknowledged, so nothing is promised.
        lastRefusal = e.toString();
        pause(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private Process start() throws Exception {
    starts++;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = tmp.resolve("serve-" + starts + ".out");
    Path err = tmp.resolve("serve-" + starts + ".err");
    ProcessBuilder builder =
        new ProcessBuilder(
            java,
            // C1 only and a small GC: the authority starts in about half the time.
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.mandate.cli.Mandate",
            "serve",
            "--data",
            data.toString(),
            "--port",
            Integer.toString(port),
            // stdout is a file, not a terminal: the secret goes to this 0600 file instead.
            "--admin-secret-out",
            tmp.resolve("admin.secret").toString(),
            "--master-key-file",
            tmp.resolve("master.key").toString());
    // Only what the test names: no MANDATE_* variable of the machine running the build.
    builder.environment().keySet().removeIf(k -> k.startsWith("MANDATE_"));
    Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    running = p;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        fail("mandate serve exited with " + p.exitValue() + ":\n" + Files.readString(err));
      }
      if (Files.readString(out).contains("Stop with Ctrl-C")) {
        return p;
      }
      pause(50);
    }
    p.destroyForcibly();
    fail("mandate serve did not start within 45 s:\n" + Files.readString(err));
    return p;
  }

  private String adminSecret() throws IOException {
    String screen = Files.readString(tmp.resolve("serve-1.out"));
    assertThat(screen).as("no secret on a redirected stdout").doesNotContain("mndcs1_");
    assertThat(screen).contains("admin secret    written to " + tmp.resolve("admin.secret"));
    return Files.readString(tmp.resolve("admin.secret")).strip();
  }

  private JsonNode getJson(String path, String authorization) {
    return Http.get(baseUrl + path, authorization).expect(200);
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
