package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.PostgresSchema;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
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
  private static final Duration START_TIMEOUT = Duration.ofSeconds(40);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @TempDir static Path tmp;
  private PostgresSchema db;
  private Stack authority;
  private EchoUpstream upstream;
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
          ProxySetup.config(authority, upstream, tmp.resolve(name + "-spool"), REDIS)
              .replace("port: 0}", "port: " + port + "}");
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
              "-cp",
              System.getProperty("java.class.path"),
              GatewayServer.class.getName(),
              "--config",
              config.toString());
      pb.environment().put("GW_SECRET", authority.secret("gateway"));
      pb.environment().put("UPSTREAM_TOKEN", ProxySetup.UPSTREAM_SECRET);
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (health() == null || health().path("status").asText().equals("stale")) {
        if (!process.isAlive()) {
          throw new AssertionError(name + " exited at start; its log:\n" + logText());
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(name + " not healthy in " + START_TIMEOUT + ":\n" + logText());
        }
        sleep(50);
      }
    }

    /** The gateway's /health answer, or null while it does not answer. */
    JsonNode health() {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url() + "/health")));
      try {
        return r == null ? null : ProxySetup.JSON.readTree(r.body());
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
        ProxySetup.stack(
            Files.createDirectories(tmp.resolve("authority")), b -> b.jdbcUrl(db.jdbcUrl()));
    upstream = new EchoUpstream();
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
  void aRevocationAtTheAuthority_reachesBothGatewayProcessesWithinOneSecond() throws Exception {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    for (GatewayProcess g : gateways) {
      assertThat(call(g, "/repos/octo/hello/issues", token).statusCode()).isEqualTo(200);
    }
    ProxySetup.revoke(authority, Capability.decode(token).tokenId());
    long revoked = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Duration>> took = new ArrayList<>();
      for (GatewayProcess g : gateways) {
        Callable<Duration> untilDenied =
            () -> {
              Await.until(
                  Duration.ofSeconds(5),
                  () -> call(g, "/repos/octo/hello/issues", token).statusCode() == 403);
              return Duration.ofNanos(System.nanoTime() - revoked);
            };
        took.add(pool.submit(untilDenied));
      }
      for (int i = 0; i < 2; i++) {
        assertThat(took.get(i).get()).as(gateways[i].name).isLessThan(Duration.ofSeconds(1));
      }
    } finally {
      pool.shutdown();
    }
    for (GatewayProcess g : gateways) {
      HttpResponse<String> r = call(g, "/repos/octo/hello/issues", token);
      assertThat(ProxySetup.JSON.readTree(r.body()).get("code").asText()).isEqualTo("REVOKED");
    }
  }

  @Test
  @Order(2)
  void maxUses_isSharedExactly_whenBothGatewayProcessesAreHammeredAtOnce() throws Exception {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", "\"maxUses\":20");
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
              : r.statusCode() + " " + ProxySetup.JSON.readTree(r.body()).path("code").asText();
      outcomes.merge(outcome, 1, Integer::sum);
    }
    pool.shutdown();
    assertThat(outcomes).isEqualTo(Map.of("allowed", 20, "403 LIMIT_EXCEEDED", 100));
  }

  @Test
  @Order(3)
  void aGatewayKilledUnderLoad_losesNoAuditRecord_afterItRestartsOnItsSpool() throws Exception {
    GatewayProcess victim = gateways[0];
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
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
              authority.admin());
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
