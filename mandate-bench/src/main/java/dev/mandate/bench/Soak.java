package dev.mandate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak of {@code bin/soak}: a gateway in its own JVM (restartable, GC logged) with both front
 * ends, the HTTP proxy ({@code GET /items/{id}}) and MCP ({@code /mcp/echo}, Streamable HTTP to an
 * MCP Java SDK server), an authority in this JVM, and a load of {@code rate} calls a second split
 * evenly between the two front ends for {@code minutes}. During the run:
 *
 * <ul>
 *   <li>at a third and at two thirds, each front end's capability is replaced by a fresh one and
 *       the old one revoked; the old one must be denied as revoked within 10 s;
 *   <li>at the middle, the gateway is stopped (SIGTERM) and started again on its spool; MCP
 *       sessions are opened again (the sessions lived in the stopped process);
 *   <li>every minute, a full GC of the gateway ({@code jcmd GC.run}), whose heap after is read from
 *       its GC log.
 * </ul>
 *
 * At the end it waits for the gateway's spool to drain and compares the calls the load saw decided
 * (an HTTP 200 or a Mandate denial, a tools/call result or denial) with the decision records at the
 * authority: an HTTP call's record is found by its resource, MCP calls are counted. Prints one
 * report; exits 1 if there were errors or lost records.
 *
 * <p>{@code java -cp benchmarks.jar dev.mandate.bench.Soak MINUTES RATE WORKDIR}
 */
public final class Soak {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AUDIENCE = BenchGateway.AUDIENCE;
  private static final Pattern FULL_GC =
      Pattern.compile("Pause Full \\(([^)]*)\\)[^\\n]* (\\d+)M->(\\d+)M\\((\\d+)M\\)");

  private final long minutes;
  private final int rate;
  private final Path work;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .executor(Executors.newFixedThreadPool(4))
          .build();

  private Stack authority;
  private int port;
  private Path config;
  private Process gateway;
  private int incarnation;
  private final List<String> heapAfterFullGc = new ArrayList<>();

  // What the load saw.
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong httpAllowed = new AtomicLong();
  private final AtomicLong mcpAllowed = new AtomicLong();
  private final AtomicLong deniedRevoked = new AtomicLong();
  private final AtomicLong unavailableDuringRestart = new AtomicLong();
  private final AtomicLong sessionsOpened = new AtomicLong();
  private final AtomicLong endedWithTheirSession = new AtomicLong();
  private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
  private final AtomicLong errorCount = new AtomicLong();
  private volatile boolean restarting;

  /**
   * Calls in flight at most: one client address may hold 64 connections at the gateway ({@code
   * limits.maxConnectionsPerAddress}), and the JDK client opens one per call in flight. A call
   * waits for a permit, so a slow gateway slows the load rather than being refused connections.
   */
  private final Semaphore inFlight = new Semaphore(48);

  /** Per token id: the HTTP resources decided, and the count of MCP calls decided. */
  private final Map<String, Set<String>> httpDecided = new ConcurrentHashMap<>();

  private final Map<String, AtomicLong> mcpDecided = new ConcurrentHashMap<>();
  private final List<String> revocationTimes = new ArrayList<>();

  private record Token(String text, String id, String revocationId) {}

  private final AtomicReference<Token> httpToken = new AtomicReference<>();
  private final AtomicReference<Token> mcpToken = new AtomicReference<>();

  /** An MCP session of the load: its id, and the token it was opened with. */
  private record Session(String id, Token token) {}

  private final AtomicReference<List<AtomicReference<Session>>> sessions =
      new AtomicReference<>(List.of());

