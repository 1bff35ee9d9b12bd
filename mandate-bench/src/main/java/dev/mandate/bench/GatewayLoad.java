package dev.mandate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Call;
import dev.mandate.token.Proof;
import dev.mandate.wire.MandateHeaders;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The gateway load benchmark: direct calls to an upstream HTTP API against the same calls through
 * the gateway, on loopback, with each party in its own JVM so that none of them competes with
 * another inside one process: this JVM is the load generator (Jetty's asynchronous HTTP client,
 * latencies in HdrHistogram), a second JVM runs the upstream (a Jetty handler), a third the
 * authority (SQLite) and the gateways.
 *
 * <ul>
 *   <li><b>Fixed rate</b> (open loop): requests are sent on a fixed schedule (default 1,000/s for
 *       20 s) whatever the answers do, and each latency is measured from the request's
 *       <em>intended</em> send time, so a stall is charged to every request it delays (no
 *       coordinated omission).
 *   <li><b>Saturation</b> (closed loop): N connections (default 16) each send the next request as
 *       soon as the previous one is answered, for 15 s.
 * </ul>
 *
 * Every target first gets a saturating warm-up, then a warm-up in each shape on the connections it
 * is measured on; the measured seconds are taken in slices, the targets in turn. The gateway's
 * audit spool uses {@code sync: batched} (the main figures) and {@code sync: always} (fsync per
 * call, group commit). Also reported: CPU time per call of each process, and of the gateway's
 * process by thread, which move less than wall time when other processes compete for the cores.
 *
 * <p>{@code java -cp benchmarks.jar dev.mandate.bench.GatewayLoad OUT.json [DOC.md COMMAND
 * MACHINE]}; with a document, the section between {@code <!-- gateway:start -->} and {@code <!--
 * gateway:end -->} is rewritten. System properties {@code bench.rate}, {@code bench.fixedSeconds},
 * {@code bench.saturationSeconds}, {@code bench.connections}, {@code bench.warmupSeconds} change
 * the shape; {@code bench.gatewayJvmOptions} adds options to the gateway's JVM (for a profiler).
 * The peer processes are this class started with {@code --upstream} and {@code --gateways
 * UPSTREAM_URL}; they talk to this process over their standard input and output.
 */
