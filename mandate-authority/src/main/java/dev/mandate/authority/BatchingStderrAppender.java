package dev.mandate.authority;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A logback appender for a log of a line per request (the gateway's decision log, logger {@code
 * mandate.decisions}): the logging thread only queues the event; one writer thread formats what has
 * queued and writes it to standard error in one write. At rest each line leaves at once; under load
 * many lines share one system call, and none is formatted on a request thread. Nothing is dropped:
 * a logging thread waits while the queue ({@link #setQueueSize}, default 8,192 events) is full, as
 * it would wait on a slow standard error without this appender. What is queued when the JVM exits
 * is written by a shutdown hook, and {@link #stop} writes it too.
 *
 * <p>Configured like a {@code ConsoleAppender}, with an {@code encoder}. Writes go to {@link
 * System#err} as it is at the time of writing.
 */
public final class BatchingStderrAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private static final int MAX_BATCH = 1024;

  private Encoder<ILoggingEvent> encoder;
  private int queueSize = 8192;
  private BlockingQueue<ILoggingEvent> queue;
  private Thread writer;
  private Thread hook;
  private final Object writing = new Object();
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(16 * 1024);
  private final List<ILoggingEvent> batch = new ArrayList<>();

  /** The encoder that formats each event (required). */
  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  /** How many events may wait to be written before a logging thread waits (at least 1). */
  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("no encoder for the appender named [" + name + "]");
      return;
    }
    if (queueSize < 1) {
      addError("queueSize must be at least 1, got " + queueSize);
      return;
    }
    queue = new ArrayBlockingQueue<>(queueSize);
    byte[] header = encoder.headerBytes();
    if (header != null && header.length > 0) {
      System.err.write(header, 0, header.length);
      System.err.flush();
    }
    writer = new Thread(this::writeUntilStopped, "mandate-log-writer-" + name);
    writer.setDaemon(true);
    writer.start();
    hook = new Thread(this::writeQueued, "mandate-log-writer-exit-" + name);
    try {
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      hook = null;
    }
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    // What the event refers to (message arguments, the thread's name, the MDC) is fixed now.
    event.prepareForDeferredProcessing();
    try {
      queue.put(event);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      synchronized (writing) {
        batch.add(event);
        write();
      }
    }
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    writer.interrupt();
    try {
      writer.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writeQueued();
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running or has run.
      }
    }
  }

  private void writeUntilStopped() {
    while (true) {
      ILoggingEvent first;
      try {
        first = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      synchronized (writing) {
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        write();
      }
    }
  }

  /** Writes whatever is queued now. */
  private void writeQueued() {
    synchronized (writing) {
      while (queue.drainTo(batch, MAX_BATCH) > 0) {
        write();
      }
    }
  }

  /** Formats the batch and writes it to standard error in one write; holds {@link #writing}. */
  private void write() {
    try {
      for (ILoggingEvent e : batch) {
        try {
          buffer.write(encoder.encode(e));
        } catch (RuntimeException failure) {
          addError("cannot format a log event", failure);
        }
      }
      PrintStream err = System.err;
      buffer.writeTo(err);
      err.flush();
    } catch (IOException e) {
      addError("cannot write to standard error", e);
    } finally {
      batch.clear();
      buffer.reset();
    }
  }
}
