package dev.mandate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mandate.testkit.Http;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Load generator for the authority (bin/bench-authority). For each store (SQLite in a temporary
 * directory, and PostgreSQL when one answers on 127.0.0.1:5432, database {@code test}, a fresh
 * schema) it starts the authority as a server process of its own ({@link AuthorityProcess}, what
 * {@code mandate serve} runs) and measures over loopback HTTP
 *
 * <ol>
 *   <li>mint throughput: {@code --clients} closed-loop clients, one keep-alive HTTP/1.1 connection
 *       each (Jetty's asynchronous client), POST /v1/capabilities as fast as the answers come for
 *       {@code --seconds}, after {@code --warmup} seconds of the same load (so the authority's JIT
 *       has compiled the mint path); with the CPU time per mint of the authority process (total and
 *       by thread group, from /proc on Linux) and of this process; and
 *   <li>revocation-feed latency: a follower long-polls {@code GET
 *       /v1/revocations?since=N&wait=30000} while {@code --revocations} revocations are posted one
 *       by one; the latency of each is the time from the poster receiving its 2xx acknowledgement
 *       to the follower receiving the entry (0 when the follower got it first).
 * </ol>
 *
 * <p>Both processes share the machine's CPUs, so the throughput is what the machine does with the
 * load generator's cost included; the per-process CPU figures say how much of it each side takes.
 * Usage: {@code AuthorityLoad [--out FILE] [--seconds N] [--warmup N] [--clients N] [--revocations
 * N] [--no-postgres] [--tmp DIR] [--authority-jvm-arg ARG]...}; {@code --tmp} puts the SQLite data
 * directory elsewhere (e.g. on tmpfs, to see what the disk's fsync costs); {@code
 * --authority-jvm-arg} passes an option to the authority's JVM (e.g. for a profiler). The
 * authority's own log (one line per request) goes to {@code authority-<store>.log} beside {@code
 * --out}.
 */
