package dev.mandate.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a connection whose request line and headers take too long: Jetty 12 has no header read
 * timeout, and its idle timeout restarts with every byte, so one header byte every few seconds
 * would hold a connection for hours.
 *
 * <p>Each connection is looked at once per {@code timeout} from a scheduler, by its counters only
 * (requests begun, responses finished, bytes read), so nothing runs per byte:
 *
 * <ul>
 *   <li>no request has begun by the first look: the first request's headers did not arrive within
 *       {@code timeout} of the connection opening (a silent connection included); closed;
 *   <li>a request is being handled (Jetty counts a response once it is committed): nothing to do;
 *       its body has its own deadline;
 *   <li>between requests, no byte since the last look: an idle keep-alive connection, left to the
 *       idle timeout;
 *   <li>between requests, bytes arrived but no request began for two looks in a row: a request
 *       started and its headers were not complete within at most two periods; closed.
 * </ul>
 */
final class HeaderTimeout implements Connection.Listener {
  private final Scheduler scheduler;
  private final long periodMillis;
  private final Map<Connection, Watch> watched = new ConcurrentHashMap<>();
  private final LongAdder closed = new LongAdder();

  HeaderTimeout(Scheduler scheduler, long periodMillis) {
    this.scheduler = scheduler;
    this.periodMillis = periodMillis;
  }

  /** Connections closed for headers that came too slowly. */
  long closed() {
    return closed.sum();
  }

  @Override
  public void onOpened(Connection connection) {
    Watch watch = new Watch(connection);
    watched.put(connection, watch);
    watch.schedule();
  }

  @Override
  public void onClosed(Connection connection) {
    Watch watch = watched.remove(connection);
    if (watch != null) {
      watch.cancel();
    }
  }

  private final class Watch implements Runnable {
    private final Connection connection;
    private long requests;
    private long responses;
    private long bytes;
    private boolean partial;
    private volatile Scheduler.Task task;

    Watch(Connection connection) {
      this.connection = connection;
    }

    void schedule() {
      if (watched.get(connection) == this) {
        task = scheduler.schedule(this, periodMillis, TimeUnit.MILLISECONDS);
      }
    }

    void cancel() {
      Scheduler.Task t = task;
      if (t != null) {
        t.cancel();
      }
    }

    @Override
    public void run() {
      if (!connection.getEndPoint().isOpen()) {
        return;
      }
      long begun = connection.getMessagesIn();
      long finished = connection.getMessagesOut();
      long read = connection.getBytesIn();
      if (begun == 0) {
        close();
        return;
      }
      if (begun > finished || begun != requests || finished != responses) {
        // Handling a request, or one began or answered since the last look: the wait for the next
        // request's headers starts now.
        requests = begun;
        responses = finished;
        bytes = read;
        partial = false;
      } else if (read != bytes) {
        if (partial) {
          close();
          return;
        }
        partial = true;
        bytes = read;
      }
      schedule();
    }

    private void close() {
      closed.increment();
      connection.getEndPoint().close();
    }
  }
}
