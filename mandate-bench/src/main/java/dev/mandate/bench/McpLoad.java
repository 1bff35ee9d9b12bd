package dev.mandate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The MCP load benchmark: {@code tools/call} sent straight to an upstream MCP server over
 * Streamable HTTP, and the same calls through the gateway's MCP front end, on loopback.
 *
 * <p>Four processes: this load generator, the upstream (an MCP Java SDK server with an {@code echo}
 * tool), the authority (SQLite) and the gateway (MCP front end forwarding to the upstream over
 * Streamable HTTP, bearer token, verification cache warm, decisions spooled and uploaded to the
 * authority); see {@link McpPeers}. Every connection of the load generator holds its own MCP
 * session, initialised once ({@code initialize} + {@code notifications/initialized}) before
 * anything is measured; only {@code tools/call} is timed.
 *
 * <ul>
 *   <li><b>Fixed rate</b> (open loop): calls are due at start + i / rate whatever the answers do; a
 *       pacing thread hands each due call to one of {@code bench.openConnections} senders, and its
 *       latency runs from the due time, so waiting for a free connection is charged to the call (no
 *       coordinated omission).
 *   <li><b>Saturation</b> (closed loop): {@code bench.connections} connections each send the next
 *       call as soon as the previous one is answered.
 * </ul>
 *
 * Each phase is preceded by a warm-up of the same shape on the same sessions. CPU time is read from
 * every process before and after each phase and reported per call.
 *
 * <p>{@code java -cp benchmarks.jar dev.mandate.bench.McpLoad OUT.json LOG [DOC.md COMMAND
 * MACHINE]}; with a document, the section between {@code <!-- mcp:start -->} and {@code <!--
 * mcp:end -->} is rewritten. System properties {@code bench.rate}, {@code bench.fixedSeconds},
 * {@code bench.saturationSeconds}, {@code bench.connections}, {@code bench.openConnections}, {@code
 * bench.warmupSeconds} change the shape; {@code bench.jfr=PATH} records the gateway with JDK Flight
 * Recorder.
 */
public final class McpLoad {
  private static final BenchDoc DOC = new BenchDoc("mcp", "## MCP tools/call", "McpLoad");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROTOCOL_VERSION = "2025-11-25";
  private static final String MESSAGE = "hello from the load generator";
  private static final String EXPECTED = "Echo: " + MESSAGE;

  private static final int RATE = Integer.getInteger("bench.rate", 1000);
  private static final int FIXED_SECONDS = Integer.getInteger("bench.fixedSeconds", 20);
  private static final int SATURATION_SECONDS = Integer.getInteger("bench.saturationSeconds", 15);
  private static final int CONNECTIONS = Integer.getInteger("bench.connections", 16);
  private static final int OPEN_CONNECTIONS = Integer.getInteger("bench.openConnections", 64);
  private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmupSeconds", 5);
  private static final String JFR = System.getProperty("bench.jfr");
  private static final List<String> TARGETS =
      List.of(System.getProperty("bench.targets", "direct,gateway").split(","));
  private static final List<String> MODES =
      List.of(System.getProperty("bench.modes", "fixed,saturation").split(","));