public record AuthorityLoad(
    int seconds,
    int warmupSeconds,
    int clients,
    int revocations,
    Path logDir,
    List<String> jvmArgs) {
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
  private static final Duration AUTHORITY_START_TIMEOUT = Duration.ofSeconds(120);
  private static final int WARMUP_SLICE_SECONDS = 3;
  private static final int WARMUP_MAX_SECONDS = 90;
  private static final double JIT_SETTLED_SHARE = 0.05;

  public static void main(String[] args) throws Exception {
    Path out = Path.of("mandate-bench/target/authority-load.json");
    int seconds = 20;
    int warmup = 15;
    int clients = 64;
    int revocations = 200;
    boolean postgres = true;
    Path root = null;
    List<String> jvmArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--revocations" -> revocations = Integer.parseInt(args[++i]);
        case "--no-postgres" -> postgres = false;
        case "--tmp" -> root = Path.of(args[++i]);
        case "--authority-jvm-arg" -> jvmArgs.add(args[++i]);
        default -> {
          System.err.println(
              "usage: AuthorityLoad [--out FILE] [--seconds N] [--warmup N] [--clients N]"
                  + " [--revocations N] [--no-postgres] [--tmp DIR] [--authority-jvm-arg ARG]...");
          System.exit(2);
        }
      }
    }
    Path outDir = out.toAbsolutePath().getParent();
    Files.createDirectories(outDir);
    AuthorityLoad load =
        new AuthorityLoad(seconds, warmup, clients, revocations, outDir, List.copyOf(jvmArgs));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("run", Instant.now().toString());
    result.put("cpus", Runtime.getRuntime().availableProcessors());
    result.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    result.put("loadBefore", CpuUse.loadAverage());
    result.put("clients", clients);
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
    result.put("loadAfter", CpuUse.loadAverage());
    JSON.writeValue(out.toFile(), result);
    System.out.println(JSON.writeValueAsString(result));
  }

  private Map<String, Object> run(String backend, Path dir, String jdbcUrl) throws Exception {
    Files.createDirectories(dir);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), POLICY);
    Path log = logDir.resolve("authority-" + backend.toLowerCase(Locale.ROOT) + ".log");
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("backend", backend);
    r.put("authorityLog", log.toString());
    System.err.println("authority-load: " + backend + ": starting the authority process");
    try (Authority authority =
        Authority.start(dir.resolve("data"), policy, jdbcUrl, jvmArgs, log)) {
      HttpClient http = new HttpClient();
      QueuedThreadPool pool = new QueuedThreadPool();
      pool.setName("load");
      pool.setDaemon(true);
      http.setExecutor(pool);
      http.setMaxConnectionsPerDestination(clients);
      http.setMaxRequestsQueuedPerDestination(Math.max(1024, clients * 4));
      http.setConnectTimeout(5_000);
      http.setIdleTimeout(120_000);
      http.start();
      try {
        String base = authority.url();
        String admin = Http.basic("admin", authority.adminSecret());
        JsonNode created =
            send(
                http.newRequest(base + "/v1/clients").method(HttpMethod.POST),
                "{\"clientId\":\"bench\"}",
                admin);
        String bench = Http.basic("bench", created.get("secret").asText());
        checkOneMint(http, base, bench);

        System.err.println("authority-load: " + backend + ": warm-up " + warmupSeconds + " s");
        int warmedSeconds = warmUp(http, base, bench, authority.pid());
        System.err.println("authority-load: " + backend + ": minting for " + seconds + " s");
        String loadBefore = CpuUse.loadAverage();
        long authorityCpuBefore = authority.cpuNanos();
        Map<String, Long> threadsBefore = threadCpuTicks(authority.pid());
        long ownCpuBefore = CpuUse.process();
        Map<String, Object> mint = mint(http, base, bench, seconds);
        long ownCpu = CpuUse.process() - ownCpuBefore;
        Map<String, Long> threadsAfter = threadCpuTicks(authority.pid());
        long authorityCpu = authority.cpuNanos() - authorityCpuBefore;
        long mints = (Long) mint.get("mints");
        mint.put("warmupSecondsUsed", warmedSeconds);
        mint.put("loadAverageBefore", loadBefore);
        mint.put("loadAverageAfter", CpuUse.loadAverage());
        if (mints > 0) {
          mint.put("authorityCpuMicrosPerMint", round(authorityCpu / 1e3 / mints, 0));
          mint.put("loadGeneratorCpuMicrosPerMint", round(ownCpu / 1e3 / mints, 0));
          Map<String, Object> byThread = new LinkedHashMap<>();
          threadGroupShares(threadsBefore, threadsAfter)
              .forEach((g, share) -> byThread.put(g, round(share * authorityCpu / 1e3 / mints, 0)));
          mint.put("authorityCpuByThreadMicrosPerMint", byThread);
        }
        r.put("mint", mint);

        System.err.println("authority-load: " + backend + ": " + revocations + " revocations");
        r.put("feed", feed(http, base, admin));
      } finally {
        http.stop();
      }
    }
    return r;
  }

  /**
   * Mints for {@code --warmup} seconds, then on in slices of {@link #WARMUP_SLICE_SECONDS} while
   * the authority's JIT compiler threads still take more than {@link #JIT_SETTLED_SHARE} of its CPU
   * (at most {@link #WARMUP_MAX_SECONDS} in all), so the run measures compiled code, not
   * compilation: on a busy 2-core machine C2 can take much longer than usual to finish. Returns the
   * seconds spent. Without /proc the fixed warm-up alone is used.
   */
  private int warmUp(HttpClient http, String base, String auth, long pid)
      throws InterruptedException {
    mint(http, base, auth, warmupSeconds);
    int spent = warmupSeconds;
    while (spent < WARMUP_MAX_SECONDS) {
      Map<String, Long> before = threadCpuTicks(pid);
      mint(http, base, auth, WARMUP_SLICE_SECONDS);
      spent += WARMUP_SLICE_SECONDS;
      Double jit = threadGroupShares(before, threadCpuTicks(pid)).get("jit");
      if (jit == null || jit <= JIT_SETTLED_SHARE) {
        break;
      }
      System.err.printf(
          Locale.ROOT, "authority-load: JIT still busy (%.0f %% of the CPU)%n", jit * 100);
    }
    return spent;
  }

  /** Mints once and checks the answer's shape, so a broken setup cannot report a fast number. */
  private static void checkOneMint(HttpClient http, String base, String auth) throws IOException {
    JsonNode minted =
        send(http.newRequest(base + "/v1/capabilities").method(HttpMethod.POST), MINT, auth);
    if (!minted.path("token").isTextual()
        || !minted.path("tokenId").isTextual()
        || minted.path("revocationIds").size() == 0) {
      throw new IOException("the authority's mint answer lacks token, tokenId or revocationIds");
    }
  }

  /**
   * {@code clients} closed loops, each with its own connection, minting as fast as the answers come
   * for {@code secs} seconds.
   */
  private Map<String, Object> mint(HttpClient http, String base, String auth, int secs)
      throws InterruptedException {
    MintLoop.Shared shared = new MintLoop.Shared(http, URI.create(base + "/v1/capabilities"), auth);
    List<MintLoop> loops = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      loops.add(new MintLoop(shared));
    }
    long start = System.nanoTime();
    loops.forEach(MintLoop::next);
    Thread.sleep(secs * 1000L);
    long okAtEnd = shared.ok.get();
    long elapsed = System.nanoTime() - start;
    shared.running.set(false);
    if (!shared.stopped.tryAcquire(clients, 90, TimeUnit.SECONDS)) {
      throw new IllegalStateException("mint requests did not finish within 90 s");
    }
    long[] all = loops.stream().flatMapToLong(l -> Arrays.stream(l.latencies())).sorted().toArray();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mints", okAtEnd);
    m.put("failed", shared.failed.get());
    if (shared.firstFailure != null) {
      m.put("firstFailure", shared.firstFailure);
    }
    m.put("mintsPerSecond", round(okAtEnd / (elapsed / 1e9), 0));
    m.put("latencyP50Ms", ms(percentile(all, 0.50)));
    m.put("latencyP99Ms", ms(percentile(all, 0.99)));
    m.put("latencyMaxMs", ms(all.length == 0 ? 0 : all[all.length - 1]));
    return m;
  }

  /**
   * One client: sends a mint, and sends the next from the callback of the answer. Only one request
   * of a loop is in flight at a time, so its latency array is touched by one callback at a time.
   */
  private static final class MintLoop {
    static final class Shared {
      final HttpClient http;
      final URI uri;
      final String auth;
      final AtomicLong ok = new AtomicLong();
      final AtomicLong failed = new AtomicLong();
      final AtomicBoolean running = new AtomicBoolean(true);
      final Semaphore stopped = new Semaphore(0);
      volatile String firstFailure;

      Shared(HttpClient http, URI uri, String auth) {
        this.http = http;
        this.uri = uri;
        this.auth = auth;
      }
    }

    private final Shared shared;
    private long[] latencies = new long[1 << 14];
    private int count;

    MintLoop(Shared shared) {
      this.shared = shared;
    }

    void next() {
      if (!shared.running.get()) {
        shared.stopped.release();
        return;
      }
      long start = System.nanoTime();
      shared
          .http
          .newRequest(shared.uri)
          .method(HttpMethod.POST)
          .headers(h -> h.put(HttpHeader.AUTHORIZATION, shared.auth))
          .body(new StringRequestContent("application/json", MINT, StandardCharsets.UTF_8))
          .timeout(60, TimeUnit.SECONDS)
          .send(
              new BufferingResponseListener(64 * 1024) {
                @Override
                public void onComplete(Result result) {
                  long nanos = System.nanoTime() - start;
                  if (result.isSucceeded() && result.getResponse().getStatus() == 201) {
                    shared.ok.incrementAndGet();
                    if (count == latencies.length) {
                      latencies = Arrays.copyOf(latencies, count * 2);
                    }
                    latencies[count++] = nanos;
                  } else {
                    shared.failed.incrementAndGet();
                    if (shared.firstFailure == null) {
                      shared.firstFailure =
                          result.isFailed()
                              ? result.getFailure().toString()
                              : "HTTP " + result.getResponse().getStatus();
                    }
                  }
                  next();
                }
              });
    }

    /** Read after the loop stopped (the semaphore release orders it after every write). */
    long[] latencies() {
      return Arrays.copyOf(latencies, count);
    }
  }

  /** A follower long-polls the feed while revocations are posted one at a time. */
  private Map<String, Object> feed(HttpClient http, String base, String admin) throws Exception {
    Map<String, Long> seenAt = new ConcurrentHashMap<>();
    AtomicBoolean following = new AtomicBoolean(true);
    long startSequence =
        send(http.newRequest(base + "/v1/revocations?since=0"), null, null)
            .get("latestSequence")
            .asLong();
    Thread follower =
        new Thread(
            () -> {
              long since = startSequence;
              while (following.get()) {
                try {
                  JsonNode page =
                      send(
                          http.newRequest(base + "/v1/revocations?since=" + since + "&wait=30000"),
                          null,
                          null);
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
          http.newRequest(base + "/v1/revocations").method(HttpMethod.POST),
          "{\"revocationId\":\"" + id + "\",\"reason\":\"benchmark\"}",
          admin);
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

  /**
   * Sends {@code request} (with a JSON body and credentials when given); expects a 2xx JSON answer.
   */
  private static JsonNode send(Request request, String json, String auth) throws IOException {
    if (auth != null) {
      request.headers(h -> h.put(HttpHeader.AUTHORIZATION, auth));
    }
    if (json != null) {
      request.body(new StringRequestContent("application/json", json, StandardCharsets.UTF_8));
    }
    try {
      ContentResponse r = request.timeout(60, TimeUnit.SECONDS).send();
      if (r.getStatus() / 100 != 2) {
        throw new IOException(
            request.getURI() + " answered " + r.getStatus() + ": " + r.getContentAsString());
      }
      return JSON.readTree(r.getContent());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (TimeoutException | ExecutionException e) {
      throw new IOException(request.getURI() + ": " + e, e);
    }
  }

  /** The authority under test, running {@link AuthorityProcess} in a JVM of its own. */
  private record Authority(Process process, String url, String adminSecret)
      implements AutoCloseable {

    static Authority start(Path data, Path policy, String jdbcUrl, List<String> jvmArgs, Path log)
        throws IOException {
      List<String> command =
          JavaCommand.of(jvmArgs, AuthorityProcess.class, data.toString(), policy.toString());
      if (jdbcUrl != null) {
        command.add(jdbcUrl);
      }
      Process process =
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.to(log.toFile()))
              .start();
      // Read the ready line on another thread, so a hung start times out instead of blocking.
      CompletableFuture<String> ready =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return new BufferedReader(
                          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
                      .readLine();
                } catch (IOException e) {
                  return null;
                }
              });
      String line;
      try {
        line = ready.get(AUTHORITY_START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException | ExecutionException | TimeoutException e) {
        line = null;
      }
      String[] parts = line == null ? new String[0] : line.split(" ");
      if (parts.length != 3 || !parts[0].equals("ready")) {
        process.destroyForcibly();
        throw new IOException("the authority process did not start; see " + log);
      }
      return new Authority(process, parts[1], parts[2]);
    }

    long pid() {
      return process.pid();
    }

    /** Never prints the admin secret. */
    @Override
    public String toString() {
      return "Authority[" + url + "]";
    }

    /** CPU time (user + system) of the authority process so far. */
    long cpuNanos() {
      return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** Closes its standard input, which stops it gracefully; kills it if it does not stop. */
    @Override
    public void close() throws IOException, InterruptedException {
      process.getOutputStream().close();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * CPU clock ticks (user + system) per thread group of process {@code pid}, from
   * /proc/PID/task/TID/stat; empty where /proc is not available.
   */
  static Map<String, Long> threadCpuTicks(long pid) {
    Map<String, Long> ticks = new HashMap<>();
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          int close = stat.lastIndexOf(')');
          String name = stat.substring(stat.indexOf('(') + 1, close);
          // After the name: state is field 3, utime field 14 and stime field 15 of the line.
          String[] f = stat.substring(close + 2).split(" ");
          long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
          ticks.merge(task.getFileName() + " " + name, t, Long::sum);
        } catch (IOException | RuntimeException e) {
          // The thread ended meanwhile.
        }
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return ticks;
  }

  /**
   * The share of the CPU ticks used between the two snapshots that each thread group took (a thread
   * first seen in the second counts from zero): {@code http} (Jetty's request threads), {@code
   * jit}, {@code gc} and {@code other}; empty when no ticks were used or /proc is missing.
   */
  static Map<String, Double> threadGroupShares(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> groups = new LinkedHashMap<>();
    for (String g : List.of("http", "jit", "gc", "other")) {
      groups.put(g, 0L);
    }
    long total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long used = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      String name = e.getKey().substring(e.getKey().indexOf(' ') + 1);
      String group;
      if (name.startsWith("mandate-http")) {
        group = "http";
      } else if (name.contains("CompilerThre")) {
        group = "jit";
      } else if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
        group = "gc";
      } else {
        group = "other";
      }
      groups.merge(group, used, Long::sum);
      total += used;
    }
    Map<String, Double> shares = new LinkedHashMap<>();
    if (total > 0) {
      for (Map.Entry<String, Long> e : groups.entrySet()) {
        shares.put(e.getKey(), (double) e.getValue() / total);
      }
    }
    return shares;
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
