package dev.mandate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The gateway load benchmark: direct calls to an upstream HTTP API against the same calls through
 * the gateway, on loopback, in one JVM (upstream, authority on SQLite, gateway, load generator).
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
 * Each phase is preceded by a warm-up at the same shape. The gateway's audit spool uses {@code
 * sync: batched} (the main figures) and {@code sync: always} (fsync per call, group commit). Also
 * reported: CPU time of the whole JVM per call, which moves less than wall time when other
 * processes compete for the cores.
 *
 * <p>{@code java -cp benchmarks.jar dev.mandate.bench.GatewayLoad OUT.json [DOC.md COMMAND
 * MACHINE]}; with a document, the section between {@code <!-- gateway:start -->} and {@code <!--
 * gateway:end -->} is rewritten. System properties {@code bench.rate}, {@code bench.fixedSeconds},
 * {@code bench.saturationSeconds}, {@code bench.connections}, {@code bench.warmupSeconds} change
 * the shape.
 */
public final class GatewayLoad {
  static final String START = "<!-- gateway:start -->";
  static final String END = "<!-- gateway:end -->";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AUDIENCE = "gw-bench";
  private static final byte[] UPSTREAM_BODY =
      "{\"id\":\"42\",\"name\":\"widget\",\"ok\":true}".getBytes(StandardCharsets.UTF_8);

  private static final int RATE = Integer.getInteger("bench.rate", 1000);
  private static final int FIXED_SECONDS = Integer.getInteger("bench.fixedSeconds", 20);
  private static final int SATURATION_SECONDS = Integer.getInteger("bench.saturationSeconds", 15);
  private static final int CONNECTIONS = Integer.getInteger("bench.connections", 16);
  private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmupSeconds", 5);
  private static final int OPEN_LOOP_CONNECTIONS = 64;

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** One measured phase. Latencies in nanoseconds. */
  record Phase(
      String target,
      String mode,
      long calls,
      long errors,
      double seconds,
      double throughput,
      double p50Ms,
      double p90Ms,
      double p99Ms,
      double p999Ms,
      double maxMs,
      double cpuMicrosPerCall,
      Map<String, Double> cpuMicrosPerCallByThread) {}

