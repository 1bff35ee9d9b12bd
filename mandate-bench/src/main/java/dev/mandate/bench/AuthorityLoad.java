package dev.mandate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for the authority (bin/bench-authority): starts an authority in this process on
 * SQLite in a temporary directory, and on PostgreSQL when one answers on 127.0.0.1:5432 (database
 * {@code test}, a fresh schema), and measures
 *
 * <ol>
 *   <li>mint throughput: {@code --threads} clients POST /v1/capabilities over keep-alive HTTP/1.1
 *       connections for {@code --seconds}, after a warm-up; and
 *   <li>revocation-feed latency: a follower long-polls GET /v1/revocations?since=N&wait=30000 while
 *       {@code --revocations} revocations are posted one by one; the latency of each is the time
 *       from the poster receiving its 2xx acknowledgement to the follower receiving the entry (0
 *       when the follower got it first).
 * </ol>
 *
 * <p>The load generator shares the machine (and its CPUs) with the authority, so the throughput
 * figure includes the client's cost. Usage: {@code AuthorityLoad [--out FILE] [--seconds N]
 * [--warmup N] [--threads N] [--revocations N] [--no-postgres] [--tmp DIR]}; {@code --tmp} puts the
 * SQLite data directory elsewhere (e.g. on tmpfs, to see what the disk's fsync costs).
 */
public final class AuthorityLoad {
  static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
  static final String POLICY =
      """
      version: 1
      clients:
        bench:
          grants:
            - "fs:read_text_file:/data/bench/**"
          maxTtl: 1h
      """;
  static final String MINT = "{\"grants\":[\"fs:read_text_file:/data/bench/**\"],\"ttl\":\"15m\"}";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final int seconds;
  private final int warmupSeconds;
  private final int threads;
  private final int revocations;

  private AuthorityLoad(int seconds, int warmupSeconds, int threads, int revocations) {
    this.seconds = seconds;
    this.warmupSeconds = warmupSeconds;
    this.threads = threads;
    this.revocations = revocations;
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of("mandate-bench/target/authority-load.json");
    int seconds = 20;
    int warmup = 5;
    int threads = 8;
    int revocations = 200;
    boolean postgres = true;
    Path root = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--revocations" -> revocations = Integer.parseInt(args[++i]);
        case "--no-postgres" -> postgres = false;
        case "--tmp" -> root = Path.of(args[++i]);
        default -> {
          System.err.println(
              "usage: AuthorityLoad [--out FILE] [--seconds N] [--warmup N] [--threads N]"
                  + " [--revocations N] [--no-postgres] [--tmp DIR]");
          System.exit(2);
        }
      }
    }
    AuthorityLoad load = new AuthorityLoad(seconds, warmup, threads, revocations);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("run", Instant.now().toString());
    result.put("cpus", Runtime.getRuntime().availableProcessors());
    result.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    result.put("loadBefore", loadAverage());
    result.put("threads", threads);
    result.put("seconds", seconds);
    result.put("warmupSeconds", warmup);
    result.put("revocations", revocations);
    List<Map<String, Object>> runs = new ArrayList<>();
    Path tmp =
        root == null
            ? Files.createTempDirectory("mandate-authority-load")
            : Files.createTempDirectory(root, "mandate-authority-load");
    result.put("dataDirectory", tmp.toString());
    runs.add(load.run("SQLite", tmp.resolve("sqlite"), null));
    if (postgres) {
      String schema = "mandate_bench_" + HexFormat.of().formatHex(random(6));
      String reason = createSchema(schema);
      if (reason == null) {
        try {
          runs.add(
              load.run(
                  "PostgreSQL",
                  tmp.resolve("postgres"),
                  POSTGRES_URL + "?user=postgres&currentSchema=" + schema));
        } finally {
          dropSchema(schema);
        }
      } else {
        Map<String, Object> skipped = new LinkedHashMap<>();
        skipped.put("backend", "PostgreSQL");
        skipped.put("skipped", reason);
        runs.add(skipped);
      }
    }
    result.put("runs", runs);
    result.put("loadAfter", loadAverage());
    Files.createDirectories(out.toAbsolutePath().getParent());
    JSON.writeValue(out.toFile(), result);
    System.out.println(JSON.writeValueAsString(result));
  }

  private Map<String, Object> run(String backend, Path dir, String jdbcUrl) throws Exception {
    Files.createDirectories(dir);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), POLICY);
    AuthorityConfig.Builder config =
        AuthorityConfig.builder(dir.resolve("data"))
            .port(0)
            .policyFile(policy)
            .environment(Map.of());
    if (jdbcUrl != null) {
      config.jdbcUrl(jdbcUrl);
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("backend", backend);
    System.err.println("authority-load: " + backend + ": starting the authority");
    try (AuthorityServer server = AuthorityServer.start(config.build())) {
      String admin =
          basic(
              "admin",
              server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow());
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      String base = server.url();
      JsonNode created = send(http, post(base + "/v1/clients", "{\"clientId\":\"bench\"}", admin));
      String bench = basic("bench", created.get("secret").asText());

      System.err.println("authority-load: " + backend + ": warm-up " + warmupSeconds + " s");
      mint(http, base, bench, warmupSeconds);
      System.err.println("authority-load: " + backend + ": minting for " + seconds + " s");
      long cpuBefore = processCpuNanos();
      Map<String, Object> mint = mint(http, base, bench, seconds);
      double cpuSeconds = (processCpuNanos() - cpuBefore) / 1e9;
      mint.put("processCpuSecondsPerSecond", round(cpuSeconds / seconds, 2));
      r.put("mint", mint);

      System.err.println("authority-load: " + backend + ": " + revocations + " revocations");
      r.put("feed", feed(http, base, admin));
    }
    return r;
  }

  /** {@code threads} clients minting as fast as they can for {@code secs} seconds. */
  private Map<String, Object> mint(HttpClient http, String base, String auth, int secs)
      throws InterruptedException {
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    long[][] latencies = new long[threads][];
    List<Thread> workers = new ArrayList<>();
    HttpRequest request = post(base + "/v1/capabilities", MINT, auth);
    for (int i = 0; i < threads; i++) {
      int index = i;
      Thread t =
          new Thread(
              () -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                while (running.get()) {
                  long start = System.nanoTime();
                  try {
                    HttpResponse<Void> resp =
                        http.send(request, HttpResponse.BodyHandlers.discarding());
                    if (resp.statusCode() == 201) {
                      ok.incrementAndGet();
                      if (n == mine.length) {
                        mine = Arrays.copyOf(mine, n * 2);
                      }
                      mine[n++] = System.nanoTime() - start;
                    } else {
                      failed.incrementAndGet();
                    }
                  } catch (IOException e) {
                    failed.incrementAndGet();
                  } catch (InterruptedException e) {
                    return;
                  }
                }
                latencies[index] = Arrays.copyOf(mine, n);
              },
              "mint-" + i);
      workers.add(t);
    }
    long start = System.nanoTime();
    workers.forEach(Thread::start);
    Thread.sleep(secs * 1000L);
    long okAtEnd = ok.get();
    long elapsed = System.nanoTime() - start;
    running.set(false);
    for (Thread t : workers) {
      t.join();
    }
    long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mints", okAtEnd);
    m.put("failed", failed.get());
    m.put("mintsPerSecond", round(okAtEnd / (elapsed / 1e9), 0));
    m.put("latencyP50Ms", ms(percentile(all, 0.50)));
    m.put("latencyP99Ms", ms(percentile(all, 0.99)));
    return m;
  }

  /** A follower long-polls the feed while revocations are posted one at a time. */
  private Map<String, Object> feed(HttpClient http, String base, String admin) throws Exception {
    Map<String, Long> seenAt = new ConcurrentHashMap<>();
    AtomicBoolean following = new AtomicBoolean(true);
    long startSequence =
        send(http, get(base + "/v1/revocations?since=0")).get("latestSequence").asLong();
    Thread follower =
        new Thread(
            () -> {
              long since = startSequence;
              while (following.get()) {
                try {
                  JsonNode page =
                      send(http, get(base + "/v1/revocations?since=" + since + "&wait=30000"));
                  long now = System.nanoTime();
                  for (JsonNode e : page.path("entries")) {
                    seenAt.putIfAbsent(e.get("revocationId").asText(), now);
                  }
                  // From since=0 (or after falling behind) the answer is a snapshot instead.
                  for (JsonNode id : page.path("snapshot")) {
                    seenAt.putIfAbsent(id.asText(), now);
                  }
                  since = page.get("latestSequence").asLong();
                } catch (IOException | RuntimeException e) {
                  if (following.get()) {
                    System.err.println("authority-load: follower: " + e);
                  }
                  return;
                }
              }
            },
            "follower");
    follower.setDaemon(true);
    follower.start();
    Thread.sleep(200); // let the follower's first long-poll arrive
    Map<String, Long> ackedAt = new LinkedHashMap<>();
    long[] ackLatency = new long[revocations];
    for (int i = 0; i < revocations; i++) {
      String id = HexFormat.of().formatHex(random(16));
      long start = System.nanoTime();
      send(
          http,
          post(
              base + "/v1/revocations",
              "{\"revocationId\":\"" + id + "\",\"reason\":\"benchmark\"}",
              admin));
      long acked = System.nanoTime();
      ackLatency[i] = acked - start;
      ackedAt.put(id, acked);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (seenAt.size() < revocations && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    following.set(false);
    long[] latency = new long[revocations];
    int missed = 0;
    int i = 0;
    for (Map.Entry<String, Long> e : ackedAt.entrySet()) {
      Long seen = seenAt.get(e.getKey());
      if (seen == null) {
        missed++;
        latency[i++] = Long.MAX_VALUE;
      } else {
        latency[i++] = Math.max(0, seen - e.getValue());
      }
    }
    Arrays.sort(latency);
    Arrays.sort(ackLatency);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("revocations", revocations);
    f.put("notSeenWithin30s", missed);
    f.put("seenAfterAckP50Ms", ms(percentile(latency, 0.50)));
    f.put("seenAfterAckP99Ms", ms(percentile(latency, 0.99)));
    f.put("seenAfterAckMaxMs", ms(latency[latency.length - 1]));
    f.put("ackP50Ms", ms(percentile(ackLatency, 0.50)));
    f.put("ackP99Ms", ms(percentile(ackLatency, 0.99)));
    return f;
  }

  private static HttpRequest post(String url, String json, String auth) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", auth)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET().build();
  }

  private static JsonNode send(HttpClient http, HttpRequest request) throws IOException {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        throw new IOException(request.uri() + " answered " + r.statusCode() + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Creates a schema; returns null, or why PostgreSQL cannot be used. */
  private static String createSchema(String schema) {
    try (Connection c =
            DriverManager.getConnection(POSTGRES_URL + "?user=postgres&connectTimeout=3");
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
      return null;
    } catch (SQLException e) {
      return "PostgreSQL at " + POSTGRES_URL + " is not usable: " + e.getMessage();
    }
  }

  private static void dropSchema(String schema) {
    try (Connection c = DriverManager.getConnection(POSTGRES_URL + "?user=postgres");
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      System.err.println("authority-load: could not drop schema " + schema + ": " + e.getMessage());
    }
  }

  private static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /** Milliseconds, or null for a revocation the follower never saw. */
  private static Double ms(long nanos) {
    return nanos == Long.MAX_VALUE ? null : round(nanos / 1e6, 1);
  }

  private static double round(double v, int places) {
    double f = Math.pow(10, places);
    return Math.round(v * f) / f;
  }
}
