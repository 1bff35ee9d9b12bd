package dev.mandate.gateway;

import dev.mandate.server.Tracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the spool's events to {@code POST /v1/audit/batches}, oldest first, and advances the spool
 * only after a 2xx. While the authority is down it retries with exponential backoff (100 ms to 5
 * s); after a restart it resumes where the spool's cursor says.
 */
final class AuditUploader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditUploader.class);

  /**
   * The authority accepts at most 1000 events and 1 MiB per batch. An older authority takes 64 KiB
   * bodies: its 413 halves the byte budget, which then stays lowered (see {@link #maxBytes}).
   */
  static final int MAX_EVENTS = 1000;

  static final int MAX_BYTES = 960 * 1024;
  private static final int MIN_BYTES = 16 * 1024;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final long IDLE_WAIT_MS = 100;

  /**
   * After sending a batch that was not full, wait this long for more events: each batch costs a
   * request, two cursor fsyncs here and a transaction at the authority, which a steady trickle of
   * events would otherwise pay once per event or two.
   */
  private static final long LINGER_MS = 500;

  private final AuditSpool spool;
  private final HttpClient http;
  private final Tracing tracing;
  private final URI endpoint;
  private final String authorization;
  private final Counter uploaded;
  private final Counter failures;
  private final Thread thread;
  private final Object wake = new Object();
  private volatile boolean running = true;
  private int maxEvents = MAX_EVENTS;
  // Lowered for good by an authority that refuses a batch as too large (413).
  private int maxBytes = MAX_BYTES;
  private boolean lastBatchFull;

  AuditUploader(
      AuditSpool spool,
      HttpClient http,
      Tracing tracing,
      GatewayConfig.Authority authority,
      MeterRegistry metrics) {
    this.tracing = tracing;
    this.spool = spool;
    this.http = http;
    this.endpoint = authority.url().resolve("/v1/audit/batches");
    this.authorization = authority.basicAuthorization();
    this.uploaded =
        Counter.builder("mandate.gateway.audit.uploaded")
            .description("Audit events the authority acknowledged")
            .register(metrics);
    this.failures =
        Counter.builder("mandate.gateway.audit.upload.failures")
            .description("Failed audit batch uploads (retried)")
            .register(metrics);
    metrics.gauge("mandate.gateway.audit.spool.pending.bytes", spool, s -> s.pendingBytes());
    this.thread = new Thread(this::run, "mandate-audit-upload");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Asks the uploader to look for new events now. */
  void nudge() {
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  /**
   * Uploads until the spool is drained or {@code timeout} passes, then stops the background thread.
   *
   * @return true if everything was acknowledged
   */
  boolean drainAndStop(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!spool.drained() && System.nanoTime() < deadline) {
      nudge();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    boolean drained = spool.drained();
    close();
    return drained;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(REQUEST_TIMEOUT.toMillis() + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    long backoffMs = 100;
    int failuresInARow = 0;
    while (running) {
      boolean progressed;
      try {
        progressed = uploadOne();
        if (failuresInARow > 0) {
          LOG.info("audit uploads to {} work again after {} failures", endpoint, failuresInARow);
        }
        failuresInARow = 0;
        backoffMs = 100;
      } catch (IOException | RuntimeException e) {
        failures.increment();
        failuresInARow++;
        if (failuresInARow == 1 || failuresInARow % 20 == 0) {
          LOG.warn(
              "cannot upload audit events to {} ({} failures in a row; {} bytes waiting): {}",
              endpoint,
              failuresInARow,
              spool.pendingBytes(),
              e.toString());
        }
        sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5_000);
        continue;
      } catch (InterruptedException e) {
        if (!running) {
          return;
        }
        continue;
      }
      if (!progressed || !lastBatchFull) {
        synchronized (wake) {
          if (running) {
            try {
              wake.wait(progressed ? LINGER_MS : IDLE_WAIT_MS);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      }
    }
  }

  /** Sends one batch; returns false when there was nothing to send. */
  private boolean uploadOne() throws IOException, InterruptedException {
    AuditSpool.Batch batch = spool.nextBatch(maxEvents, maxBytes);
    if (batch == null) {
      return false;
    }
    spool.markPending(batch);
    lastBatchFull =
        batch.events().size() >= maxEvents || batch.end() - batch.offset() >= maxBytes / 2;
    ByteArrayOutputStream body =
        new ByteArrayOutputStream(
            (int) (batch.end() - batch.offset()) + batch.events().size() + 256);
    body.write(
        ("{\"batchId\":\"" + batch.batchId() + "\",\"events\":[")
            .getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < batch.events().size(); i++) {
      if (i > 0) {
        body.write(',');
      }
      body.write(batch.events().get(i));
    }
    body.write("]}".getBytes(StandardCharsets.US_ASCII));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(REQUEST_TIMEOUT)
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    HttpResponse<String> response =
        tracing.send(http, request, HttpResponse.BodyHandlers.ofString());
    int status = response.statusCode();
    if (status == 200 || status == 201) {
      spool.acknowledge(batch);
      uploaded.increment(status == 201 ? batch.events().size() : 0);
      maxEvents = MAX_EVENTS;
      return true;
    }
    if (status == 400 || status == 413 || status == 422) {
      // Refused as a whole and nothing recorded: find the offending event by halving the batch.
      spool.clearPending();
      if (status == 413 && batch.events().size() > 1) {
        // The authority's limit is below this budget (a single event too large is rejected below
        // and says nothing about the limit).
        maxBytes = Math.max(MIN_BYTES, (int) Math.min(maxBytes, batch.end() - batch.offset()) / 2);
      }
      if (batch.events().size() > 1) {
        maxEvents = Math.max(1, batch.events().size() / 2);
        LOG.warn("the authority refused an audit batch (HTTP {}); retrying smaller", status);
        return true;
      }
      spool.reject(batch, AuthorityLink.answer(response));
      maxEvents = MAX_EVENTS;
      return true;
    }
    throw new IOException("the authority answered " + AuthorityLink.answer(response));
  }

  /** Backoff: not cut short by nudges, so an outage is not hammered at the call rate. */
  private void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      // close() interrupts; the loop checks 'running'.
    }
  }
}
