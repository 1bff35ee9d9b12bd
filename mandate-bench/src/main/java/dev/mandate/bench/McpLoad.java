package dev.mandate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Call;
import dev.mandate.token.Proof;
import dev.mandate.wire.MandateHeaders;
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
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
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
import java.util.function.BiFunction;
import org.HdrHistogram.Histogram;

/**
 * The MCP load benchmark: {@code tools/call} sent straight to an upstream MCP server over
 * Streamable HTTP, and the same calls through the gateway's MCP front end, on loopback, in both MCP
 * revisions the gateway speaks: 2025-11-25 (a session per connection, opened with {@code
 * initialize} before anything is measured) and 2026-07-28 (no session: every request carries its
 * revision in {@code params._meta} and the routing headers {@code MCP-Protocol-Version}, {@code
 * Mcp-Method} and {@code Mcp-Name}, and is decided on its own). Through the gateway each revision
 * is loaded with a bearer capability and with a holder-bound one, whose every request (and, in a
 * session, every session operation) carries a proof signed for it by the load generator as it is
 * sent ({@link Proof#create}): the client's signing is in the load generator's CPU time.
 *
 * <p>Four processes: this load generator, the upstream (an MCP Java SDK server with an {@code echo}
 * tool, with sessions and statelessly), the authority (SQLite) and the gateway (MCP front end
 * forwarding to the upstream over Streamable HTTP, verification cache warm, decisions spooled and
 * uploaded to the authority); see {@link McpPeers}. Only {@code tools/call} is timed.
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
 * Each phase is preceded by a warm-up of the same shape on the same connections. CPU time is read
 * from every process before and after each phase and reported per call.
 *
 * <p>{@code java -cp benchmarks.jar dev.mandate.bench.McpLoad OUT.json LOG [DOC.md COMMAND
 * MACHINE]}; with a document, the section between {@code <!-- mcp:start -->} and {@code <!--
 * mcp:end -->} is rewritten. System properties {@code bench.rate}, {@code bench.fixedSeconds},
 * {@code bench.saturationSeconds}, {@code bench.connections}, {@code bench.openConnections}, {@code
 * bench.warmupSeconds} change the shape; {@code bench.targets} ({@code direct,gateway}), {@code
 * bench.revisions} ({@code 2025-11-25,2026-07-28}), {@code bench.capabilities} ({@code
 * bearer,holder}) and {@code bench.modes} ({@code fixed,saturation}) choose phases (a partial run
 * writes no report); {@code bench.jfr=PATH} records the gateway with JDK Flight Recorder.
 */
public final class McpLoad {
  private static final BenchDoc DOC = new BenchDoc("mcp", "## MCP tools/call", "McpLoad");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SESSIONS = "2025-11-25";
  private static final String STATELESS = "2026-07-28";
  private static final String MESSAGE = "hello from the load generator";
  private static final String EXPECTED = "Echo: " + MESSAGE;

  private static final int OPEN_CONNECTIONS = Integer.getInteger("bench.openConnections", 64);
  private static final String JFR = System.getProperty("bench.jfr");
  private static final List<String> TARGETS =
      List.of(System.getProperty("bench.targets", "direct,gateway").split(","));
  private static final List<String> MODES =
      List.of(System.getProperty("bench.modes", "fixed,saturation").split(","));
  private static final List<String> REVISIONS =
      List.of(System.getProperty("bench.revisions", SESSIONS + "," + STATELESS).split(","));
  private static final List<String> CAPABILITIES =
      List.of(System.getProperty("bench.capabilities", "bearer,holder").split(","));

  /** What one phase loads: a revision, straight to the upstream or through the gateway, how. */
  record Variant(String revision, boolean gateway, boolean holderBound) {
    /** The phase's target, as the report names it. */
    String target() {
      return revision
          + (gateway ? (holderBound ? " gateway, holder-bound" : " gateway, bearer") : " direct");
    }

    boolean chosen() {
      return REVISIONS.contains(revision)
          && TARGETS.contains(gateway ? "gateway" : "direct")
          && (!gateway || CAPABILITIES.contains(holderBound ? "holder" : "bearer"));
    }
  }

  /** Every variant, in the report's order: per revision, direct, then bearer, then holder-bound. */
  static final List<Variant> VARIANTS =
      List.of(
          new Variant(SESSIONS, false, false),
          new Variant(SESSIONS, true, false),
          new Variant(SESSIONS, true, true),
          new Variant(STATELESS, false, false),
          new Variant(STATELESS, true, false),
          new Variant(STATELESS, true, true));

