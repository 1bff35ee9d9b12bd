package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Capability;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes (separate JVMs running {@code GatewayServer.main}) sharing Redis, in front
 * of a real upstream, following one authority on PostgreSQL: a revocation reaches both, max uses
 * are counted exactly across both, and a gateway killed with SIGKILL under load loses no audit
 * record once it is restarted on its spool. Skipped when Redis or PostgreSQL is unreachable, unless
 * {@code MANDATE_REQUIRE_REDIS=1} / {@code MANDATE_REQUIRE_POSTGRES=1}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiProcessGatewayTest {
  private static final String REDIS = "redis: {url: \"redis://127.0.0.1:6379\"}";

  /**
   * How much CPU time a gateway JVM may spend starting before it must be healthy. Bounding its CPU
   * time rather than the wall clock: on a machine shared with other builds a JVM can wait for a
   * core far longer than it runs, and that is no failure of the gateway.
   */
  private static final Duration START_CPU = Duration.ofSeconds(60);

  /** A wall-clock bound only against a hang (a process that neither runs nor answers). */
  private static final Duration START_WALL = Duration.ofMinutes(5);

  /**
   * How long one long-poll of the feed waits (the most there is): a revocation applied well within
   * it was pushed to the waiting poll, not found by the next one.
   */
  private static final Duration POLL_WAIT = Duration.ofSeconds(30);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @TempDir static Path tmp;
  private PostgresSchema db;
  private TestPeers.Authority authority;
  private TestPeers.Upstream upstream;
  private final GatewayProcess[] gateways = new GatewayProcess[2];

  /** One gateway JVM: its configuration, port, spool and log. */
  private final class GatewayProcess {
    final String name;
    final int port;
    final Path config;
    final Path log;
    Process process;

    GatewayProcess(String name) throws IOException {
      this.name = name;
      this.port = freePort();
      this.config = tmp.resolve(name + ".yaml");
      this.log = tmp.resolve(name + ".log");
      String yaml =
          TestPeers.config(authority, upstream, tmp.resolve(name + "-spool"), REDIS)
              .replace("port: 0}", "port: " + port + "}")
              .replace("maxStaleness: 30s", "maxStaleness: 90s")
              .replace("pollWait: 5s", "pollWait: " + POLL_WAIT.toSeconds() + "s");
      if (!yaml.contains("pollWait: " + POLL_WAIT.toSeconds() + "s")) {
        throw new IllegalStateException("the test configuration changed its shape:\n" + yaml);
      }
      Files.writeString(config, yaml);
    }

    String url() {
      return "http://127.0.0.1:" + port;
    }

    void start() throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb =
          new ProcessBuilder(
              java,
              "-Xmx256m",
              "-XX:+UseSerialGC",
              // C1 only: the JIT's start-up work is most of a JVM's CPU in its first seconds.
              "-XX:TieredStopAtLevel=1",
              "-cp",
              System.getProperty("java.class.path"),
              GatewayServer.class.getName(),
              "--config",
              config.toString());
      pb.environment().put("GW_SECRET", authority.gatewayClientSecret);
      pb.environment().put("UPSTREAM_TOKEN", TestPeers.UPSTREAM_SECRET);
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
      long wallDeadline = System.nanoTime() + START_WALL.toNanos();
      // Healthy: listening, and the first keys and revocations arrived from the authority.
      while (!"ok".equals(status(health()))) {
        if (!process.isAlive()) {
          throw new AssertionError(name + " exited at start; its log:\n" + logText());
        }
        Duration cpu = process.info().totalCpuDuration().orElse(Duration.ZERO);
        if (cpu.compareTo(START_CPU) > 0 || System.nanoTime() - wallDeadline > 0) {
          throw new AssertionError(
              name + " not healthy after " + cpu + " of CPU time:\n" + logText());
        }
        sleep(50);
      }
    }

    private static String status(JsonNode health) {
      return health == null ? null : health.path("status").asText();
    }

    /** The last revocation feed sequence the gateway's view holds, from its metrics. */
    long appliedSequence() {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url() + "/metrics")));
      if (r == null || r.statusCode() != 200) {
        return -1;
      }
      for (String line : r.body().split("\n")) {
        // mandate_gateway_revocation_sequence{tags} value
        if (line.startsWith("mandate_gateway_revocation_sequence")
            && (line.charAt(35) == ' ' || line.charAt(35) == '{')) {
          return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      throw new AssertionError("no mandate_gateway_revocation_sequence in the metrics");
    }

    /** The gateway's /health answer, or null while it does not answer. */
    JsonNode health() {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url() + "/health")));
      try {
        return r == null ? null : TestPeers.JSON.readTree(r.body());
      } catch (IOException e) {
        return null;
      }
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).as(name + " died").isTrue();
    }

    void stop() throws InterruptedException {
      if (process != null && process.isAlive()) {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }

    String logText() {
      try {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }
  }

  @BeforeAll
  void start() throws Exception {
    boolean redis;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", 6379), 500);
      redis = true;
    } catch (IOException e) {
      redis = false;
    }
    if (!redis && "1".equals(System.getenv("MANDATE_REQUIRE_REDIS"))) {
      throw new AssertionError(
          "Redis is required (MANDATE_REQUIRE_REDIS=1) but 127.0.0.1:6379 is unreachable");
    }
    Assumptions.assumeTrue(redis, "Redis at 127.0.0.1:6379 is not reachable");
    db = PostgresSchema.create();
    authority =
        new TestPeers.Authority(Files.createDirectories(tmp.resolve("authority")), db.jdbcUrl());
    upstream = new TestPeers.Upstream();
    gateways[0] = new GatewayProcess("gw-a");
    gateways[1] = new GatewayProcess("gw-b");
    // Both JVMs start at once: they are the slow part.
    ExecutorService starter = Executors.newFixedThreadPool(2);
    try {
      List<Future<Object>> started = new ArrayList<>();
      for (GatewayProcess g : gateways) {
        started.add(
            starter.submit(
                () -> {
                  g.start();
                  return null;
                }));
      }
      for (Future<Object> f : started) {
        f.get();
      }
    } finally {
      starter.shutdown();
    }
  }

  @AfterAll
  void stop() throws Exception {
    for (GatewayProcess g : gateways) {
      if (g != null) {
        g.stop();
      }
    }
    for (AutoCloseable c : new AutoCloseable[] {upstream, authority, db}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  @Order(1)
  void aRevocationAtTheAuthority_isPushedToBothGatewayProcesses() throws Exception {
    String token = authority.mint("api:list_issues:/repos/octo/**", null);
    for (GatewayProcess g : gateways) {
      assertThat(call(g, "/repos/octo/hello/issues", token).statusCode()).isEqualTo(200);
    }
    long sequence = authority.revoke(Capability.decode(token).tokenId());
    long revoked = System.nanoTime();
    // Waits on each gateway's view itself (its metrics), not on calls. Applied within half a poll
    // wait, the revocation was pushed to the poll each gateway had waiting; a gateway that only
    // polled would take up to the whole wait. How fast the push is belongs to a quiet machine's
    // benchmark, not to a test on a shared one.
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Duration>> took = new ArrayList<>();
      for (GatewayProcess g : gateways) {
        Callable<Duration> untilApplied =
            () -> {
              Await.until(Duration.ofSeconds(60), () -> g.appliedSequence() >= sequence);
              return Duration.ofNanos(System.nanoTime() - revoked);
            };
        took.add(pool.submit(untilApplied));
      }
      for (int i = 0; i < 2; i++) {
        assertThat(took.get(i).get()).as(gateways[i].name).isLessThan(POLL_WAIT.dividedBy(2));
      }
    } finally {
      pool.shutdown();
    }
    // Once applied, the next call is denied as revoked: no waiting on calls.
    for (GatewayProcess g : gateways) {
      HttpResponse<String> r = call(g, "/repos/octo/hello/issues", token);
      assertThat(TestPeers.JSON.readTree(r.body()).get("code").asText()).isEqualTo("REVOKED");
    }
  }

  @Test
  @Order(2)
  void maxUses_isSharedExactly_whenBothGatewayProcessesAreHammeredAtOnce() throws Exception {
    String token = authority.mint("api:list_issues:/repos/octo/**", "\"maxUses\":20");
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<HttpResponse<String>>> replies = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      GatewayProcess g = gateways[i % 2];
      String path = "/repos/octo/r" + i + "/issues";
      replies.add(pool.submit(() -> call(g, path, token)));
    }
    Map<String, Integer> outcomes = new HashMap<>();
    for (Future<HttpResponse<String>> f : replies) {
      HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
      String outcome =
          r.statusCode() == 200
              ? "allowed"
              : r.statusCode() + " " + TestPeers.JSON.readTree(r.body()).path("code").asText();
      outcomes.merge(outcome, 1, Integer::sum);
    }
    pool.shutdown();
    assertThat(outcomes).isEqualTo(Map.of("allowed", 20, "403 LIMIT_EXCEEDED", 100));
  }

  @Test
  @Order(3)
  void manyHoldersOfOneDelegationTree_acrossBothProcesses_neverSpendBeyondAnyAncestorsBudget()
      throws Exception {
    // parent (sum 1000) -> a (sum 400) -> a1 (no budget of its own)
    //                   -> b (calls 60 an hour)
    //                   -> c (no budget of its own)
    String parent =
        authority.mint("api:create_issue:/repos/octo/**", "\"budgets\":[\"sum(/amount)<=1000\"]");
    Capability root = Capability.decode(parent);
    Capability a = root.attenuate().budget("sum(/amount)<=400").sign();
    Capability a1 = a.attenuate().sign();
    Capability b = root.attenuate().budget("calls<=60/1h").sign();
    Capability c = root.attenuate().sign();
    List<String> holders = List.of(parent, a.toText(), a1.toText(), b.toText(), c.toText());
    java.util.Random amounts = new java.util.Random(15);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<HttpResponse<String>>> replies = new ArrayList<>();
    List<Integer> holderOf = new ArrayList<>();
    List<Integer> amountOf = new ArrayList<>();
    for (int i = 0; i < 240; i++) {
      GatewayProcess g = gateways[i % 2];
      int holder = (i / 2) % holders.size();
      int amount = 1 + amounts.nextInt(20);
      holderOf.add(holder);
      amountOf.add(amount);
      String token = holders.get(holder);
      replies.add(
          pool.submit(
              () ->
                  send(
                      HttpRequest.newBuilder(URI.create(g.url() + "/repos/octo/r/issues"))
                          .header("Authorization", "Bearer " + token)
                          .header("Content-Type", "application/json")
                          .POST(
                              HttpRequest.BodyPublishers.ofString(
                                  "{\"amount\": " + amount + "}")))));
    }
    long[] spent = new long[holders.size()];
    int[] calls = new int[holders.size()];
    int denied = 0;
    for (int i = 0; i < replies.size(); i++) {
      HttpResponse<String> r = replies.get(i).get(60, TimeUnit.SECONDS);
      if (r.statusCode() == 200) {
        spent[holderOf.get(i)] += amountOf.get(i);
        calls[holderOf.get(i)]++;
      } else {
        JsonNode problem = TestPeers.JSON.readTree(r.body());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(problem.get("code").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(problem.has("budget")).as(r.body()).isTrue();
        denied++;
      }
    }
    pool.shutdown();
    long total = java.util.Arrays.stream(spent).sum();
    assertThat(total).as("the parent's budget").isLessThanOrEqualTo(1000);
    assertThat(spent[1] + spent[2])
        .as("a's budget, shared with its child a1")
        .isLessThanOrEqualTo(400);
    assertThat(calls[3]).as("b's rate").isLessThanOrEqualTo(60);
    // 240 calls of 1..20 ask for about 2,500: the parent's budget runs out, nearly to the end.
    assertThat(denied).isPositive();
    assertThat(total).isGreaterThan(1000 - 20);
    // Both processes read the same ledger: what is left is what the calls did not spend.
    for (GatewayProcess g : gateways) {
      HttpResponse<String> left =
          send(
              HttpRequest.newBuilder(URI.create(g.url() + "/budgets"))
                  .header("Authorization", "Bearer " + a1.toText()));
      JsonNode budgets = TestPeers.JSON.readTree(left.body()).get("budgets");
      assertThat(budgets.get(0).get("remaining").asLong()).isEqualTo(1000 - total);
      assertThat(budgets.get(1).get("remaining").asLong()).isEqualTo(400 - spent[1] - spent[2]);
    }
  }

  @Test
  @Order(4)
  void aGatewayKilledUnderLoad_losesNoAuditRecord_afterItRestartsOnItsSpool() throws Exception {
    GatewayProcess victim = gateways[0];
    String token = authority.mint("api:list_issues:/repos/octo/**", null);
    String tokenId = Capability.decode(token).tokenId();
    // Every call has its own resource, so its audit record can be told apart; every fourth is
    // denied (outside the grant), so denials are covered as well as allowed calls.
    AtomicInteger next = new AtomicInteger();
    Map<String, Integer> answered = new ConcurrentHashMap<>();
    AtomicBoolean dead = new AtomicBoolean();
    ExecutorService load = Executors.newFixedThreadPool(8);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      workers.add(
          load.submit(
              () -> {
                while (!dead.get()) {
                  int i = next.incrementAndGet();
                  String resource = (i % 4 == 0 ? "/repos/other/r" : "/repos/octo/r") + i;
                  HttpResponse<String> r = call(victim, resource + "/issues", token);
                  if (r == null) {
                    return;
                  }
                  answered.put(resource, r.statusCode());
                }
              }));
    }
    Await.until(Duration.ofSeconds(30), () -> answered.size() >= 200);
    victim.kill();
    dead.set(true);
    for (Future<?> w : workers) {
      w.get(30, TimeUnit.SECONDS);
    }
    load.shutdown();
    Map<String, Integer> before = Map.copyOf(answered);
    assertThat(before.values()).contains(200, 403);

    victim.start();
    Await.until(
        Duration.ofSeconds(30), () -> victim.health().path("auditPendingBytes").asLong() == 0);
    Map<String, Integer> records = new HashMap<>();
    Await.until(
        Duration.ofSeconds(15),
        () -> {
          records.clear();
          records.putAll(recordsByResource(tokenId));
          return records.keySet().containsAll(before.keySet());
        });
    for (Map.Entry<String, Integer> e : before.entrySet()) {
      assertThat(records.get(e.getKey())).as("audit records for " + e.getKey()).isEqualTo(1);
    }
    // Calls in flight at the kill may be recorded without an answer, but never twice.
    assertThat(records.values()).allMatch(n -> n == 1);
  }

  /** Counts the authority's decision records for a token, by resource; pages through them all. */
  private Map<String, Integer> recordsByResource(String tokenId) {
    Map<String, Integer> out = new HashMap<>();
    long after = 0;
    while (true) {
      Reply r =
          Http.get(
              authority.url() + "/v1/audit?tokenId=" + tokenId + "&limit=1000&after=" + after,
              authority.adminAuth);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      JsonNode page = r.json();
      for (JsonNode n : page.get("records")) {
        if (n.get("type").asText().equals("decision")) {
          out.merge(n.get("detail").get("resource").asText(), 1, Integer::sum);
        }
      }
      JsonNode nextAfter = page.get("nextAfter");
      if (nextAfter == null || nextAfter.isNull()) {
        return out;
      }
      after = nextAfter.asLong();
    }
  }

  private static HttpResponse<String> call(GatewayProcess g, String path, String token) {
    return send(
        HttpRequest.newBuilder(URI.create(g.url() + path))
            .header("Authorization", "Bearer " + token));
  }

  /** Sends; null when the gateway cannot be reached or the connection breaks. */
  private static HttpResponse<String> send(HttpRequest.Builder b) {
    try {
      return HTTP.send(
          b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