  private GatewayLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1 && args.length != 4) {
      System.err.println("usage: GatewayLoad OUT.json [DOC.md COMMAND MACHINE]");
      System.exit(2);
    }
    Path tmp = Files.createTempDirectory("mandate-gateway-load");
    Server upstream = upstream();
    String upstreamUrl =
        "http://127.0.0.1:" + ((ServerConnector) upstream.getConnectors()[0]).getLocalPort();
    AuthorityServer authority = authority(tmp);
    String admin =
        basic(
            "admin",
            authority.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow());
    String gatewaySecret =
        post(authority.url() + "/v1/clients", "{\"clientId\":\"gateway\"}", admin)
            .get("secret")
            .asText();
    String token =
        post(
                authority.url() + "/v1/capabilities",
                "{\"grants\":[\"api:get_item:/items/**\"],\"ttl\":\"1h\",\"audience\":\""
                    + AUDIENCE
                    + "\"}",
                admin)
            .get("token")
            .asText();
    GatewayServer batched = gateway(tmp, "batched", authority.url(), upstreamUrl, gatewaySecret);
    GatewayServer always = gateway(tmp, "always", authority.url(), upstreamUrl, gatewaySecret);
    String auth = "Bearer " + token;
    // A sanity check that the gateway allows the call, so no phase measures denials.
    check(batched.url() + "/items/42", auth);
    check(always.url() + "/items/42", auth);
    check(upstreamUrl + "/items/42", auth);

    Map<String, String> targets = new LinkedHashMap<>();
    targets.put("direct", upstreamUrl + "/items/42");
    targets.put("gateway (sync: batched)", batched.url() + "/items/42");
    targets.put("gateway (sync: always)", always.url() + "/items/42");

    String loadBefore = loadAverage();
    List<Phase> phases = new ArrayList<>();
    for (Map.Entry<String, String> t : targets.entrySet()) {
      fixedRate(t.getKey(), t.getValue(), auth, RATE, WARMUP_SECONDS);
      Phase p = fixedRate(t.getKey(), t.getValue(), auth, RATE, FIXED_SECONDS);
      System.out.println(p);
      phases.add(p);
    }
    for (Map.Entry<String, String> t : targets.entrySet()) {
      saturate(t.getKey(), t.getValue(), auth, CONNECTIONS, WARMUP_SECONDS);
      Phase p = saturate(t.getKey(), t.getValue(), auth, CONNECTIONS, SATURATION_SECONDS);
      System.out.println(p);
      phases.add(p);
    }
    String loadAfter = loadAverage();

    batched.close();
    always.close();
    authority.close();
    upstream.stop();

    ObjectNode out = JSON.createObjectNode();
    out.put("generatedAt", Instant.now().toString());
    out.put("rate", RATE);
    out.put("fixedSeconds", FIXED_SECONDS);
    out.put("saturationSeconds", SATURATION_SECONDS);
    out.put("connections", CONNECTIONS);
    out.put("warmupSeconds", WARMUP_SECONDS);
    out.put("loadAverageBefore", loadBefore);
    out.put("loadAverageAfter", loadAfter);
    ArrayNode list = out.putArray("phases");
    for (Phase p : phases) {
      list.add(JSON.valueToTree(p));
    }
    Path json = Path.of(args[0]);
    Files.createDirectories(json.toAbsolutePath().getParent());
    JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), out);
    String section =
        markdown(out, phases, args.length == 4 ? args[2] : null, args.length == 4 ? args[3] : null);
    System.out.println(section);
    if (args.length == 4) {
      rewrite(Path.of(args[1]), section);
    }
    System.exit(0);
  }

  // ---- load generation ----

  /**
   * Open loop: request i is due at start + i / rate. A pacing thread hands each due request to a
   * pool of {@value #OPEN_LOOP_CONNECTIONS} sending threads (one keep-alive connection each, so a
   * stall cannot open thousands of sockets); its latency runs from the due time to the end of the
   * answer, so time spent waiting for a free connection is charged to the call.
   */
  static Phase fixedRate(String target, String url, String auth, int rate, int seconds)
      throws InterruptedException {
    HttpClient client = client();
    HttpRequest request = request(url, auth);
    int total = rate * seconds;
    long interval = 1_000_000_000L / rate;
    long[] latency = new long[total];
    AtomicLong errors = new AtomicLong();
    AtomicLong lastEnd = new AtomicLong();
    java.util.concurrent.BlockingQueue<Integer> due =
        new java.util.concurrent.LinkedBlockingQueue<>();
    long cpuBefore = OS.getProcessCpuTime();
    Map<Long, Long> threadsBefore = threadCpu();
    long start = System.nanoTime() + 20_000_000L;
    Thread[] senders = new Thread[OPEN_LOOP_CONNECTIONS];
    for (int t = 0; t < senders.length; t++) {
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
                  try {
                    HttpResponse<byte[]> r =
                        client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 200) {
                      errors.incrementAndGet();
                    }
                  } catch (IOException e) {
                    errors.incrementAndGet();
                  } catch (InterruptedException e) {
                    return;
                  }
                  long end = System.nanoTime();
                  latency[i] = end - (start + i * interval);
                  lastEnd.accumulateAndGet(end, Math::max);
                }
              },
              "loadgen-open-" + t);
      senders[t].start();
    }
    for (int i = 0; i < total; i++) {
      long at = start + i * interval;
      long wait;
      // Parking, not spinning: a spinning pacer would take a core from the gateway under test.
      // Sending up to the park's slack (~0.1 ms) late is charged to the call (latency from due).
      while ((wait = at - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      due.add(i);
    }
    for (int t = 0; t < senders.length; t++) {
      due.add(-1);
    }
    for (Thread t : senders) {
      t.join(TimeUnit.SECONDS.toMillis(120));
      t.interrupt();
    }
    long cpu = OS.getProcessCpuTime() - cpuBefore;
    double secs = (lastEnd.get() - start) / 1e9;
    return phase(
        target, "fixed " + rate + "/s", latency, total, errors.get(), secs, cpu, threadsBefore);
  }

  /** Closed loop: {@code connections} threads, each sending the next call when one is answered. */
  static Phase saturate(String target, String url, String auth, int connections, int seconds)
      throws InterruptedException {
    HttpClient client = client();
    HttpRequest request = request(url, auth);
    long[][] perThread = new long[connections][];
    int[] counts = new int[connections];
    AtomicLong errors = new AtomicLong();
    long cpuBefore = OS.getProcessCpuTime();
    Map<Long, Long> threadsBefore = threadCpu();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    Thread[] threads = new Thread[connections];
    for (int t = 0; t < connections; t++) {
      int id = t;
      threads[t] =
          new Thread(
              () -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                long now;
                while ((now = System.nanoTime()) < deadline) {
                  try {
                    HttpResponse<byte[]> r =
                        client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 200) {
                      errors.incrementAndGet();
                    }
                  } catch (IOException e) {
                    errors.incrementAndGet();
                  } catch (InterruptedException e) {
                    return;
                  }
                  if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                  }
                  lat[n++] = System.nanoTime() - now;
                }
                perThread[id] = lat;
                counts[id] = n;
              },
              "loadgen-closed-" + t);
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    long cpu = OS.getProcessCpuTime() - cpuBefore;
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int t = 0; t < connections; t++) {
      System.arraycopy(perThread[t], 0, all, at, counts[t]);
      at += counts[t];
    }
    return phase(
        target,
        "saturation, " + connections + " conns",
        all,
        total,
        errors.get(),
        secs,
        cpu,
        threadsBefore);
  }

  private static Phase phase(
      String target,
      String mode,
      long[] latency,
      int n,
      long errors,
      double secs,
      long cpuNanos,
      Map<Long, Long> threadsBefore) {
    Map<String, Double> byGroup = new java.util.TreeMap<>();
    Map<Long, Long> threadsAfter = threadCpu();
    for (Map.Entry<Long, Long> e : threadsAfter.entrySet()) {
      long used = e.getValue() - threadsBefore.getOrDefault(e.getKey(), 0L);
      java.lang.management.ThreadInfo info = THREADS.getThreadInfo(e.getKey());
      if (info == null || used <= 0) {
        continue;
      }
      byGroup.merge(threadGroup(info.getThreadName()), used / 1000.0 / n, Double::sum);
    }
    byGroup.replaceAll((k, v) -> round(v, 1));
    long[] sorted = Arrays.copyOf(latency, n);
    Arrays.sort(sorted);
    return new Phase(
        target,
        mode,
        n,
        errors,
        round(secs, 2),
        round(n / secs, 0),
        ms(percentile(sorted, 0.50)),
        ms(percentile(sorted, 0.90)),
        ms(percentile(sorted, 0.99)),
        ms(percentile(sorted, 0.999)),
        ms(sorted[n - 1]),
        round(cpuNanos / 1000.0 / n, 1),
        byGroup);
  }

  private static final java.lang.management.ThreadMXBean THREADS =
      ManagementFactory.getThreadMXBean();

  private static Map<Long, Long> threadCpu() {
    Map<Long, Long> out = new java.util.HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long t = THREADS.getThreadCpuTime(id);
      if (t > 0) {
        out.put(id, t);
      }
    }
    return out;
  }

  /** Names a thread by its role: digits dropped, the load generator's client told apart. */
  private static String threadGroup(String name) {
    return name.replaceAll("-?\\d+", "").replaceAll("^qtp$", "upstream-jetty");
  }

  private static long percentile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double ms(long nanos) {
    return round(nanos / 1e6, 3);
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  private static final AtomicInteger LOADGEN_THREADS = new AtomicInteger();

  private static HttpClient client() {
    return HttpClient.newBuilder()
        .executor(
            java.util.concurrent.Executors.newCachedThreadPool(
                r -> {
                  Thread t = new Thread(r, "loadgen-client-" + LOADGEN_THREADS.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                }))
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static HttpRequest request(String url, String auth) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", auth)
        .timeout(Duration.ofSeconds(30))
        .GET()
        .build();
  }

  private static void check(String url, String auth) throws Exception {
    HttpResponse<String> r =
        client().send(request(url, auth), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  // ---- the peers ----

  /** A trivial upstream API: a small JSON object for every request. */
  private static Server upstream() throws Exception {
    Server server = new Server();
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
    return server;
  }

  private static AuthorityServer authority(Path tmp) throws IOException {
    Path policy = tmp.resolve("policy.yaml");
    Files.writeString(
        policy,
        """
        version: 1
        clients:
          admin:
            grants: ["api:*:/**"]
            maxTtl: 2h
            require: [audience]
            audiences: [%s]
        """
            .formatted(AUDIENCE));
    return AuthorityServer.start(
        AuthorityConfig.builder(tmp.resolve("authority"))
            .port(0)
            .policyFile(policy)
            .policyReloadInterval(Duration.ZERO)
            .shutdownTimeout(Duration.ofSeconds(2))
            .environment(Map.of())
            .build());
  }

  private static GatewayServer gateway(
      Path tmp, String sync, String authorityUrl, String upstreamUrl, String secret) {
    String yaml =
        """
        listen: {host: 127.0.0.1, port: 0}
        audience: %s
        authority: {url: %s, clientId: gateway, clientSecretEnv: GW_SECRET}
        spool: {dir: %s, sync: %s}
        shutdownTimeout: 2s
        http:
          upstreams:
            api: {url: "%s"}
          routes:
            - {match: "GET /items/{id}", upstream: api, action: get_item, resource: "/items/{id}"}
        """
            .formatted(AUDIENCE, authorityUrl, tmp.resolve("spool-" + sync), sync, upstreamUrl);
    GatewayConfig config =
        GatewayConfig.parse(
            yaml, tmp.resolve("gateway-" + sync + ".yaml"), Map.of("GW_SECRET", secret));
    return GatewayServer.start(config, Clock.systemUTC(), List.of());
  }

  private static JsonNode post(String url, String json, String auth) throws Exception {
    HttpResponse<String> r =
        client()
            .send(
                HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", auth)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  // ---- report ----

  static String markdown(ObjectNode out, List<Phase> phases, String command, String machine) {
    StringBuilder md = new StringBuilder();
    md.append(START).append('\n');
    md.append("_Generated by `")
        .append(command == null ? "GatewayLoad" : command)
        .append("` on ")
        .append(out.get("generatedAt").asText())
        .append("._\n\n");
    if (machine != null) {
      md.append("Machine: ").append(machine).append("\n\n");
    }
    md.append("Load average during the run: ")
        .append(out.get("loadAverageBefore").asText())
        .append(" before, ")
        .append(out.get("loadAverageAfter").asText())
        .append(" after (2 cores: anything well above 2 means other processes competed for the")
        .append(" CPU and every latency below is inflated).\n\n");
    md.append(
        "One JVM holds the load generator (java.net.http, HTTP/1.1 keep-alive), the upstream (a"
            + " Jetty handler answering a 38-byte JSON object), the authority (SQLite) and the"
            + " gateway (route `GET /items/{id}`, bearer token, verification cache warm, audit"
            + " spool uploading to the authority meanwhile). Fixed rate: open loop over at most"
            + " 64 connections, latency from each request's intended send time (no coordinated"
            + " omission), "
            + out.get("fixedSeconds").asInt()
            + " s after a "
            + out.get("warmupSeconds").asInt()
            + " s warm-up. Saturation: closed loop, "
            + out.get("connections").asInt()
            + " connections, "
            + out.get("saturationSeconds").asInt()
            + " s. CPU µs/call is the whole JVM's CPU time (generator, upstream, gateway,"
            + " authority) divided by the calls.\n\n");
    md.append(
        "| Target | Mode | Calls | Errors | Throughput (calls/s) | p50 ms | p90 ms | p99 ms | p99.9 ms"
            + " | max ms | CPU µs/call |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Phase p : phases) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %d | %.0f | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f |%n",
              p.target(),
              p.mode(),
              p.calls(),
              p.errors(),
              p.throughput(),
              p.p50Ms(),
              p.p90Ms(),
              p.p99Ms(),
              p.p999Ms(),
              p.maxMs(),
              p.cpuMicrosPerCall()));
    }
    md.append("\nGateway minus direct:\n\n");
    md.append(
        "| Gateway | added p50 at "
            + out.get("rate").asInt()
            + "/s (ms) | added p99 at "
            + out.get("rate").asInt()
            + "/s (ms) | throughput ratio at saturation | added CPU µs/call (fixed rate) |\n");
    md.append("|---|---:|---:|---:|---:|\n");
    Phase directFixed = find(phases, "direct", "fixed");
    Phase directSat = find(phases, "direct", "saturation");
    List<String> verdicts = new ArrayList<>();
    for (Phase p : phases) {
      if (p.target().equals("direct") || !p.mode().startsWith("fixed")) {
        continue;
      }
      Phase sat = find(phases, p.target(), "saturation");
      double addedP50 = p.p50Ms() - directFixed.p50Ms();
      double addedP99 = p.p99Ms() - directFixed.p99Ms();
      double ratio = sat.throughput() / directSat.throughput();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.3f | %.3f | %.0f %% | %.1f |%n",
              p.target(),
              addedP50,
              addedP99,
              ratio * 100,
              p.cpuMicrosPerCall() - directFixed.cpuMicrosPerCall()));
      verdicts.add(
          String.format(
              Locale.ROOT,
              "- %s: added p50 %.3f ms (target ≤ 0.5: %s), added p99 %.3f ms (target ≤ 3: %s),"
                  + " throughput %.0f %% of direct (target ≥ 70 %%: %s).",
              p.target(),
              addedP50,
              addedP50 <= 0.5 ? "met" : "not met",
              addedP99,
              addedP99 <= 3 ? "met" : "not met",
              ratio * 100,
              ratio >= 0.7 ? "met" : "not met"));
    }
    md.append(
        "\nWhere the CPU goes at saturation, µs per call by thread (the gateway's request threads"
            + " parse, decide, append to the spool and relay; java.net.http threads serve both the"
            + " load generator's and the gateway's upstream client; the authority ingests the audit"
            + " batches):\n\n");
    String[][] groups = {
      {"gateway request threads", "mandate-gateway-http"},
      {"java.net.http (selector + workers)", "HttpClient-"},
      {"load generator", "loadgen-"},
      {"upstream (Jetty)", "upstream-jetty"},
      {"authority", "mandate-http", "mandate-authority", "mandate-store"},
      {"audit spool + upload", "mandate-audit-upload", "mandate-spool-flush"}
    };
    md.append("| Target |");
    for (String[] g : groups) {
      md.append(' ').append(g[0]).append(" |");
    }
    md.append(" total |\n|---|");
    md.append("---:|".repeat(groups.length + 1)).append('\n');
    for (Phase p : phases) {
      if (!p.mode().startsWith("saturation")) {
        continue;
      }
      md.append("| ").append(p.target()).append(" |");
      for (String[] g : groups) {
        double sum = 0;
        for (Map.Entry<String, Double> e : p.cpuMicrosPerCallByThread().entrySet()) {
          for (int k = 1; k < g.length; k++) {
            if (e.getKey().startsWith(g[k])) {
              sum += e.getValue();
              break;
            }
          }
        }
        md.append(String.format(Locale.ROOT, " %.0f |", sum));
      }
      md.append(String.format(Locale.ROOT, " %.0f |%n", p.cpuMicrosPerCall()));
    }
    md.append("\nTargets:\n\n");
    for (String v : verdicts) {
      md.append(v).append('\n');
    }
    md.append(END).append('\n');
    return md.toString();
  }

  private static Phase find(List<Phase> phases, String target, String modePrefix) {
    return phases.stream()
        .filter(p -> p.target().equals(target) && p.mode().startsWith(modePrefix))
        .findFirst()
        .orElseThrow();
  }

  /** Replaces the gateway section of the document, adding it under "## Gateway" if missing. */
  static void rewrite(Path doc, String section) throws IOException {
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    int start = text.indexOf(START);
    int end = text.indexOf(END);
    String updated;
    if (start >= 0 && end > start) {
      int after = end + END.length();
      if (after < text.length() && text.charAt(after) == '\n') {
        after++;
      }
      updated = text.substring(0, start) + section + text.substring(after);
    } else {
      throw new IllegalStateException(
          doc + " has no " + START + " ... " + END + " markers; add them under '## Gateway'");
    }
    Files.writeString(doc, updated, StandardCharsets.UTF_8);
  }
}
