package dev.mandate.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Makes a request body arrive at a minimum average rate: byte {@code n} must have arrived by {@code
 * start + grace + n / bytesPerSecond}, where {@code start} is the handler's first read. A read that
 * waits past that deadline fails with a {@link TimeoutException}, which releases a thread blocked
 * in it; Jetty then closes the connection, whose body was not read to the end.
 *
 * <p>Jetty's {@code MinimumDataRateHandler} checks the rate only when data arrives, so a client
 * that sends nothing after its headers holds a blocked reader until the idle timeout, which has to
 * stay longer than the longest long-poll; this one also arms a timer for the next byte.
 */
final class BodyDeadline extends Handler.Wrapper {
  private final long graceNanos;
  private final long bytesPerSecond;
  private final LongAdder cut = new LongAdder();

  BodyDeadline(long graceNanos, long bytesPerSecond) {
    this.graceNanos = graceNanos;
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Request bodies cut for arriving too slowly. */
  long cut() {
    return cut.sum();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    // No body (neither a length nor chunks, or Content-Length: 0): nothing to time, and no
    // wrapper on the hot path.
    long length = request.getLength();
    if (length == 0
        || (length < 0 && !request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING))) {
      return super.handle(request, response, callback);
    }
    return super.handle(new Timed(request), response, callback);
  }

  /**
   * Read and demand come from one reader at a time (the {@link Content.Source} contract), so the
   * counters need no locking; only the failure is seen by the timer's thread.
   */
  private final class Timed extends Request.Wrapper {
    private final Scheduler scheduler;
    private long start;
    private long received;
    private volatile Content.Chunk failure;

    Timed(Request request) {
      super(request);
      this.scheduler = request.getComponents().getScheduler();
    }

    @Override
    public Content.Chunk read() {
      Content.Chunk failed = failure;
      if (failed != null) {
        return failed;
      }
      begin();
      Content.Chunk chunk = super.read();
      if (chunk != null) {
        received += chunk.remaining();
      }
      return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
      if (failure != null) {
        demandCallback.run();
        return;
      }
      begin();
      long wait = deadline(received + 1) - System.nanoTime();
      if (wait <= 0) {
        fail();
        demandCallback.run();
        return;
      }
      AtomicBoolean once = new AtomicBoolean();
      Scheduler.Task timer =
          scheduler.schedule(
              () -> {
                if (once.compareAndSet(false, true)) {
                  fail();
                  demandCallback.run();
                }
              },
              wait,
              TimeUnit.NANOSECONDS);
      super.demand(
          () -> {
            if (once.compareAndSet(false, true)) {
              timer.cancel();
              demandCallback.run();
            }
          });
    }

    private void begin() {
      if (start == 0) {
        start = System.nanoTime() | 1;
      }
    }

    private long deadline(long bytes) {
      long allowance =
          bytes > Long.MAX_VALUE / 1_000_000_000L
              ? Long.MAX_VALUE / 2
              : bytes * 1_000_000_000L / bytesPerSecond;
      return start + graceNanos + Math.min(allowance, Long.MAX_VALUE / 4);
    }

    private void fail() {
      cut.increment();
      failure =
          Content.Chunk.from(
              new TimeoutException(
                  "the request body arrived slower than "
                      + bytesPerSecond
                      + " bytes per second; the connection is closed"));
    }
  }
}
