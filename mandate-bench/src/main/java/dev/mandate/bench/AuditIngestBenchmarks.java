package dev.mandate.bench;

import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Stack;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

/**
 * The authority's cost per gateway decision it records: one operation is one decision event, sent
 * as a gateway's uploader sends it ({@code POST /v1/audit/batches}, {@value #EVENTS} events of the
 * shape {@code Guard} writes, about 470 bytes each, in one batch of about 47 KB, under the
 * uploader's 56 KiB) to an in-process authority on SQLite, over loopback HTTP as client {@code
 * gateway} (role gateway). Each invocation is a new batch id, so every event is decoded, checked,
 * hashed into the chain and inserted.
 *
 * <p>Read {@code cpu.process.norm} ({@code -prof dev.mandate.bench.CpuTimeProfiler}): the CPU time
 * of the whole JVM per event, which is the authority's HTTP threads, the store and the client's
 * sending thread (the gateway uploader's part), plus GC and JIT. Wall time per event is mostly
 * SQLite's commit.
 */
public class AuditIngestBenchmarks extends MicroBenchmark {
  static final int EVENTS = 100;

  private Path dir;
  private Stack authority;
  private HttpClient http;
  private URI endpoint;
  private String gateway;
  private byte[] events;
  private long batch;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("mandate-audit-ingest-bench");
    authority =
        Stack.builder(dir)
            .policy(
                """
                version: 1
                clients:
                  admin:
                    grants: ["files:read:/data/*"]
                    maxTtl: 2h
                  gateway:
                    role: gateway
                """)
            .clients("gateway")
            .throwawayMasterKey()
            // The benchmark uploads far faster than one gateway is allowed to by default.
            .authority(b -> b.auditEventsPerSecond(1_000_000))
            .start();
    stopAtExit();
    AuthorityApi api = authority.api();
    List<AuthorityApi.Minted> tokens = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      tokens.add(api.mint(api.admin(), "2h", null, null, "files:read:/data/*"));
    }
    gateway = dev.mandate.testkit.Http.basic("gateway", authority.secret("gateway"));
    endpoint = URI.create(authority.url() + "/v1/audit/batches");
    http = HttpClient.newHttpClient();
    events = events(tokens, Instant.now().truncatedTo(ChronoUnit.MILLIS));
    // Refuse to measure a path that does not record anything.
    int status = send();
    if (status != 201) {
      throw new IllegalStateException("the authority answered " + status + " to the first batch");
    }
  }

  /** {@value #EVENTS} decisions as the gateway's Guard writes them, comma-separated. */
  private static byte[] events(List<AuthorityApi.Minted> tokens, Instant at) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < EVENTS; i++) {
      AuthorityApi.Minted t = tokens.get(i % tokens.size());
      boolean allow = i % 10 != 9;
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"type\":\"decision\",\"actor\":\"gw-bench\",\"tokenId\":\"")
          .append(t.tokenId())
          .append("\",\"at\":\"")
          .append(at.plusMillis(i))
          .append("\",\"detail\":{\"decision\":\"")
          .append(allow ? "allow" : "deny")
          .append("\",\"code\":\"")
          .append(allow ? "ALLOWED" : "GRANT_NOT_MATCHED")
          .append("\",\"blocks\":[{\"revocationId\":\"")
          .append(t.revocationIds().get(0))
          .append("\"}],\"reason\":\"")
          .append(allow ? "allowed by block 0" : "no grant of block 0 matches files:read:/etc")
          .append("\",\"service\":\"files\",\"action\":\"read\",\"resource\":\"/data/reports/")
          .append(i)
          .append(".csv\",\"audience\":\"gw-bench\",\"sourceIp\":\"127.0.0.1\",")
          .append("\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\",")
          .append("\"status\":")
          .append(allow ? 200 : 403)
          .append("}}");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Sends the events as a new batch, built as the uploader builds it; returns the status. */
  private int send() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream(events.length + 64);
    body.write(
        ("{\"batchId\":\"bench-" + batch++ + "\",\"events\":[")
            .getBytes(StandardCharsets.US_ASCII));
    body.write(events);
    body.write("]}".getBytes(StandardCharsets.US_ASCII));
    HttpRequest request =
        HttpRequest.newBuilder(endpoint)
            .header("Authorization", gateway)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * Stops the authority and deletes its files when the forked JVM exits: a trial tear-down would
   * run inside the last measured iteration, whose authority CPU would then be lost with its
   * threads.
   */
  private void stopAtExit() {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  authority.close();
                  try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                      Files.deleteIfExists(p);
                    }
                  } catch (IOException e) {
                    System.err.println("cannot delete " + dir + ": " + e);
                  }
                }));
  }

  /** One batch of {@value #EVENTS} decisions recorded; the time and CPU are per decision. */
  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public int ingestBatch() throws IOException {
    int status = send();
    if (status != 201) {
      throw new IllegalStateException("the authority answered " + status);
    }
    return status;
  }
}