  private Soak(long minutes, int rate, Path work) {
    this.minutes = minutes;
    this.rate = rate;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: Soak MINUTES RATE WORKDIR");
      System.exit(2);
    }
    Soak soak = new Soak(Long.parseLong(args[0]), Integer.parseInt(args[1]), Path.of(args[2]));
    int status;
    try {
      status = soak.run();
    } catch (Exception | Error e) {
      e.printStackTrace();
      status = 2;
    }
    // The load's threads are not daemons: exit rather than wait for them.
    System.exit(status);
  }

  private int run() throws Exception {
    Files.createDirectories(work);
    List<Process> peers = new ArrayList<>();
    try (GatewayLoad.Peer httpUpstream =
        GatewayLoad.Peer.start("upstream", List.of("-Xmx256m"), "--upstream")) {
      String httpUpstreamUrl = httpUpstream.ready().get("url");
      Process mcpUpstream = startMcpUpstream();
      peers.add(mcpUpstream);
      String mcpUpstreamUrl = readyJson(mcpUpstream).get("url").asText();
      authority =
          Stack.builder(work.resolve("authority"))
              .policy(
                  """
                  version: 1
                  clients:
                    admin:
                      grants: ["api:*:/**", "echo:*:*"]
                      maxTtl: 2h
                      require: [audience]
                      audiences: [%s]
                    gateway:
                      role: gateway
                  """
                      .formatted(AUDIENCE))
              .clients("gateway")
              .start();
      port = Await.freePort();
      config = work.resolve("gateway.yaml");
      Files.writeString(config, gatewayYaml(httpUpstreamUrl, mcpUpstreamUrl));
      startGateway();
      httpToken.set(mint("api:get_item:/items/**"));
      mcpToken.set(mint("echo:echo:*"));
      List<AtomicReference<Session>> s = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        s.add(new AtomicReference<>());
      }
      sessions.set(s);
      soak();
      return report();
    } finally {
      if (gateway != null) {
        gateway.destroy();
        gateway.waitFor(20, TimeUnit.SECONDS);
      }
      for (Process p : peers) {
        p.getOutputStream().close();
        p.destroy();
      }
      if (authority != null) {
        authority.close();
      }
    }
  }

  private String gatewayYaml(String httpUpstreamUrl, String mcpUpstreamUrl) {
    return """
        listen: {host: 127.0.0.1, port: %d}
        audience: %s
        authority: {url: %s, clientId: gateway, clientSecretEnv: GW_SECRET}
        spool: {dir: %s, sync: batched}
        shutdownTimeout: 10s
        http:
          upstreams:
            api: {url: "%s"}
          routes:
            - {match: "GET /items/{id}", upstream: api, action: get_item, resource: "/items/{id}"}
        mcp:
          upstreams:
            - service: echo
              path: /mcp/echo
              maxSessions: 64
              http: {url: "%s"}
              tools:
                echo: {}
        """
        .formatted(
            port,
            AUDIENCE,
            authority.url(),
            work.resolve("spool"),
            httpUpstreamUrl,
            mcpUpstreamUrl);
  }

  private Process startMcpUpstream() throws IOException {
    return new ProcessBuilder(JavaCommand.of(List.of("-Xmx256m"), McpPeers.class, "upstream"))
        .redirectError(work.resolve("mcp-upstream.log").toFile())
        .start();
  }

  private static JsonNode readyJson(Process p) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("READY ")) {
        return JSON.readTree(line.substring(6));
      }
    }
    throw new IllegalStateException("a peer ended before it was ready");
  }

  private void startGateway() throws Exception {
    incarnation++;
    Path gcLog = work.resolve("gateway-" + incarnation + "-gc.log");
    ProcessBuilder pb =
        new ProcessBuilder(
            JavaCommand.of(
                List.of(
                    "-Xms128m",
                    "-Xmx256m",
                    "-Xlog:gc:file=" + gcLog,
                    "-DMANDATE_DECISION_LOG=WARN"),
                GatewayServer.class,
                "--config",
                config.toString()));
    pb.environment().put("GW_SECRET", authority.secret("gateway"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(
        ProcessBuilder.Redirect.appendTo(work.resolve("gateway-" + incarnation + ".log").toFile()));
    gateway = pb.start();
    Await.until(Duration.ofMinutes(2), () -> "ok".equals(health().path("status").asText()));
  }

  private JsonNode health() {
    try {
      Reply r = Http.get(url("/health"), null);
      return JSON.readTree(r.body());
    } catch (RuntimeException | IOException e) {
      return JSON.createObjectNode();
    }
  }

  private Token mint(String grant) {
    AuthorityApi.Minted m = authority.api().mint(authority.admin(), "2h", AUDIENCE, null, grant);
    return new Token(m.token(), m.tokenId(), m.revocationIds().get(0));
  }

  // ---- the run ----

  private void soak() throws Exception {
    long totalMillis = TimeUnit.MINUTES.toMillis(minutes);
    ScheduledExecutorService load = Executors.newScheduledThreadPool(2);
    long periodMicros = 1_000_000L * 2 / rate; // each front end gets half the rate
    AtomicLong next = new AtomicLong();
    load.scheduleAtFixedRate(
        () -> httpCall(next.incrementAndGet()), 0, periodMicros, TimeUnit.MICROSECONDS);
    load.scheduleAtFixedRate(
        () -> mcpCall(next.incrementAndGet()), 0, periodMicros, TimeUnit.MICROSECONDS);
    long start = System.currentTimeMillis();
    long nextGc = start + 60_000;
    boolean revoked1 = false;
    boolean restarted = false;
    boolean revoked2 = false;
    while (System.currentTimeMillis() - start < totalMillis) {
      long t = System.currentTimeMillis() - start;
      if (!revoked1 && t >= totalMillis / 3) {
        revoked1 = true;
        rotateAndRevoke();
      }
      if (!restarted && t >= totalMillis / 2) {
        restarted = true;
        restart();
      }
      if (!revoked2 && t >= 2 * totalMillis / 3) {
        revoked2 = true;
        rotateAndRevoke();
      }
      if (System.currentTimeMillis() >= nextGc) {
        nextGc += 60_000;
        fullGc();
      }
      Thread.sleep(200);
    }
    load.shutdown();
    load.awaitTermination(30, TimeUnit.SECONDS);
    // Calls still in flight finish (their timeout is 10 s).
    Thread.sleep(11_000);
    fullGc();
  }

  private void httpCall(long n) {
    Token token = httpToken.get();
    String resource = "/items/" + n;
    if (!permit()) {
      return;
    }
    sent.incrementAndGet();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url(resource)))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + token.text())
            .build();
    http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (r, e) -> {
              inFlight.release();
              if (e != null) {
                unreachable("http " + resource, e);
                return;
              }
              if (r.statusCode() == 200) {
                httpAllowed.incrementAndGet();
                decidedHttp(token, resource);
              } else if (r.statusCode() == 403 && r.body().contains("\"REVOKED\"")) {
                deniedRevoked.incrementAndGet();
                decidedHttp(token, resource);
              } else if (r.statusCode() == 503 && restarting) {
                unavailableDuringRestart.incrementAndGet();
              } else {
                failed("http " + resource, r.statusCode() + " " + abbreviate(r.body()));
              }
            });
  }

  private void decidedHttp(Token token, String resource) {
    httpDecided.computeIfAbsent(token.id(), k -> ConcurrentHashMap.newKeySet()).add(resource);
  }

  private void mcpCall(long n) {
    List<AtomicReference<Session>> all = sessions.get();
    AtomicReference<Session> slot = all.get((int) (n % all.size()));
    Session s = slot.get();
    Token token = mcpToken.get();
    if (s == null || !s.token().equals(token)) {
      s = openSession(token);
      if (s == null) {
        return;
      }
      slot.set(s);
    }
    Session session = s;
    if (!permit()) {
      return;
    }
    sent.incrementAndGet();
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":"
            + n
            + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":"
            + "{\"message\":\"m"
            + n
            + "\"}}}";
    http.sendAsync(mcpPost(token, session.id(), body), HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (r, e) -> {
              inFlight.release();
              if (e != null) {
                unreachable("mcp", e);
                return;
              }
              if (r.statusCode() == 404) {
                // The session is gone (the gateway restarted): open another next time.
                slot.compareAndSet(session, null);
                if (!restarting && incarnation < 2) {
                  failed("mcp", "session lost: " + abbreviate(r.body()));
                }
                return;
              }
              if (r.statusCode() != 200) {
                if (restarting && r.statusCode() == 503) {
                  unavailableDuringRestart.incrementAndGet();
                } else if (r.statusCode() == 401 && r.body().contains("revoked")) {
                  deniedRevoked.incrementAndGet();
                  slot.compareAndSet(session, null);
                } else {
                  failed("mcp", r.statusCode() + " " + abbreviate(r.body()));
                }
                return;
              }
              String text = r.body();
              if (text.contains("\"result\"") && text.contains("Echo: m" + n)) {
                mcpAllowed.incrementAndGet();
                mcpDecided
                    .computeIfAbsent(session.token().id(), k -> new AtomicLong())
                    .incrementAndGet();
              } else if (text.contains("the session has ended")
                  && (restarting || !session.token().equals(mcpToken.get()))) {
                // In flight when its session ended: the session's capability was revoked (the
                // sweeper ends such sessions) or the gateway was stopping for its restart.
                endedWithTheirSession.incrementAndGet();
                slot.compareAndSet(session, null);
              } else if (text.contains("\"error\"") && text.contains("revoked")) {
                deniedRevoked.incrementAndGet();
                mcpDecided
                    .computeIfAbsent(session.token().id(), k -> new AtomicLong())
                    .incrementAndGet();
              } else {
                failed("mcp", "unexpected answer " + abbreviate(text));
              }
            });
  }

  /** Waits for a permit to send; false if interrupted. */
  private boolean permit() {
    try {
      inFlight.acquire();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Opens an MCP session (initialize, then initialized); null if the gateway is restarting. */
  private Session openSession(Token token) {
    String init =
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
            + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
            + "\"clientInfo\":{\"name\":\"soak\",\"version\":\"1\"}}}";
    try {
      HttpResponse<String> r =
          http.send(mcpPost(token, null, init), HttpResponse.BodyHandlers.ofString());
      String id = r.headers().firstValue("Mcp-Session-Id").orElse(null);
      if (r.statusCode() != 200 || id == null) {
        if (restarting) {
          unavailableDuringRestart.incrementAndGet();
        } else {
          failed("mcp initialize", r.statusCode() + " " + abbreviate(r.body()));
        }
        return null;
      }
      http.send(
          mcpPost(token, id, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"),
          HttpResponse.BodyHandlers.discarding());
      sessionsOpened.incrementAndGet();
      return new Session(id, token);
    } catch (IOException e) {
      if (restarting) {
        unavailableDuringRestart.incrementAndGet();
      } else {
        failed("mcp initialize", e.toString());
      }
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private HttpRequest mcpPost(Token token, String session, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url("/mcp/echo")))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + token.text())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (session != null) {
      b.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
    }
    return b.build();
  }

  /**
   * Moves each front end's load to a fresh capability and revokes the old ones; the old ones must
   * be refused as revoked within 10 s.
   */
  private void rotateAndRevoke() {
    Token oldHttp = httpToken.getAndSet(mint("api:get_item:/items/**"));
    Token oldMcp = mcpToken.getAndSet(mint("echo:echo:*"));
    long start = System.nanoTime();
    authority.api().revoke(authority.admin(), oldHttp.id(), oldHttp.revocationId(), "soak");
    authority.api().revoke(authority.admin(), oldMcp.id(), oldMcp.revocationId(), "soak");
    try {
      Await.until(
          Duration.ofSeconds(10),
          () -> {
            Reply r = Http.get(url("/items/probe"), "Bearer " + oldHttp.text());
            return r.status() == 403 && r.body().contains("REVOKED");
          });
      revocationTimes.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
    } catch (AssertionError e) {
      failed("revocation", "the revoked capability was not refused within 10 s");
    }
  }

  private void restart() throws Exception {
    restarting = true;
    try {
      fullGc();
      gateway.destroy(); // SIGTERM: a graceful stop, the spool uploaded or kept
      if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
        failed("restart", "the gateway did not stop within 30 s");
        gateway.destroyForcibly().waitFor();
      }
      startGateway();
    } finally {
      // The calls sent while it was down come back refused for a moment more.
      Thread.sleep(2_000);
      restarting = false;
    }
  }

  /** A full GC of the gateway JVM ({@code jcmd GC.run}); its heap after is read from the GC log. */
  private void fullGc() {
    try {
      Process p =
          new ProcessBuilder(jcmd(), Long.toString(gateway.pid()), "GC.run")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      errors.add("jcmd: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the report ----

  private int report() throws Exception {
    Await.until(Duration.ofMinutes(2), () -> health().path("auditPendingBytes").asLong(-1) == 0);
    Map<String, Set<String>> httpRecorded = new HashMap<>();
    Map<String, Long> mcpRecorded = new HashMap<>();
    Set<String> tokens = new java.util.HashSet<>(httpDecided.keySet());
    tokens.addAll(mcpDecided.keySet());
    for (String tokenId : tokens) {
      long after = 0;
      while (true) {
        Reply r =
            Http.get(
                authority.url() + "/v1/audit?tokenId=" + tokenId + "&limit=1000&after=" + after,
                authority.admin());
        JsonNode page = r.json();
        for (JsonNode rec : page.get("records")) {
          JsonNode d = rec.get("detail");
          if (!rec.get("type").asText().equals("decision")) {
            continue;
          }
          String action = d.path("action").asText();
          if (action.equals("get_item")) {
            httpRecorded
                .computeIfAbsent(tokenId, k -> new java.util.HashSet<>())
                .add(d.path("resource").asText());
          } else if (action.equals("echo")) {
            mcpRecorded.merge(tokenId, 1L, Long::sum);
          }
        }
        JsonNode nextAfter = page.get("nextAfter");
        if (nextAfter == null || nextAfter.isNull()) {
          break;
        }
        after = nextAfter.asLong();
      }
    }
    long httpLost = 0;
    long httpDecidedCount = 0;
    for (Map.Entry<String, Set<String>> e : httpDecided.entrySet()) {
      Set<String> recorded = httpRecorded.getOrDefault(e.getKey(), Set.of());
      httpDecidedCount += e.getValue().size();
      for (String resource : e.getValue()) {
        if (!recorded.contains(resource)) {
          httpLost++;
        }
      }
    }
    long mcpLost = 0;
    long mcpDecidedCount = 0;
    for (Map.Entry<String, AtomicLong> e : mcpDecided.entrySet()) {
      mcpDecidedCount += e.getValue().get();
      mcpLost += Math.max(0, e.getValue().get() - mcpRecorded.getOrDefault(e.getKey(), 0L));
    }
    for (int i = 1; i <= incarnation; i++) {
      Path gcLog = work.resolve("gateway-" + i + "-gc.log");
      Matcher m = FULL_GC.matcher(Files.exists(gcLog) ? Files.readString(gcLog) : "");
      List<String> after = new ArrayList<>();
      while (m.find()) {
        after.add(m.group(3) + "M");
      }
      heapAfterFullGc.add("gateway process " + i + ": " + String.join(" ", after));
    }
    PrintStream out = System.out;
    out.printf(
        "soak: %d min at %d calls/s (half HTTP proxy, half MCP tools/call), two revocations,"
            + " one gateway restart%n",
        minutes, rate);
    out.printf(
        "calls sent %d (%.0f a second); HTTP allowed %d, MCP allowed %d, denied as revoked %d, refused while"
            + " restarting %d; MCP calls in flight when their session ended (revoked or"
            + " restarting) %d; MCP sessions opened %d%n",
        sent.get(),
        sent.get() / (minutes * 60.0),
        httpAllowed.get(),
        mcpAllowed.get(),
        deniedRevoked.get(),
        unavailableDuringRestart.get(),
        endedWithTheirSession.get(),
        sessionsOpened.get());
    out.printf("revoked capability refused after: %s%n", String.join(", ", revocationTimes));
    out.printf("errors %d%n", errorCount.get());
    errors.stream().limit(20).forEach(e -> out.println("  " + e));
    out.printf(
        "audit: HTTP calls decided %d, without a record %d; MCP calls decided %d, without a record"
            + " %d%n",
        httpDecidedCount, httpLost, mcpDecidedCount, mcpLost);
    out.println("gateway heap after each full GC (MB, one a minute and around the restart):");
    heapAfterFullGc.forEach(h -> out.println("  " + h));
    return errorCount.get() == 0 && httpLost == 0 && mcpLost == 0 ? 0 : 1;
  }

  /** A call that got no answer: expected while the gateway restarts, an error otherwise. */
  private void unreachable(String what, Throwable e) {
    if (restarting) {
      unavailableDuringRestart.incrementAndGet();
    } else {
      failed(what, e.toString());
    }
  }

  private void failed(String what, String detail) {
    if (errorCount.incrementAndGet() <= 100) {
      errors.add(what + ": " + detail);
    }
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  private static String jcmd() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    return Files.exists(jcmd) ? jcmd.toString() : "jcmd";
  }
}
