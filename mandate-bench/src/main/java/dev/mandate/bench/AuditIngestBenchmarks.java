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
 * <p>Each batch's events carry the time it is sent, the last one now and the others {@value
 * #EVENT_SPACING_MICROS} µs apart before it, as a busy gateway's decisions would: the trail's time
 * index then grows at its end, as in production. (Sending the same times in every batch, as this
 * benchmark once did, inserts each batch's entries at a hundred places across that index, a worst
 * case no gateway produces, which inflated the figures.)
 *
 * <p>Read {@code cpu.process.norm} ({@code -prof dev.mandate.bench.CpuTimeProfiler}): the CPU time
 * of the whole JVM per event, which is the authority's HTTP threads, the store and the client's
 * sending thread (the gateway uploader's part), plus GC and JIT. Wall time per event is mostly
 * SQLite's commit.
 */
public class AuditIngestBenchmarks extends MicroBenchmark {
  static final int EVENTS = 100;

  /**
   * The events of one batch in {@link #ingestLargeBatch}: the most the authority takes in one batch
   * ({@code AuditEndpoints.MAX_EVENTS_PER_BATCH}), about 470 KB, which needs a larger body limit
   * than the authority's default 64 KiB (set here) and a larger batch than the gateway's uploader
   * sends today (at most 56 KiB).
   */
  static final int LARGE_EVENTS = 1000;

  /** The time between two decisions of a batch: about 10,000 decisions a second. */
  static final int EVENT_SPACING_MICROS = 100;

  private Path dir;
  private Stack authority;
  private HttpClient http;
  private URI endpoint;
  private String gateway;
  // Event i is eventHeads[i], its time, eventTails[i]: only the times change between batches.
  private byte[][] eventHeads;
  private byte[][] eventTails;
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
            .authority(b -> b.auditEventsPerSecond(1_000_000).maxBodyBytes(1024 * 1024))
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
    eventHeads = new byte[LARGE_EVENTS][];
    eventTails = new byte[LARGE_EVENTS][];
    for (int i = 0; i < LARGE_EVENTS; i++) {
      AuthorityApi.Minted token = tokens.get(i % tokens.size());
      eventHeads[i] = eventHead(token, i).getBytes(StandardCharsets.UTF_8);
      eventTails[i] = eventTail(token, i).getBytes(StandardCharsets.UTF_8);
    }
    // Refuse to measure a path that does not record anything.
    int status = send(EVENTS);
    if (status == 201) {
      status = send(LARGE_EVENTS);
    }
    if (status != 201) {
      throw new IllegalStateException("the authority answered " + status + " to the first batch");
    }
  }

  /** Event {@code i} up to its time, as the gateway's Guard writes it. */
  private static String eventHead(AuthorityApi.Minted t, int i) {
    return (i > 0 ? "," : "")
        + "{\"type\":\"decision\",\"actor\":\"gw-bench\",\"tokenId\":\""
        + t.tokenId()
        + "\",\"at\":\"";
  }

  /** Event {@code i} after its time. */
  private static String eventTail(AuthorityApi.Minted t, int i) {
    boolean allow = i % 10 != 9;
    return "\",\"detail\":{\"decision\":\""
        + (allow ? "allow" : "deny")
        + "\",\"code\":\""
        + (allow ? "ALLOWED" : "GRANT_NOT_MATCHED")
        + "\",\"blocks\":[{\"revocationId\":\""
        + t.revocationIds().get(0)
        + "\"}],\"reason\":\""
        + (allow ? "allowed by block 0" : "no grant of block 0 matches files:read:/etc")
        + "\",\"service\":\"files\",\"action\":\"read\",\"resource\":\"/data/reports/"
        + i
        + ".csv\",\"audience\":\"gw-bench\",\"sourceIp\":\"127.0.0.1\","
        + "\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\","
        + "\"status\":"
        + (allow ? 200 : 403)
        + "}}";
  }

  /**
   * Sends the first {@code count} events as a new batch, built as the uploader builds it; returns
   * the status.
   */
  private int send(int count) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream(count * 512);
    body.write(
        ("{\"batchId\":\"bench-" + batch++ + "\",\"events\":[")
            .getBytes(StandardCharsets.US_ASCII));
    Instant last = Instant.now();
    for (int i = 0; i < count; i++) {
      Instant at =
          last.minus((count - 1 - i) * (long) EVENT_SPACING_MICROS, ChronoUnit.MICROS)
              .truncatedTo(ChronoUnit.MILLIS);
      body.write(eventHeads[i]);
      body.write(at.toString().getBytes(StandardCharsets.US_ASCII));
      body.write(eventTails[i]);
    }
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
    return sendOrFail(EVENTS);
  }

  /**
   * One batch of {@value #LARGE_EVENTS} decisions: what the authority would spend per decision if
   * gateways sent larger batches.
   */
  @Benchmark
  @OperationsPerInvocation(LARGE_EVENTS)
  public int ingestLargeBatch() throws IOException {
    return sendOrFail(LARGE_EVENTS);
  }

  private int sendOrFail(int count) throws IOException {
    int status = send(count);
    if (status != 201) {
      throw new IllegalStateException("the authority answered " + status);
    }
    return status;
  }
}