public final class GatewayLoad {
  private static final BenchDoc DOC = new BenchDoc("gateway", "## Gateway", "GatewayLoad");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] UPSTREAM_BODY =
      "{\"id\":\"42\",\"name\":\"widget\",\"ok\":true}".getBytes(StandardCharsets.UTF_8);

  private static final int OPEN_LOOP_CONNECTIONS = 64;
  private static final int SLICE_SECONDS = 5;

  /** Lines of the peers' protocol on their standard output start with this; the rest is noise. */
  private static final String PROTOCOL = "@@";

  static final String GENERATOR = "load generator";
  static final String UPSTREAM = "upstream";
  static final String GATEWAY = "gateway + authority";

  /**
   * The holder key of the bound capability the gateway process mints and {@code --drive} proves
   * with: from a fixed seed, so that both processes know it without passing a private key around (a
   * benchmark's throwaway key, never a deployment's).
   */
  private static final SigningKey BENCH_HOLDER = benchHolder();

  /** The call {@code GET /items/42} as sent, which a holder's proof signs (spec §7). */
  private static Call itemCall() {
    return Call.http(BenchGateway.AUDIENCE, "api", "GET", "/items/42", null);
  }

  private static SigningKey benchHolder() {
    try {
      byte[] seed =
          MessageDigest.getInstance("SHA-256")
              .digest("mandate-bench gateway-load holder".getBytes(StandardCharsets.UTF_8));
      return SigningKey.fromSeed(seed, InsecureSecretKeyAccess.get());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private GatewayLoad() {}

  /**
   * The external generator of {@code bin/bench-hop} for what h2load cannot send: {@code --drive URL
   * SHAPE SECONDS N CREDENTIAL}, SHAPE {@code rate} (N calls/s, open loop, latency from each call's
   * intended send time) or {@code saturation} (N connections, closed loop); CREDENTIAL {@code
   * none}, {@code bearer:TOKEN} or {@code holder:TOKEN} (a fresh proof per call with the bench's
   * holder key: signed per call in the warm-up, then pre-signed before measuring, N × SECONDS at a
   * rate and {@code bench.presign} at saturation, so that the generator's signing, ~0.1 to 0.4 ms
   * each, does not pace the measured calls). Warms up for {@code bench.warmupSeconds} at saturation
   * first and prints the protocol line WARM when measuring starts; then one line: {@code calls=..
   * seconds=.. errors=.. p50us=.. p99us=..}.
   */
  private static void drive(String url, String shape, int seconds, int n, String credential)
      throws Exception {
    Auth auth; // reassigned once warm: a holder's proofs are pre-signed then
    if (credential.startsWith("bearer:")) {
      auth = Auth.bearer(credential.substring(7));
    } else if (credential.startsWith("holder:")) {
      auth = Auth.holder(credential.substring(7), BENCH_HOLDER, itemCall());
    } else {
      auth = h -> {};
    }
    boolean rate = shape.equals("rate");
    try (LoadClient client = new LoadClient(rate ? OPEN_LOOP_CONNECTIONS : n)) {
      // This JVM's own hot paths compiled first; then a line tells the script that measuring
      // starts (it reads the target's CPU time), and a pause lets it read before the first call.
      client.saturate(url, auth, rate ? 10 : n, Phase.WARMUP_SECONDS);
      if (credential.startsWith("holder:")) {
        int count = rate ? n * seconds + n : Integer.getInteger("bench.presign", 40_000);
        auth = Auth.presigned(credential.substring(7), BENCH_HOLDER, itemCall(), count);
      }
      System.out.println(PROTOCOL + "WARM");
      System.out.flush();
      Thread.sleep(300);
      Run run =
          rate ? client.fixedRate(url, auth, n, seconds) : client.saturate(url, auth, n, seconds);
      System.out.printf(
          Locale.ROOT,
          "calls=%d seconds=%.2f errors=%d p50us=%d p99us=%d%n",
          run.calls(),
          run.seconds(),
          run.errors(),
          run.latency().getValueAtPercentile(50) / 1000,
          run.latency().getValueAtPercentile(99) / 1000);
    }
    System.exit(0);
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--upstream")) {
      runUpstream();
      return;
    }
    if (args.length == 2 && args[0].equals("--gateways")) {
      runGateways(args[1]);
      return;
    }
    if (args.length == 6 && args[0].equals("--drive")) {
      drive(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), args[5]);
      return;
    }
    if (args.length != 1 && args.length != 4) {
      System.err.println("usage: GatewayLoad OUT.json [DOC.md COMMAND MACHINE]");
      System.exit(2);
    }
    List<Phase> phases = new ArrayList<>();
    String loadBefore;
    String loadAfter;
    try (Peer upstream = Peer.start(UPSTREAM, List.of("-Xms256m", "-Xmx512m"), "--upstream")) {
      String upstreamUrl = upstream.ready().get("url");
      try (Peer gateways = Peer.start(GATEWAY, gatewayJvmOptions(), "--gateways", upstreamUrl)) {
        Map<String, String> ready = gateways.ready();
        String bearer = "Bearer " + ready.get("token");
        Auth auth = Auth.bearer(ready.get("token"));
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("direct", upstreamUrl + "/items/42");
        targets.put("gateway (sync: batched)", ready.get("batched") + "/items/42");
        targets.put("gateway (sync: always)", ready.get("always") + "/items/42");
        // A sanity check that every target answers 200, so no phase measures denials.
        for (String url : targets.values()) {
          check(url, bearer);
        }
        List<Peer> peers = List.of(upstream, gateways);
        // Compile the hot paths of every process (generator, upstream, gateways) before the first
        // measured phase, so that no phase, "direct" first of all, is measured half interpreted.
        for (String url : targets.values()) {
          try (LoadClient client = new LoadClient(Phase.CONNECTIONS)) {
            client.saturate(url, auth, Phase.CONNECTIONS, Phase.WARMUP_SECONDS);
          }
        }
        loadBefore = CpuUse.loadAverage();
        phases.addAll(
            interleaved(
                targets,
                peers,
                "fixed " + Phase.RATE + "/s",
                OPEN_LOOP_CONNECTIONS,
                Phase.FIXED_SECONDS,
                (client, url, seconds) -> client.fixedRate(url, auth, Phase.RATE, seconds)));
        phases.addAll(
            interleaved(
                targets,
                peers,
                "saturation, " + Phase.CONNECTIONS + " conns",
                Phase.CONNECTIONS,
                Phase.SATURATION_SECONDS,
                (client, url, seconds) -> client.saturate(url, auth, Phase.CONNECTIONS, seconds)));
        loadAfter = CpuUse.loadAverage();
      }
    }

    ObjectNode out = Phase.settings(Map.of(), loadBefore, loadAfter);
    Phase.writeJson(Path.of(args[0]), out, phases);
    String section =
        markdown(out, phases, args.length == 4 ? args[2] : null, args.length == 4 ? args[3] : null);
    System.out.println(section);
    if (args.length == 4) {
      DOC.rewrite(Path.of(args[1]), section);
    }
    System.exit(0);
  }

  /** The gateway JVM's options; {@code bench.gatewayJvmOptions} adds some (e.g. for JFR). */
  private static List<String> gatewayJvmOptions() {
    List<String> options = new ArrayList<>(List.of("-Xms512m", "-Xmx1g"));
    String extra = System.getProperty("bench.gatewayJvmOptions", "").trim();
    if (!extra.isEmpty()) {
      options.addAll(List.of(extra.split("\\s+")));
    }
    return options;
  }

  // ---- measuring ----

  /** What one run of the load generator measured. Latencies in nanoseconds. */
  record Run(Histogram latency, long calls, long errors, double seconds) {}

  /** One way of loading a target for some seconds. */
  interface Shape {
    Run run(LoadClient client, String url, int seconds) throws Exception;
  }

  /**
   * Measures every target in the same shape, in slices of {@value #SLICE_SECONDS} s taken in turn
   * (direct, batched, always, direct, ...), so that a burst of load from outside the benchmark
   * falls on all targets alike instead of on whichever was running; each target's connections stay
   * open throughout and are warmed up first.
   */
  private static List<Phase> interleaved(
      Map<String, String> targets,
      List<Peer> peers,
      String mode,
      int connections,
      int seconds,
      Shape shape)
      throws Exception {
    Map<String, LoadClient> clients = new LinkedHashMap<>();
    Map<String, Tally> tallies = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, String> t : targets.entrySet()) {
        LoadClient client = new LoadClient(connections);
        clients.put(t.getKey(), client);
        tallies.put(t.getKey(), new Tally());
        shape.run(client, t.getValue(), Phase.WARMUP_SECONDS);
      }
      for (int done = 0; done < seconds; done += SLICE_SECONDS) {
        int slice = Math.min(SLICE_SECONDS, seconds - done);
        for (Map.Entry<String, String> t : targets.entrySet()) {
          LoadClient client = clients.get(t.getKey());
          tallies.get(t.getKey()).add(peers, () -> shape.run(client, t.getValue(), slice));
        }
      }
    } finally {
      for (LoadClient c : clients.values()) {
        c.close();
      }
    }
    List<Phase> phases = new ArrayList<>();
    for (Map.Entry<String, Tally> e : tallies.entrySet()) {
      Phase p = e.getValue().phase(e.getKey(), mode);
      System.out.println(p);
      phases.add(p);
    }
    return phases;
  }

  /** Runs of one target added up, with the CPU time each process spent during them. */
  private static final class Tally {
    private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private long calls;
    private long errors;
    private double seconds;
    private long self;
    private final Map<String, Long> byPeer = new LinkedHashMap<>();
    private final Map<String, Long> byGatewayThread = new TreeMap<>();
    private long gatewayUnattributed;

    interface Load {
      Run run() throws Exception;
    }

    /** Runs {@code load}, charging each process's CPU time over the run to its calls. */
    void add(List<Peer> peers, Load load) throws Exception {
      Map<Peer, CpuSample> before = new HashMap<>();
      for (Peer p : peers) {
        before.put(p, p.cpu());
      }
      long selfBefore = CpuUse.process();
      Run run = load.run();
      self += CpuUse.process() - selfBefore;
      latency.add(run.latency());
      calls += run.calls();
      errors += run.errors();
      seconds += run.seconds();
      for (Peer p : peers) {
        CpuSample after = p.cpu();
        CpuSample b = before.get(p);
        long used = after.process() - b.process();
        byPeer.merge(p.name(), used, Long::sum);
        if (p.name().equals(GATEWAY)) {
          long attributed = 0;
          for (Map.Entry<String, Long> e : after.threads().entrySet()) {
            long t = e.getValue() - b.threads().getOrDefault(e.getKey(), 0L);
            if (t > 0) {
              attributed += t;
              byGatewayThread.merge(e.getKey(), t, Long::sum);
            }
          }
          gatewayUnattributed += Math.max(0, used - attributed);
        }
      }
    }

    /**
     * The runs as one phase. CPU by process ({@link #GENERATOR}, {@link #UPSTREAM}, {@link
     * #GATEWAY}) and, in the gateway's process, by thread role, with {@code other} for what no live
     * thread accounts for: threads that ended.
     */
    Phase phase(String target, String mode) {
      Map<String, Double> byProcess = new LinkedHashMap<>();
      byProcess.put(GENERATOR, perCall(self));
      double total = self;
      for (Map.Entry<String, Long> e : byPeer.entrySet()) {
        byProcess.put(e.getKey(), perCall(e.getValue()));
        total += e.getValue();
      }
      Map<String, Double> byThread = new TreeMap<>();
      byGatewayThread.forEach((k, v) -> byThread.put(k, perCall(v)));
      byThread.put("other", perCall(gatewayUnattributed));
      return Phase.measured(
          target,
          mode,
          calls,
          errors,
          seconds,
          latency,
          perCall((long) total),
          byProcess,
          byThread);
    }

    private double perCall(long nanos) {
      return Phase.microsPerCall(nanos, calls);
    }
  }

  /** The credentials one call carries, set on its headers as it is sent. */
  interface Auth {
    void apply(HttpFields.Mutable headers);

    /** A bearer capability: the same header on every call. */
    static Auth bearer(String token) {
      String value = "Bearer " + token;
      return h -> h.put(HttpHeader.AUTHORIZATION, value);
    }

    /**
     * A holder-bound capability: each call carries a fresh proof over exactly its request, signed
     * by this process as it sends the call (an Ed25519 signature, ~50 µs of the generator's CPU).
     */
    static Auth holder(String token, SigningKey holder, Call call) {
      String value = "Bearer " + token;
      SecureRandom random = new SecureRandom();
      return h -> {
        h.put(HttpHeader.AUTHORIZATION, value);
        h.put(
            MandateHeaders.PROOF, Proof.create(holder, token, call, Instant.now(), random).text());
      };
    }

    /**
     * A holder-bound capability with {@code count} distinct proofs signed before the run (on every
     * core, timestamped now: they must be used within the gateway's proof window), handed out one
     * per call so that the generator's signing does not pace the run; past them, one is signed per
     * call.
     */
    static Auth presigned(String token, SigningKey holder, Call call, int count) {
      Auth fallback = holder(token, holder, call);
      String value = "Bearer " + token;
      Instant now = Instant.now();
      String[] proofs =
          IntStream.range(0, count)
              .parallel()
              .mapToObj(i -> Proof.create(holder, token, call, now, new SecureRandom()).text())
              .toArray(String[]::new);
      AtomicInteger next = new AtomicInteger();
      return h -> {
        int i = next.getAndIncrement();
        if (i >= proofs.length) {
          fallback.apply(h);
          return;
        }
        h.put(HttpHeader.AUTHORIZATION, value);
        h.put(MandateHeaders.PROOF, proofs[i]);
      };
    }
  }

  /** The load generator: Jetty's asynchronous client over at most {@code connections}. */
  static final class LoadClient implements AutoCloseable {
    private final org.eclipse.jetty.client.HttpClient client;

    LoadClient(int connections) throws Exception {
      QueuedThreadPool threads = new QueuedThreadPool(16, 2);
      threads.setName("loadgen");
      threads.setDaemon(true);
      client = new org.eclipse.jetty.client.HttpClient();
      client.setExecutor(threads);
      client.setMaxConnectionsPerDestination(connections);
      client.setMaxRequestsQueuedPerDestination(1 << 20);
      client.setFollowRedirects(false);
      client.setConnectTimeout(5_000);
      client.setIdleTimeout(60_000);
      client.getContentDecoderFactories().clear();
      client.setUserAgentField(null);
      client.start();
    }

    private void send(URI uri, Auth auth, org.eclipse.jetty.client.Response.Listener listener) {
      client
          .newRequest(uri)
          .method(HttpMethod.GET)
          .headers(auth::apply)
          .timeout(30, TimeUnit.SECONDS)
          .send(listener);
    }

    private static boolean failed(Result r) {
      return r.isFailed() || r.getResponse().getStatus() != 200;
    }

    /**
     * Open loop: request i is sent at start + i / rate by a pacing thread, whatever the earlier
     * ones do; its latency runs from that due time to the end of the answer, so time spent waiting
     * for a free connection (the client queues beyond its connections) is charged to the call.
     */
    Run fixedRate(String url, Auth auth, int rate, int seconds) throws InterruptedException {
      URI uri = URI.create(url);
      int total = rate * seconds;
      long interval = 1_000_000_000L / rate;
      Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
      AtomicLong errors = new AtomicLong();
      AtomicLong lastEnd = new AtomicLong();
      CountDownLatch done = new CountDownLatch(total);
      long start = System.nanoTime() + 20_000_000L;
      for (int i = 0; i < total; i++) {
        long due = start + i * interval;
        long wait;
        // Parking, not spinning: a spinning pacer would take a core from the processes under
        // test. Sending up to the park's slack (~0.1 ms) late is charged to the call.
        while ((wait = due - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        send(
            uri,
            auth,
            new org.eclipse.jetty.client.Response.Listener() {
              @Override
              public void onComplete(Result result) {
                long end = System.nanoTime();
                recorder.recordValue(Math.max(0, end - due));
                if (failed(result)) {
                  errors.incrementAndGet();
                }
                lastEnd.accumulateAndGet(end, Math::max);
                done.countDown();
              }
            });
      }
      if (!done.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("calls still unanswered 120 s after the last was sent");
      }
      return new Run(
          recorder.getIntervalHistogram(), total, errors.get(), (lastEnd.get() - start) / 1e9);
    }

    /** Closed loop: {@code connections} callers, each sending the next call when one ends. */
    Run saturate(String url, Auth auth, int connections, int seconds) throws InterruptedException {
      URI uri = URI.create(url);
      Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
      AtomicLong errors = new AtomicLong();
      AtomicLong calls = new AtomicLong();
      CountDownLatch done = new CountDownLatch(connections);
      long start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
      // One closed-loop caller: it sends the next call when the last one ends.
      final class Caller implements org.eclipse.jetty.client.Response.Listener {
        private long sentAt;

        void next() {
          sentAt = System.nanoTime();
          if (sentAt >= deadline) {
            done.countDown();
            return;
          }
          send(uri, auth, this);
        }

        @Override
        public void onComplete(Result result) {
          recorder.recordValue(System.nanoTime() - sentAt);
          calls.incrementAndGet();
          if (failed(result)) {
            errors.incrementAndGet();
          }
          next();
        }
      }
      for (int c = 0; c < connections; c++) {
        new Caller().next();
      }
      if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
        throw new IllegalStateException("callers still busy 60 s after the deadline");
      }
      return new Run(
          recorder.getIntervalHistogram(),
          calls.get(),
          errors.get(),
          (System.nanoTime() - start) / 1e9);
    }

    @Override
    public void close() throws Exception {
      client.stop();
    }
  }

  private static void check(String url, String auth) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).build(),
                HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  // ---- the peer processes ----

  /** CPU time of a process and of its live threads grouped by name, in nanoseconds. */
  record CpuSample(long process, Map<String, Long> threads) {}

  /** A peer JVM running this class with a role argument; closing it stops it. */
  static final class Peer implements AutoCloseable {
    private final String name;
    private final Process process;
    private final BufferedReader out;
    private final PrintStream in;

    private Peer(String name, Process process) {
      this.name = name;
      this.process = process;
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** Starts this class in a new JVM with {@code jvmOptions} and the role {@code args}. */
    static Peer start(String name, List<String> jvmOptions, String... args) throws IOException {
      Process p =
          new ProcessBuilder(JavaCommand.of(jvmOptions, GatewayLoad.class, args))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      return new Peer(name, p);
    }

    String name() {
      return name;
    }

    /** Waits for the peer's {@code READY key=value ...} line. */
    Map<String, String> ready() throws IOException {
      String line = reply();
      if (!line.startsWith("READY")) {
        throw new IllegalStateException(name + " did not start: " + line);
      }
      Map<String, String> values = new HashMap<>();
      for (String kv : line.substring(5).trim().split(" ")) {
        int eq = kv.indexOf('=');
        values.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
      return values;
    }

    CpuSample cpu() throws IOException {
      in.println("cpu");
      JsonNode n = JSON.readTree(reply());
      Map<String, Long> threads = new HashMap<>();
      n.get("threads")
          .fields()
          .forEachRemaining(e -> threads.put(e.getKey(), e.getValue().asLong()));
      return new CpuSample(n.get("process").asLong(), threads);
    }

    private String reply() throws IOException {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(PROTOCOL)) {
          return line.substring(PROTOCOL.length());
        }
        System.err.println("[" + name + "] " + line);
      }
      throw new IllegalStateException(name + " exited with status " + exitStatus());
    }

    private String exitStatus() {
      try {
        return String.valueOf(process.waitFor());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "unknown";
      }
    }

    @Override
    public void close() throws InterruptedException {
      in.println("stop");
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /**
   * A peer's life after start-up: answers {@code cpu} with its CPU sample, and ends on {@code stop}
   * or when the load generator goes away (its standard input closes).
   */
  private static void servePeer(String readyLine, AutoCloseable resources) throws Exception {
    PrintStream protocol = System.out;
    // Anything else a library prints to standard output must not be taken for the protocol.
    System.setOut(System.err);
    protocol.println(PROTOCOL + readyLine);
    protocol.flush();
    BufferedReader commands =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = commands.readLine()) != null && !line.equals("stop")) {
      if (line.equals("cpu")) {
        protocol.println(PROTOCOL + CpuUse.sample());
        protocol.flush();
      }
    }
    resources.close();
    System.exit(0);
  }

  /** The upstream process: a trivial API answering a small JSON object to every request. */
  private static void runUpstream() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("upstream");
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put("Content-Type", "application/json");
            response.getHeaders().put("Content-Length", UPSTREAM_BODY.length);
            response.write(true, ByteBuffer.wrap(UPSTREAM_BODY), callback);
            return true;
          }
        });
    server.start();
    servePeer("READY url=http://127.0.0.1:" + connector.getLocalPort(), server::stop);
  }

  /** The gateway process: an authority on SQLite and two gateways (batched and always). */
  private static void runGateways(String upstreamUrl) throws Exception {
    Path tmp = Files.createTempDirectory("mandate-gateway-load");
    Stack authority = BenchGateway.authority(tmp.resolve("authority"), "api:*:/**");
    String token = BenchGateway.token(authority, "api:get_item:/items/**");
    // The same grant bound to the bench's holder key: each call needs a proof (--drive holder:).
    String holderToken =
        BenchGateway.boundToken(
            authority, BENCH_HOLDER.verifyingKey().toText(), "api:get_item:/items/**");
    GatewayServer batched = gateway(tmp, "batched", authority, upstreamUrl);
    GatewayServer always = gateway(tmp, "always", authority, upstreamUrl);
    servePeer(
        "READY batched="
            + batched.url()
            + " always="
            + always.url()
            + " token="
            + token
            + " holderToken="
            + holderToken,
        () -> {
          batched.close();
          always.close();
          authority.close();
        });
  }

  private static GatewayServer gateway(Path tmp, String sync, Stack authority, String upstreamUrl)
      throws IOException {
    return BenchGateway.start(
        tmp.resolve("gateway-" + sync),
        authority.url(),
        authority.secret("gateway"),
        sync,
        """
        http:
          upstreams:
            api: {url: "%s"}
          routes:
            - {match: "GET /items/{id}", upstream: api, action: get_item, resource: "/items/{id}"}
        """
            .formatted(upstreamUrl),
        List.of());
  }

  // ---- report ----

  /** Columns of the CPU table for the gateway's process: label, then thread name prefixes. */
  private static final String[][] GATEWAY_THREADS = {
    {"gateway threads (requests, upstream client)", "mandate-gateway-http"},
    {"audit spool + upload", "mandate-audit-upload", "mandate-spool-flush"},
    {"authority", "mandate-http", "mandate-authority-tasks", "mandate-store"},
  };

  static String markdown(ObjectNode out, List<Phase> phases, String command, String machine) {
    StringBuilder md =
        DOC.begin(
            out,
            command,
            machine,
            "2 cores: the benchmark's own processes account for up to about 2; much more means"
                + " other processes competed for the CPU and latencies are inflated");
    md.append(
        "Three JVMs on loopback: the load generator (Jetty's asynchronous HTTP client, HTTP/1.1"
            + " keep-alive, latencies in HdrHistogram), the upstream (a Jetty handler answering a"
            + " 38-byte JSON object), and the gateways with the authority (SQLite; route `GET"
            + " /items/{id}`, bearer token, verification cache warm, audit spool uploading to the"
            + " authority meanwhile). Fixed rate: open loop over at most "
            + OPEN_LOOP_CONNECTIONS
            + " connections, latency from each request's intended send time (no coordinated"
            + " omission), "
            + out.get("fixedSeconds").asInt()
            + " s. Saturation: closed loop, "
            + out.get("connections").asInt()
            + " connections, "
            + out.get("saturationSeconds").asInt()
            + " s. Each target is first warmed up at saturation, then in each shape for "
            + out.get("warmupSeconds").asInt()
            + " s; the measured seconds are taken in "
            + SLICE_SECONDS
            + " s slices in turn (direct, batched, always, direct, ...), so that load from"
            + " outside the benchmark falls on all three alike."
            + " CPU µs/call is the CPU time of all three processes divided by the"
            + " calls.\n\n");
    md.append(Phase.table(phases));
    md.append(Phase.overhead(phases, out.get("rate").asInt(), true));
    Phase directFixed = Phase.find(phases, "direct", "fixed");
    Phase directSat = Phase.find(phases, "direct", "saturation");
    List<String> verdicts = new ArrayList<>();
    for (Phase p : phases) {
      if (p.target().equals("direct") || !p.mode().startsWith("fixed")) {
        continue;
      }
      Phase sat = Phase.find(phases, p.target(), "saturation");
      double addedP50 = p.p50Ms() - directFixed.p50Ms();
      double addedP99 = p.p99Ms() - directFixed.p99Ms();
      double ratio = sat.throughput() / directSat.throughput();
      verdicts.add(
          String.format(
              Locale.ROOT,
              "- %s: added p50 %.3f ms (target ≤ 0.5: %s), added p99 %.3f ms (target ≤ 3: %s),"
                  + " throughput %.0f %% of direct (target ≥ 70 %%: %s).",
              p.target(),
              addedP50,
              addedP50 <= 0.5 ? "met" : "not met",
              addedP99,
              addedP99 < 0
                  ? "met, but direct's p99 was the higher: the tail is noise from outside the"
                      + " benchmark"
                  : addedP99 <= 3 ? "met" : "not met",
              ratio * 100,
              ratio >= 0.7 ? "met" : "not met"));
    }
    md.append(
        "\nWhere the CPU goes, µs per call by process and, in the gateway's process, by thread"
            + " (the gateway threads parse, decide, append to the spool and relay, and also run"
            + " the upstream client's I/O; \"other\" is the rest of that process: garbage"
            + " collection, the JIT compiler, threads that ended):\n\n");
    md.append("| Target | Mode | ").append(GENERATOR).append(" | ").append(UPSTREAM).append(" |");
    for (String[] g : GATEWAY_THREADS) {
      md.append(' ').append(g[0]).append(" |");
    }
    md.append(" other (gateway process) | total |\n|---|---|");
    md.append("---:|".repeat(GATEWAY_THREADS.length + 4)).append('\n');
    for (Phase p : phases) {
      md.append("| ").append(p.target()).append(" | ").append(p.mode()).append(" |");
      md.append(
          String.format(
              Locale.ROOT,
              " %.0f | %.0f |",
              p.cpuMicrosPerCallByProcess().getOrDefault(GENERATOR, 0.0),
              p.cpuMicrosPerCallByProcess().getOrDefault(UPSTREAM, 0.0)));
      double listed = 0;
      for (String[] g : GATEWAY_THREADS) {
        double sum = 0;
        for (Map.Entry<String, Double> e : p.gatewayCpuMicrosPerCallByThread().entrySet()) {
          for (int k = 1; k < g.length; k++) {
            if (e.getKey().startsWith(g[k])) {
              sum += e.getValue();
              break;
            }
          }
        }
        listed += sum;
        md.append(String.format(Locale.ROOT, " %.0f |", sum));
      }
      double gatewayProcess = p.cpuMicrosPerCallByProcess().getOrDefault(GATEWAY, 0.0);
      md.append(
          String.format(
              Locale.ROOT,
              " %.0f | %.0f |%n",
              Math.max(0, gatewayProcess - listed),
              p.cpuMicrosPerCall()));
    }
    md.append("\nTargets:\n\n");
    for (String v : verdicts) {
      md.append(v).append('\n');
    }
    return DOC.finish(md);
  }
}