  private McpLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 && args.length != 5) {
      System.err.println("usage: McpLoad OUT.json LOG [DOC.md COMMAND MACHINE]");
      System.exit(2);
    }
    Path log = Path.of(args[1]);
    Files.deleteIfExists(log);
    Path tmp = Files.createTempDirectory("mandate-mcp-load");
    // The holder-bound capability's key, held by the load generator alone.
    SigningKey holderKey = SigningKey.generate(new SecureRandom());
    Map<String, Peer> peers = new LinkedHashMap<>();
    try {
      Peer upstream = Peer.start("upstream", log, Map.of(), List.of(), "upstream");
      peers.put("upstream", upstream);
      Peer authority =
          Peer.start(
              "authority",
              log,
              Map.of(),
              List.of(),
              "authority",
              tmp.resolve("a").toString(),
              holderKey.verifyingKey().toText());
      peers.put("authority", authority);
      List<String> gatewayJvm =
          JFR == null
              ? List.of()
              : List.of("-XX:StartFlightRecording=filename=" + JFR + ",settings=profile");
      Peer gateway =
          Peer.start(
              "gateway",
              log,
              Map.of("GW_SECRET", authority.ready().get("gatewaySecret").asText()),
              gatewayJvm,
              "gateway",
              tmp.resolve("g").toString(),
              authority.ready().get("url").asText(),
              upstream.ready().get("url").asText(),
              upstream.ready().get("statelessUrl").asText());
      peers.put("gateway", gateway);

      HttpClient client = client();
      Clients clients =
          new Clients(
              client,
              upstream.ready(),
              gateway.ready(),
              authority.ready().get("token").asText(),
              authority.ready().get("boundToken").asText(),
              holderKey);
      List<Variant> variants = VARIANTS.stream().filter(Variant::chosen).toList();
      // A sanity check per variant: a connection opens and a call is answered with the echo, so no
      // phase measures refusals.
      for (Variant v : variants) {
        McpCaller c = clients.open(v);
        if (!c.call(0)) {
          throw new IllegalStateException(v.target() + " did not answer the echo; see above");
        }
        c.close();
      }

      String loadBefore = CpuUse.loadAverage();
      List<Phase> phases = new ArrayList<>();
      if (MODES.contains("fixed")) {
        for (Variant v : variants) {
          Phase p = fixedRate(v, clients, peers);
          System.out.println(p);
          phases.add(p);
        }
      }
      if (MODES.contains("saturation")) {
        for (Variant v : variants) {
          Phase p = saturate(v, clients, peers);
          System.out.println(p);
          phases.add(p);
        }
      }
      String loadAfter = CpuUse.loadAverage();

      ObjectNode out =
          Phase.settings(Map.of("openConnections", OPEN_CONNECTIONS), loadBefore, loadAfter);
      Phase.writeJson(Path.of(args[0]), out, phases);
      // A partial run (bench.targets, bench.revisions, bench.capabilities, bench.modes) is for
      // profiling: no report.
      if (phases.size() == 2 * VARIANTS.size()) {
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

  /**
   * Open loop at {@link Phase#RATE}: a warm-up, then the measured schedule, on the same
   * connections.
   */
  static Phase fixedRate(Variant v, Clients clients, Map<String, Peer> peers) throws Exception {
    List<McpCaller> sessions = clients.open(v, OPEN_CONNECTIONS);
    return measure(
        v,
        "fixed " + Phase.RATE + "/s",
        sessions,
        peers,
        // First a closed-loop burst, so the JIT has compiled the path before the measured phases;
        // then the fixed-rate warm-up.
        none -> {
          closedLoop(
              sessions.subList(0, Math.min(Phase.CONNECTIONS, sessions.size())),
              Phase.WARMUP_SECONDS,
              null);
          return openLoop(sessions, Phase.RATE, Phase.WARMUP_SECONDS, null);
        },
        latency -> openLoop(sessions, Phase.RATE, Phase.FIXED_SECONDS, latency));
  }

  /** A load loop over open sessions: {errors, nanoseconds}; latencies into a histogram if given. */
  interface Loop {
    long[] run(Histogram latency) throws Exception;
  }

  /**
   * One phase on {@code sessions}: the warm-up, then the measured loop with the peers' CPU time
   * over it; the sessions are closed after.
   */
  private static Phase measure(
      Variant v,
      String mode,
      List<McpCaller> sessions,
      Map<String, Peer> peers,
      Loop warmUp,
      Loop measured)
      throws Exception {
    try {
      warmUp.run(null);
      Cpu before = Cpu.read(peers);
      Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
      long[] result = measured.run(latency);
      Cpu after = Cpu.read(peers);
      return phase(v.target(), mode, latency, result[0], result[1] / 1e9, after.minus(before));
    } finally {
      close(sessions);
    }
  }

  /**
   * Sends {@code rate * seconds} calls on schedule; returns {errors, nanoseconds from the first due
   * time to the last answer}. Records latencies from due time when {@code latency} is not null.
   */
  private static long[] openLoop(List<McpCaller> sessions, int rate, int seconds, Histogram latency)
      throws InterruptedException {
    int total = rate * seconds;
    long interval = 1_000_000_000L / rate;
    AtomicLong errors = new AtomicLong();
    AtomicLong lastEnd = new AtomicLong();
    BlockingQueue<Integer> due = new LinkedBlockingQueue<>();
    long start = System.nanoTime() + 20_000_000L;
    Senders senders =
        Senders.start(
            sessions,
            "loadgen-open-",
            (session, h) ->
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
                });
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
    for (int t = 0; t < sessions.size(); t++) {
      due.add(-1);
    }
    for (Thread t : senders.threads()) {
      t.join(TimeUnit.SECONDS.toMillis(180));
      t.interrupt();
    }
    senders.addTo(latency);
    return new long[] {errors.get(), lastEnd.get() - start};
  }

  /**
   * Closed loop: {@link Phase#CONNECTIONS} sessions, each sending the next call when one is
   * answered.
   */
  static Phase saturate(Variant v, Clients clients, Map<String, Peer> peers) throws Exception {
    List<McpCaller> sessions = clients.open(v, Phase.CONNECTIONS);
    return measure(
        v,
        "saturation, " + Phase.CONNECTIONS + " conns",
        sessions,
        peers,
        none -> closedLoop(sessions, Phase.WARMUP_SECONDS, null),
        latency -> closedLoop(sessions, Phase.SATURATION_SECONDS, latency));
  }

  private static long[] closedLoop(List<McpCaller> sessions, int seconds, Histogram latency)
      throws InterruptedException {
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    AtomicInteger ids = new AtomicInteger();
    Senders senders =
        Senders.start(
            sessions,
            "loadgen-closed-",
            (session, h) ->
                () -> {
                  long now;
                  while ((now = System.nanoTime()) < deadline) {
                    if (!session.call(ids.incrementAndGet())) {
                      errors.incrementAndGet();
                    }
                    h.recordValue(Math.min(System.nanoTime() - now, h.getHighestTrackableValue()));
                  }
                });
    for (Thread t : senders.threads()) {
      t.join();
    }
    long elapsed = System.nanoTime() - start;
    senders.addTo(latency);
    return new long[] {errors.get(), elapsed};
  }

  /** One started thread per session, each recording its calls' latencies in its own histogram. */
  private record Senders(Thread[] threads, Histogram[] latencies) {
    static Senders start(
        List<McpCaller> sessions, String name, BiFunction<McpCaller, Histogram, Runnable> loop) {
      Thread[] threads = new Thread[sessions.size()];
      Histogram[] latencies = new Histogram[sessions.size()];
      for (int t = 0; t < threads.length; t++) {
        latencies[t] = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        threads[t] = new Thread(loop.apply(sessions.get(t), latencies[t]), name + t);
        threads[t].start();
      }
      return new Senders(threads, latencies);
    }

    /** Adds what every thread recorded to {@code into}, unless it is null. */
    void addTo(Histogram into) {
      if (into != null) {
        for (Histogram h : latencies) {
          into.add(h);
        }
      }
    }
  }

  private static void close(List<McpCaller> sessions) {
    sessions.forEach(McpCaller::close);
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

  /** One connection's way of sending {@code tools/call}, in one revision. */
  interface McpCaller {
    /** One tools/call; true if it was answered with the echo (not an error). */
    boolean call(int id);

    void close();
  }

  /**
   * Opens the connections of each {@link Variant}: the target's URL, the capability, and for a
   * holder-bound one a {@link Holder} that signs each request's proof.
   */
  record Clients(
      HttpClient client,
      JsonNode upstream,
      JsonNode gateway,
      String bearer,
      String bound,
      SigningKey holderKey) {

    /** One connection of the variant, ready to call (a session is open). */
    McpCaller open(Variant v) {
      boolean stateless = v.revision().equals(STATELESS);
      JsonNode peer = v.gateway() ? gateway : upstream;
      String url = peer.get(stateless ? "statelessUrl" : "url").asText();
      String token = v.holderBound() ? bound : bearer;
      Holder holder =
          v.holderBound()
              ? Holder.of(
                  holderKey, token, stateless ? McpPeers.STATELESS_SERVICE : McpPeers.SERVICE)
              : null;
      Target target = new Target(client, URI.create(url), "Bearer " + token, holder);
      return stateless ? new StatelessClient(target) : new SessionClient(target);
    }

    List<McpCaller> open(Variant v, int n) {
      List<McpCaller> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        out.add(open(v));
      }
      return out;
    }
  }

  /**
   * The holder of a holder-bound capability, as one connection's client holds it: signs a fresh
   * proof over each request as it is sent (spec §7), with a random source of its own.
   */
  record Holder(SigningKey key, String token, String service, SecureRandom random) {

    static Holder of(SigningKey key, String token, String service) {
      try {
        return new Holder(key, token, service, SecureRandom.getInstance("DRBG"));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK has no DRBG", e);
      }
    }

    /** The proof's text over one operation ({@code POST tools/call}, {@code DELETE}, ...). */
    String proof(String method, String target, ObjectNode args) {
      return Proof.create(
              key,
              token,
              Call.mcp(BenchGateway.AUDIENCE, service, method, target, args),
              Instant.now(),
              random)
          .text();
    }
  }

  /** The arguments of every call, as the proofs sign them. */
  private static ObjectNode args() {
    return JSON.createObjectNode().put("message", MESSAGE);
  }

  /** Whether an answer is the echo, not an error; shows the first failures. */
  private static boolean echoed(URI uri, HttpResponse<String> r) {
    boolean ok =
        r.statusCode() == 200
            && r.body().contains(EXPECTED)
            && !r.body().contains("\"error\"")
            && !r.body().contains("\"isError\":true");
    if (!ok) {
      failure(uri + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return ok;
  }

  /** Shows the first failures on the standard output, so an error count can be explained. */
  private static void failure(String what) {
    if (FAILURES_SHOWN.incrementAndGet() <= 20) {
      System.out.println("call failed: " + what.substring(0, Math.min(what.length(), 500)));
    }
  }

  /**
   * Where one connection sends its requests: the URL, the {@code Authorization} value (the same
   * bearer header goes to both targets; the upstream ignores it, so both see requests of the same
   * size) and, for a holder-bound capability, the holder that signs each request's proof.
   */
  record Target(HttpClient client, URI uri, String auth, Holder holder) {

    /** A request's headers; with a holder, its proof over the operation. */
    HttpRequest.Builder request(String operation, String target, ObjectNode args) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri)
              .header("Authorization", auth)
              .header("Content-Type", "application/json")
              .header("Accept", "application/json, text/event-stream")
              .timeout(Duration.ofSeconds(60));
      if (holder != null) {
        b.header(MandateHeaders.PROOF, holder.proof(operation, target, args));
      }
      return b;
    }

    /** Sends one {@code tools/call}; true if it was answered with the echo. */
    boolean call(HttpRequest.Builder request, int id, String meta) {
      String body =
          "{\"jsonrpc\":\"2.0\",\"id\":"
              + id
              + ",\"method\":\"tools/call\",\"params\":{\"name\":\""
              + McpPeers.TOOL
              + "\",\"arguments\":{\"message\":\""
              + MESSAGE
              + "\"}"
              + meta
              + "}}";
      try {
        return echoed(
            uri,
            client.send(
                request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()));
      } catch (IOException e) {
        failure(uri + ": " + e);
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /**
   * One MCP 2025-11-25 session over Streamable HTTP, as an agent's client holds it: initialised on
   * creation, then {@code tools/call} after {@code tools/call}; with a holder, every session
   * operation and call carries its proof.
   */
  static final class SessionClient implements McpCaller {
    private final Target target;
    private final String sessionId;

    SessionClient(Target target) {
      this.target = target;
      URI url = target.uri();
      try {
        HttpResponse<String> init =
            post(
                null,
                "POST initialize",
                "{\"jsonrpc\":\"2.0\",\"id\":\"init\",\"method\":\"initialize\","
                    + "\"params\":{\"protocolVersion\":\""
                    + SESSIONS
                    + "\",\"capabilities\":{},\"clientInfo\":{\"name\":"
                    + "\"mandate-bench\",\"version\":\"1.0.0\"}}}");
        if (init.statusCode() != 200 || !init.body().contains("\"result\"")) {
          throw new IllegalStateException(
              url + " refused initialize: HTTP " + init.statusCode() + " " + init.body());
        }
        sessionId =
            init.headers()
                .firstValue("Mcp-Session-Id")
                .orElseThrow(() -> new IllegalStateException(url + " sent no Mcp-Session-Id"));
        HttpResponse<String> initialized =
            post(
                sessionId,
                "POST notifications/initialized",
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
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

    /** POSTs a JSON-RPC message that is not a call, such as initialize. */
    private HttpResponse<String> post(String session, String operation, String body)
        throws IOException, InterruptedException {
      return target
          .client()
          .send(
              base(session, operation, "", null)
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    }

    /** A request's headers, in the session once there is one. */
    private HttpRequest.Builder base(
        String session, String operation, String resource, ObjectNode args) {
      HttpRequest.Builder b = target.request(operation, resource, args);
      if (session != null) {
        b.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", SESSIONS);
      }
      return b;
    }

    @Override
    public boolean call(int id) {
      return target.call(base(sessionId, "POST tools/call", McpPeers.TOOL, args()), id, "");
    }

    @Override
    public void close() {
      try {
        target
            .client()
            .send(
                base(sessionId, "DELETE", "", null).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
      } catch (IOException e) {
        // The session ends with the peer anyway.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * An MCP 2026-07-28 client over Streamable HTTP: no session, each {@code tools/call} carrying the
   * revision and the client's capabilities in {@code params._meta} and the routing headers that
   * repeat them ({@code MCP-Protocol-Version}, {@code Mcp-Method}, {@code Mcp-Name}); with a
   * holder, each request its proof.
   */
  record StatelessClient(Target target) implements McpCaller {
    private static final String META =
        ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\""
            + STATELESS
            + "\",\"io.modelcontextprotocol/clientCapabilities\":{}}";

    @Override
    public boolean call(int id) {
      return target.call(
          target
              .request("POST tools/call", McpPeers.TOOL, args())
              .header("MCP-Protocol-Version", STATELESS)
              .header("Mcp-Method", "tools/call")
              .header("Mcp-Name", McpPeers.TOOL),
          id,
          META);
    }

    @Override
    public void close() {
      // Nothing to end: there is no session.
    }
  }

  // ---- the peers and their CPU time ----

  /** A peer process ({@link McpPeers}), controlled over its standard input and output. */
  record Peer(String name, Process process, BufferedReader out, PrintWriter in, JsonNode ready) {

    static Peer start(
        String name, Path log, Map<String, String> env, List<String> jvmOptions, String... args)
        throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xms256m");
      command.add("-Xmx768m");
      command.addAll(jvmOptions);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(McpPeers.class.getName());
      command.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.environment().putAll(env);
      pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Process process = pb.start();
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = readLine(out, "READY ", name);
      return new Peer(
          name,
          process,
          out,
          new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8),
          JSON.readTree(line));
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
        processes.put(p.name(), cpu.get("process").asLong());
        Map<String, Long> byRole = new TreeMap<>();
        cpu.get("threads")
            .fields()
            .forEachRemaining(e -> byRole.put(e.getKey(), e.getValue().asLong()));
        threads.put(p.name(), byRole);
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
    int rate = out.get("rate").asInt();
    md.append(
        String.format(
            Locale.ROOT,
            "Fixed rate: open loop at %d calls/s over %d connections, latency from each call's"
                + " intended send time, %d s after a %d s warm-up (preceded by a closed-loop burst"
                + " of the same length, so the JIT has compiled the path). Saturation: closed loop, %d"
                + " connections, %d s after a %d s warm-up. MCP 2025-11-25: a session per"
                + " connection, opened before anything is measured; MCP 2026-07-28: no session,"
                + " each call carrying its revision in `_meta` and the routing headers"
                + " (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`). Holder-bound: every request"
                + " (and every session operation) carries a proof the load generator signs as it"
                + " sends it, so its signing is in the load generator's CPU time. The upstream is"
                + " the MCP Java SDK's server with sessions, and its stateless transport for"
                + " 2026-07-28 (one POST answered per call; it implements neither"
                + " `server/discover` nor the revision's header checks). CPU µs/call adds up the CPU"
                + " time of all four processes (load generator, upstream, gateway, authority) and"
                + " divides by the calls.%n%n",
            rate,
            out.get("openConnections").asInt(),
            out.get("fixedSeconds").asInt(),
            out.get("warmupSeconds").asInt(),
            out.get("connections").asInt(),
            out.get("saturationSeconds").asInt(),
            out.get("warmupSeconds").asInt()));
    md.append(Phase.table(phases));

    List<Variant> gateways = VARIANTS.stream().filter(Variant::gateway).toList();
    md.append("\nGateway minus direct, per revision and capability:\n\n");
    md.append(
        "| Revision | Capability | added p50 at "
            + rate
            + "/s (ms) | added p99 at "
            + rate
            + "/s (ms) | throughput ratio at saturation | added CPU µs/call (fixed rate) |"
            + " added CPU µs/call (saturation) | gateway process CPU µs/call (saturation) |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    StringBuilder targets = new StringBuilder();
    for (Variant v : gateways) {
      String direct = new Variant(v.revision(), false, false).target();
      Phase directFixed = Phase.find(phases, direct, "fixed");
      Phase directSat = Phase.find(phases, direct, "saturation");
      Phase fixed = Phase.find(phases, v.target(), "fixed");
      Phase sat = Phase.find(phases, v.target(), "saturation");
      double addedP50 = fixed.p50Ms() - directFixed.p50Ms();
      double addedP99 = fixed.p99Ms() - directFixed.p99Ms();
      double ratio = sat.throughput() / directSat.throughput();
      String capability = v.holderBound() ? "holder-bound" : "bearer";
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.3f | %.3f | %.0f %% | %.1f | %.1f | %.1f |%n",
              v.revision(),
              capability,
              addedP50,
              addedP99,
              ratio * 100,
              fixed.cpuMicrosPerCall() - directFixed.cpuMicrosPerCall(),
              sat.cpuMicrosPerCall() - directSat.cpuMicrosPerCall(),
              sat.cpuMicrosPerCallByProcess().getOrDefault("gateway", 0.0)));
      targets.append(
          String.format(
              Locale.ROOT,
              "- %s, %s: added p50 %.3f ms (at most 0.5: %s), added p99 %.3f ms (at most 3: %s),"
                  + " throughput %.0f %% of direct (at least 70: %s).%n",
              v.revision(),
              capability,
              addedP50,
              addedP50 <= 0.5 ? "met" : "not met",
              addedP99,
              addedP99 <= 3 ? "met" : "not met",
              ratio * 100,
              ratio >= 0.7 ? "met" : "not met"));
    }

    md.append("\nCPU µs per call by process:\n\n");
    List<String> processes = new ArrayList<>(phases.get(0).cpuMicrosPerCallByProcess().keySet());
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
        "\nThe gateway process at saturation, CPU µs per call by thread role (roles under 1 µs"
            + " per call in every column left out; the gateway process's total includes the JIT"
            + " and the garbage collector):\n\n");
    List<Phase> saturated =
        gateways.stream().map(v -> Phase.find(phases, v.target(), "saturation")).toList();
    java.util.Set<String> roles = new java.util.TreeSet<>();
    saturated.forEach(
        p ->
            p.gatewayCpuMicrosPerCallByThread()
                .forEach(
                    (role, us) -> {
                      if (us >= 1) {
                        roles.add(role);
                      }
                    }));
    md.append("| Thread role |");
    saturated.forEach(p -> md.append(' ').append(p.target()).append(" |"));
    md.append("\n|---|").append("---:|".repeat(saturated.size())).append('\n');
    for (String role : roles) {
      md.append("| `").append(role).append("` |");
      for (Phase p : saturated) {
        md.append(
            String.format(
                Locale.ROOT,
                " %.1f |",
                p.gatewayCpuMicrosPerCallByThread().getOrDefault(role, 0.0)));
      }
      md.append('\n');
    }
    md.append("\nTargets (issue 10's, for every revision and capability):\n\n").append(targets);
    return DOC.finish(md);
  }
}