  private McpLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 && args.length != 5) {
      System.err.println("usage: McpLoad OUT.json LOG [DOC.md COMMAND MACHINE]");
      System.exit(2);
    }
    Path log = Path.of(args[1]);
    Files.deleteIfExists(log);
    Path tmp = Files.createTempDirectory("mandate-mcp-load");
    Map<String, Peer> peers = new LinkedHashMap<>();
    try {
      Peer upstream = Peer.start("upstream", log, Map.of(), List.of(), "upstream");
      peers.put("upstream", upstream);
      Peer authority =
          Peer.start(
              "authority", log, Map.of(), List.of(), "authority", tmp.resolve("a").toString());
      peers.put("authority", authority);
      List<String> gatewayJvm =
          JFR == null
              ? List.of()
              : List.of("-XX:StartFlightRecording=filename=" + JFR + ",settings=profile");
      Peer gateway =
          Peer.start(
              "gateway",
              log,
              Map.of("GW_SECRET", authority.ready.get("gatewaySecret").asText()),
              gatewayJvm,
              "gateway",
              tmp.resolve("g").toString(),
              authority.ready.get("url").asText(),
              upstream.ready.get("url").asText());
      peers.put("gateway", gateway);
      String auth = "Bearer " + authority.ready.get("token").asText();

      Map<String, String> targets = new LinkedHashMap<>();
      targets.put("direct", upstream.ready.get("url").asText());
      targets.put("gateway", gateway.ready.get("url").asText());
      targets.keySet().retainAll(TARGETS);
      HttpClient client = client();
      // A sanity check per target: a session opens and a call is answered with the echo, so no
      // phase measures refusals.
      for (String url : targets.values()) {
        McpClient c = new McpClient(client, url, auth);
        c.call(0);
        c.close();
      }

      String loadBefore = CpuUse.loadAverage();
      List<Phase> phases = new ArrayList<>();
      for (Map.Entry<String, String> t : targets.entrySet()) {
        if (MODES.contains("fixed")) {
          Phase p = fixedRate(t.getKey(), t.getValue(), auth, client, peers);
          System.out.println(p);
          phases.add(p);
        }
      }
      for (Map.Entry<String, String> t : targets.entrySet()) {
        if (MODES.contains("saturation")) {
          Phase p = saturate(t.getKey(), t.getValue(), auth, client, peers);
          System.out.println(p);
          phases.add(p);
        }
      }
      String loadAfter = CpuUse.loadAverage();

      ObjectNode out =
          Phase.settings(
              RATE,
              FIXED_SECONDS,
              SATURATION_SECONDS,
              CONNECTIONS,
              Map.of("openConnections", OPEN_CONNECTIONS),
              WARMUP_SECONDS,
              loadBefore,
              loadAfter);
      Phase.writeJson(Path.of(args[0]), out, phases);
      // A partial run (bench.targets, bench.modes) is for profiling: no report.
      if (phases.size() == 4) {
        String section =
            markdown(
                out, phases, args.length == 5 ? args[3] : null, args.length == 5 ? args[4] : null);
        System.out.println(section);
        if (args.length == 5) {
          DOC.rewrite(Path.of(args[2]), section);
        }
      }
    } finally {
      // Peers exit when their standard input closes; gateway first, so its spool drains.
      List<Peer> reversed = new ArrayList<>(peers.values());
      java.util.Collections.reverse(reversed);
      for (Peer p : reversed) {
        p.stop();
      }
    }
    System.exit(0);
  }

  // ---- load generation ----

  /** Open loop at {@link #RATE}: a warm-up, then the measured schedule, on the same sessions. */
  static Phase fixedRate(
      String target, String url, String auth, HttpClient client, Map<String, Peer> peers)
      throws Exception {
    List<McpClient> sessions = open(client, url, auth, OPEN_CONNECTIONS);
    try {
      // First a closed-loop burst, so the JIT has compiled the path before the measured phases;
      // then the fixed-rate warm-up.
      closedLoop(sessions.subList(0, Math.min(CONNECTIONS, sessions.size())), WARMUP_SECONDS, null);
      openLoop(sessions, RATE, WARMUP_SECONDS, null);
      Cpu before = Cpu.read(peers);
      Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
      long[] result = openLoop(sessions, RATE, FIXED_SECONDS, latency);
      Cpu after = Cpu.read(peers);
      return phase(
          target, "fixed " + RATE + "/s", latency, result[0], result[1] / 1e9, after.minus(before));
    } finally {
      close(sessions);
    }
  }

  /**
   * Sends {@code rate * seconds} calls on schedule; returns {errors, nanoseconds from the first due
   * time to the last answer}. Records latencies from due time when {@code latency} is not null.
   */
  private static long[] openLoop(List<McpClient> sessions, int rate, int seconds, Histogram latency)
      throws InterruptedException {
    int total = rate * seconds;
    long interval = 1_000_000_000L / rate;
    AtomicLong errors = new AtomicLong();
    AtomicLong lastEnd = new AtomicLong();
    BlockingQueue<Integer> due = new LinkedBlockingQueue<>();
    long start = System.nanoTime() + 20_000_000L;
    Histogram[] perSender = new Histogram[sessions.size()];
    Thread[] senders = new Thread[sessions.size()];
    for (int t = 0; t < senders.length; t++) {
      McpClient session = sessions.get(t);
      Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
      perSender[t] = h;
      senders[t] =
          new Thread(
              () -> {
                while (true) {
                  int i;
                  try {
                    i = due.take();
                  } catch (InterruptedException e) {
                    return;
                  }
                  if (i < 0) {
                    return;
                  }
                  if (!session.call(i)) {
                    errors.incrementAndGet();
                  }
                  long end = System.nanoTime();
                  h.recordValue(
                      Math.min(end - (start + i * interval), h.getHighestTrackableValue()));
                  lastEnd.accumulateAndGet(end, Math::max);
                }
              },
              "loadgen-open-" + t);
      senders[t].start();
    }
    for (int i = 0; i < total; i++) {
      long at = start + i * interval;
      long wait;
      // Parking, not spinning: a spinning pacer would take a core from the processes under test.
      // Sending up to the park's slack late is charged to the call (latency from due time).
      while ((wait = at - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      due.add(i);
    }
    for (int t = 0; t < senders.length; t++) {
      due.add(-1);
    }
    for (Thread t : senders) {
      t.join(TimeUnit.SECONDS.toMillis(180));
      t.interrupt();
    }
    if (latency != null) {
      for (Histogram h : perSender) {
        latency.add(h);
      }
    }
    return new long[] {errors.get(), lastEnd.get() - start};
  }

  /**
   * Closed loop: {@link #CONNECTIONS} sessions, each sending the next call when one is answered.
   */
  static Phase saturate(
      String target, String url, String auth, HttpClient client, Map<String, Peer> peers)
      throws Exception {
    List<McpClient> sessions = open(client, url, auth, CONNECTIONS);
    try {
      closedLoop(sessions, WARMUP_SECONDS, null);
      Cpu before = Cpu.read(peers);
      Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
      long[] result = closedLoop(sessions, SATURATION_SECONDS, latency);
      Cpu after = Cpu.read(peers);
      return phase(
          target,
          "saturation, " + CONNECTIONS + " conns",
          latency,
          result[0],
          result[1] / 1e9,
          after.minus(before));
    } finally {
      close(sessions);
    }
  }

  private static long[] closedLoop(List<McpClient> sessions, int seconds, Histogram latency)
      throws InterruptedException {
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    Histogram[] perThread = new Histogram[sessions.size()];
    Thread[] threads = new Thread[sessions.size()];
    AtomicInteger ids = new AtomicInteger();
    for (int t = 0; t < threads.length; t++) {
      McpClient session = sessions.get(t);
      Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
      perThread[t] = h;
      threads[t] =
          new Thread(
              () -> {
                long now;
                while ((now = System.nanoTime()) < deadline) {
                  if (!session.call(ids.incrementAndGet())) {
                    errors.incrementAndGet();
                  }
                  h.recordValue(Math.min(System.nanoTime() - now, h.getHighestTrackableValue()));
                }
              },
              "loadgen-closed-" + t);
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long elapsed = System.nanoTime() - start;
    if (latency != null) {
      for (Histogram h : perThread) {
        latency.add(h);
      }
    }
    return new long[] {errors.get(), elapsed};
  }

  private static List<McpClient> open(HttpClient client, String url, String auth, int n) {
    List<McpClient> sessions = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      sessions.add(new McpClient(client, url, auth));
    }
    return sessions;
  }

  private static void close(List<McpClient> sessions) {
    sessions.forEach(McpClient::close);
  }

  private static Phase phase(
      String target, String mode, Histogram latency, long errors, double secs, Cpu cpu) {
    long n = latency.getTotalCount();
    Map<String, Double> byProcess = new LinkedHashMap<>();
    cpu.processes.forEach((k, v) -> byProcess.put(k, Phase.microsPerCall(v, n)));
    Map<String, Double> gatewayThreads = new TreeMap<>();
    cpu.threads
        .getOrDefault("gateway", Map.of())
        .forEach(
            (k, v) -> {
              if (v > 0) {
                gatewayThreads.put(k, Phase.microsPerCall(v, n));
              }
            });
    long total = cpu.processes.values().stream().mapToLong(Long::longValue).sum();
    return Phase.measured(
        target,
        mode,
        n,
        errors,
        secs,
        latency,
        Phase.microsPerCall(total, n),
        byProcess,
        gatewayThreads);
  }

  private static final AtomicInteger CLIENT_THREADS = new AtomicInteger();
  private static final AtomicInteger FAILURES_SHOWN = new AtomicInteger();

  private static HttpClient client() {
    return HttpClient.newBuilder()
        .executor(
            Executors.newCachedThreadPool(
                r -> {
                  Thread t = new Thread(r, "loadgen-client-" + CLIENT_THREADS.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                }))
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /**
   * One MCP session over Streamable HTTP, as an agent's client holds it: initialised on creation,
   * then {@code tools/call} after {@code tools/call}. The same bearer header goes to both targets
   * (the upstream ignores it), so both see requests of the same size.
   */
  static final class McpClient {
    private final HttpClient client;
    private final URI uri;
    private final String auth;
    private final String sessionId;

    McpClient(HttpClient client, String url, String auth) {
      this.client = client;
      this.uri = URI.create(url);
      this.auth = auth;
      try {
        HttpResponse<String> init =
            client.send(
                base(null)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"jsonrpc\":\"2.0\",\"id\":\"init\",\"method\":\"initialize\","
                                + "\"params\":{\"protocolVersion\":\""
                                + PROTOCOL_VERSION
                                + "\",\"capabilities\":{},\"clientInfo\":{\"name\":"
                                + "\"mandate-bench\",\"version\":\"1.0.0\"}}}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (init.statusCode() != 200 || !init.body().contains("\"result\"")) {
          throw new IllegalStateException(
              url + " refused initialize: HTTP " + init.statusCode() + " " + init.body());
        }
        sessionId =
            init.headers()
                .firstValue("Mcp-Session-Id")
                .orElseThrow(() -> new IllegalStateException(url + " sent no Mcp-Session-Id"));
        HttpResponse<String> initialized =
            client.send(
                base(sessionId)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (initialized.statusCode() / 100 != 2) {
          throw new IllegalStateException(
              url + " refused notifications/initialized: HTTP " + initialized.statusCode());
        }
      } catch (IOException e) {
        throw new IllegalStateException(url + " could not be reached: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    private HttpRequest.Builder base(String session) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri)
              .header("Authorization", auth)
              .header("Content-Type", "application/json")
              .header("Accept", "application/json, text/event-stream")
              .timeout(Duration.ofSeconds(60));
      if (session != null) {
        b.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", PROTOCOL_VERSION);
      }
      return b;
    }

    /** One tools/call; true if it was answered with the echo (not an error). */
    boolean call(int id) {
      String body =
          "{\"jsonrpc\":\"2.0\",\"id\":"
              + id
              + ",\"method\":\"tools/call\",\"params\":{\"name\":\""
              + McpPeers.TOOL
              + "\",\"arguments\":{\"message\":\""
              + MESSAGE
              + "\"}}}";
      try {
        HttpResponse<String> r =
            client.send(
                base(sessionId).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        boolean ok =
            r.statusCode() == 200
                && r.body().contains(EXPECTED)
                && !r.body().contains("\"error\"")
                && !r.body().contains("\"isError\":true");
        if (!ok) {
          failure(uri + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return ok;
      } catch (IOException e) {
        failure(uri + ": " + e);
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    /** Shows the first failures on the standard output, so an error count can be explained. */
    private static void failure(String what) {
      if (FAILURES_SHOWN.incrementAndGet() <= 20) {
        System.out.println("call failed: " + what.substring(0, Math.min(what.length(), 500)));
      }
    }

    void close() {
      try {
        client.send(base(sessionId).DELETE().build(), HttpResponse.BodyHandlers.discarding());
      } catch (IOException e) {
        // The session ends with the peer anyway.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- the peers and their CPU time ----

  /** A peer process ({@link McpPeers}), controlled over its standard input and output. */
  static final class Peer {
    final String name;
    final Process process;
    final JsonNode ready;
    private final BufferedReader out;
    private final PrintWriter in;

    private Peer(String name, Process process, BufferedReader out, JsonNode ready) {
      this.name = name;
      this.process = process;
      this.out = out;
      this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      this.ready = ready;
    }

    static Peer start(
        String name, Path log, Map<String, String> env, List<String> jvmOptions, String... args)
        throws IOException {
      List<String> jvmArgs = new ArrayList<>(List.of("-Xms256m", "-Xmx768m"));
      jvmArgs.addAll(jvmOptions);
      ProcessBuilder pb = new ProcessBuilder(JavaCommand.of(jvmArgs, McpPeers.class, args));
      pb.environment().putAll(env);
      pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Process process = pb.start();
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = readLine(out, "READY ", name);
      return new Peer(name, process, out, JSON.readTree(line));
    }

    /** Reads lines until one starts with {@code prefix}; returns the rest of it. */
    private static String readLine(BufferedReader out, String prefix, String name)
        throws IOException {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(prefix)) {
          return line.substring(prefix.length());
        }
      }
      throw new IOException(name + " exited before answering; see the log");
    }

    synchronized JsonNode cpu() throws IOException {
      in.println("cpu");
      return JSON.readTree(readLine(out, "CPU ", name));
    }

    void stop() {
      in.close();
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroy();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroy();
      }
    }
  }

  /** CPU time of every process (nanoseconds), and of each process's threads by role. */
  record Cpu(Map<String, Long> processes, Map<String, Map<String, Long>> threads) {
    static Cpu read(Map<String, Peer> peers) throws IOException {
      Map<String, Long> processes = new LinkedHashMap<>();
      Map<String, Map<String, Long>> threads = new LinkedHashMap<>();
      processes.put("load generator", CpuUse.process());
      threads.put("load generator", CpuUse.byThreadRole());
      for (Peer p : peers.values()) {
        JsonNode cpu = p.cpu();
        processes.put(p.name, cpu.get("process").asLong());
        Map<String, Long> byRole = new TreeMap<>();
        cpu.get("threads")
            .fields()
            .forEachRemaining(e -> byRole.put(e.getKey(), e.getValue().asLong()));
        threads.put(p.name, byRole);
      }
      return new Cpu(processes, threads);
    }

    Cpu minus(Cpu before) {
      Map<String, Long> p = new LinkedHashMap<>();
      processes.forEach((k, v) -> p.put(k, v - before.processes.getOrDefault(k, 0L)));
      Map<String, Map<String, Long>> t = new LinkedHashMap<>();
      threads.forEach(
          (proc, roles) -> {
            Map<String, Long> b = before.threads.getOrDefault(proc, Map.of());
            Map<String, Long> d = new TreeMap<>();
            roles.forEach((k, v) -> d.put(k, v - b.getOrDefault(k, 0L)));
            t.put(proc, d);
          });
      return new Cpu(p, t);
    }
  }

  // ---- report ----

  static String markdown(ObjectNode out, List<Phase> phases, String command, String machine) {
    StringBuilder md =
        DOC.begin(
            out,
            command,
            machine,
            "2 cores: anything well above 2 means other processes competed for the CPU and every"
                + " latency below is inflated");
    md.append(
        String.format(
            Locale.ROOT,
            "Fixed rate: open loop at %d calls/s over %d sessions, latency from each call's"
                + " intended send time, %d s after a %d s warm-up (preceded by a closed-loop burst"
                + " of the same length, so the JIT has compiled the path). Saturation: closed loop, %d"
                + " sessions, %d s after a %d s warm-up. CPU µs/call adds up the CPU time of all"
                + " four processes (load generator, upstream, gateway, authority) and divides by"
                + " the calls.%n%n",
            out.get("rate").asInt(),
            out.get("openConnections").asInt(),
            out.get("fixedSeconds").asInt(),
            out.get("warmupSeconds").asInt(),
            out.get("connections").asInt(),
            out.get("saturationSeconds").asInt(),
            out.get("warmupSeconds").asInt()));
    md.append(Phase.table(phases));
    Phase directFixed = Phase.find(phases, "direct", "fixed");
    Phase directSat = Phase.find(phases, "direct", "saturation");
    Phase gatewayFixed = Phase.find(phases, "gateway", "fixed");
    Phase gatewaySat = Phase.find(phases, "gateway", "saturation");
    double addedP50 = gatewayFixed.p50Ms() - directFixed.p50Ms();
    double addedP99 = gatewayFixed.p99Ms() - directFixed.p99Ms();
    double ratio = gatewaySat.throughput() / directSat.throughput();
    md.append(Phase.overhead(phases, out.get("rate").asInt(), false));

    md.append("\nCPU µs per call by process:\n\n");
    List<String> processes = new ArrayList<>(directFixed.cpuMicrosPerCallByProcess().keySet());
    md.append("| Target | Mode |");
    processes.forEach(p -> md.append(' ').append(p).append(" |"));
    md.append(" total |\n|---|---|").append("---:|".repeat(processes.size() + 1)).append('\n');
    for (Phase p : phases) {
      md.append("| ").append(p.target()).append(" | ").append(p.mode()).append(" |");
      for (String proc : processes) {
        md.append(
            String.format(
                Locale.ROOT, " %.1f |", p.cpuMicrosPerCallByProcess().getOrDefault(proc, 0.0)));
      }
      md.append(String.format(Locale.ROOT, " %.1f |%n", p.cpuMicrosPerCall()));
    }
    md.append(
        "\nThe gateway process at saturation, CPU µs per call by thread role (threads under 1 µs"
            + " per call left out; the gateway process's total includes the JIT and the garbage"
            + " collector):\n\n");
    md.append("| Thread role | µs/call |\n|---|---:|\n");
    gatewaySat.gatewayCpuMicrosPerCallByThread().entrySet().stream()
        .filter(e -> e.getValue() >= 1)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(
            e ->
                md.append(
                    String.format(Locale.ROOT, "| `%s` | %.1f |%n", e.getKey(), e.getValue())));
    md.append("\nTargets:\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "- Added p50 at %d calls/s at most 0.5 ms: %.3f ms (%s).%n"
                + "- Added p99 at %d calls/s at most 3 ms: %.3f ms (%s).%n"
                + "- Throughput through the gateway at least 70 %% of direct: %.0f %% (%s).%n",
            out.get("rate").asInt(),
            addedP50,
            addedP50 <= 0.5 ? "met" : "not met",
            out.get("rate").asInt(),
            addedP99,
            addedP99 <= 3 ? "met" : "not met",
            ratio * 100,
            ratio >= 0.7 ? "met" : "not met"));
    return DOC.finish(md);
  }
}
