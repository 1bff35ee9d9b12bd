package dev.mandate.server;

import dev.mandate.config.Durations;
import java.time.Duration;

/**
 * What one network peer, authenticated or not, can hold of a server: connections, time and threads.
 * Immutable; start from {@link #defaults()} or {@link #builder()}; every setter checks its range
 * and says which it is, and so does the constructor.
 *
 * <p>Defaults (each a builder method of the same name):
 *
 * <ul>
 *   <li>{@code maxConnections} 1024: open connections in total; past it the server stops accepting
 *       (new connections wait in the operating system's queue).
 *   <li>{@code maxConnectionsPerAddress} 64: open connections from one client IP address; more are
 *       closed as soon as they are accepted.
 *   <li>{@code headerTimeout} 10 s: the first request's line and headers must be complete within it
 *       of the connection opening, and a later request's within two of its first byte; a connection
 *       that misses it is closed. It is also the grace period before a request body must flow.
 *   <li>{@code idleTimeout} 60 s: a connection silent in both directions for this long is closed
 *       (longer than the longest long-poll, so a waiting follower is not cut off).
 *   <li>{@code minRequestBytesPerSecond} 8 KiB: a request body must arrive at this rate on average,
 *       after {@code headerTimeout}; a body that falls behind fails to read (the handler answers
 *       its error and the connection is closed).
 *   <li>{@code maxRequestHeaderBytes} 16 KiB: the request line and headers; more is a 431.
 *   <li>{@code maxThreads} 200 and {@code protectedThreads} 32: requests other than the protected
 *       ones (the health check, the revocation feed) run at most {@code maxThreads -
 *       protectedThreads} at a time, so those always find a thread.
 *   <li>{@code queueTimeout} 10 s: how long a request waits for one of those slots before it is
 *       refused with 503.
 * </ul>
 */
public record ServerLimits(
    int maxConnections,
    int maxConnectionsPerAddress,
    Duration headerTimeout,
    Duration idleTimeout,
    long minRequestBytesPerSecond,
    int maxRequestHeaderBytes,
    int maxThreads,
    int protectedThreads,
    Duration queueTimeout) {

  // Each limit's range, written once: the builder's setters and the constructor check against it.
  private static final Range MAX_CONNECTIONS = new Range("maxConnections", 1, 1_000_000);
  private static final Range PER_ADDRESS = new Range("maxConnectionsPerAddress", 1, 1_000_000);
  private static final Range REQUEST_RATE = new Range("minRequestBytesPerSecond", 1, 1L << 30);
  private static final Range HEADER_BYTES = new Range("maxRequestHeaderBytes", 1024, 1 << 20);
  private static final Range MAX_THREADS = new Range("maxThreads", 16, 10_000);
  private static final Range PROTECTED_THREADS = new Range("protectedThreads", 4, 1_000);
  private static final TimeRange HEADER_TIMEOUT =
      new TimeRange("headerTimeout", Duration.ofMillis(100), Duration.ofMinutes(10));
  private static final TimeRange IDLE_TIMEOUT =
      new TimeRange("idleTimeout", Duration.ofSeconds(1), Duration.ofHours(1));
  private static final TimeRange QUEUE_TIMEOUT =
      new TimeRange("queueTimeout", Duration.ofMillis(1), Duration.ofMinutes(10));

  /**
   * Limits as given, each checked against the range its builder method states.
   *
   * @throws IllegalArgumentException naming the first limit out of range, or if fewer than 8
   *     threads would be left for the other requests
   */
  public ServerLimits {
    MAX_CONNECTIONS.check(maxConnections);
    PER_ADDRESS.check(maxConnectionsPerAddress);
    HEADER_TIMEOUT.check(headerTimeout);
    IDLE_TIMEOUT.check(idleTimeout);
    REQUEST_RATE.check(minRequestBytesPerSecond);
    HEADER_BYTES.check(maxRequestHeaderBytes);
    MAX_THREADS.check(maxThreads);
    PROTECTED_THREADS.check(protectedThreads);
    QUEUE_TIMEOUT.check(queueTimeout);
    if (maxThreads - protectedThreads < 8) {
      throw new IllegalArgumentException(
          "maxThreads ("
              + maxThreads
              + ") must be at least protectedThreads ("
              + protectedThreads
              + ") + 8");
    }
  }

  /** The defaults listed in the class description. */
  public static ServerLimits defaults() {
    return builder().build();
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these limits, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxConnections = maxConnections;
    b.maxConnectionsPerAddress = maxConnectionsPerAddress;
    b.headerTimeout = headerTimeout;
    b.idleTimeout = idleTimeout;
    b.minRequestBytesPerSecond = minRequestBytesPerSecond;
    b.maxRequestHeaderBytes = maxRequestHeaderBytes;
    b.maxThreads = maxThreads;
    b.protectedThreads = protectedThreads;
    b.queueTimeout = queueTimeout;
    return b;
  }

  /**
   * Builds {@link ServerLimits}; each setter throws {@link IllegalArgumentException} if out of
   * range.
   */
  public static final class Builder {
    private int maxConnections = 1024;
    private int maxConnectionsPerAddress = 64;
    private Duration headerTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofSeconds(60);
    private long minRequestBytesPerSecond = 8 * 1024;
    private int maxRequestHeaderBytes = 16 * 1024;
    private int maxThreads = 200;
    private int protectedThreads = 32;
    private Duration queueTimeout = Duration.ofSeconds(10);

    private Builder() {}

    /** Open connections in total, 1..1,000,000. */
    public Builder maxConnections(int n) {
      this.maxConnections = MAX_CONNECTIONS.check(n);
      return this;
    }

    /** Open connections from one client IP address, 1..1,000,000. */
    public Builder maxConnectionsPerAddress(int n) {
      this.maxConnectionsPerAddress = PER_ADDRESS.check(n);
      return this;
    }

    /** The time allowed for a request's line and headers, 100 ms..10 min. */
    public Builder headerTimeout(Duration d) {
      this.headerTimeout = HEADER_TIMEOUT.check(d);
      return this;
    }

    /** The time a connection may be silent, 1 s..1 h. */
    public Builder idleTimeout(Duration d) {
      this.idleTimeout = IDLE_TIMEOUT.check(d);
      return this;
    }

    /** The slowest average request body rate, 1..1 GiB bytes per second. */
    public Builder minRequestBytesPerSecond(long n) {
      this.minRequestBytesPerSecond = REQUEST_RATE.check(n);
      return this;
    }

    /** The largest request line plus headers, 1 KiB..1 MiB. */
    public Builder maxRequestHeaderBytes(int n) {
      this.maxRequestHeaderBytes = HEADER_BYTES.check(n);
      return this;
    }

    /** The server's threads, 16..10,000; at least {@code protectedThreads} + 8 at build. */
    public Builder maxThreads(int n) {
      this.maxThreads = MAX_THREADS.check(n);
      return this;
    }

    /** The threads kept for protected requests, 4..1,000. */
    public Builder protectedThreads(int n) {
      this.protectedThreads = PROTECTED_THREADS.check(n);
      return this;
    }

    /** How long a request waits for a thread before a 503, 1 ms..10 min. */
    public Builder queueTimeout(Duration d) {
      this.queueTimeout = QUEUE_TIMEOUT.check(d);
      return this;
    }

    /**
     * Returns the limits.
     *
     * @throws IllegalArgumentException if fewer than 8 threads would be left for the other requests
     */
    public ServerLimits build() {
      return new ServerLimits(
          maxConnections,
          maxConnectionsPerAddress,
          headerTimeout,
          idleTimeout,
          minRequestBytesPerSecond,
          maxRequestHeaderBytes,
          maxThreads,
          protectedThreads,
          queueTimeout);
    }
  }

  /** A count's range; the message names the limit, the range and the value. */
  private record Range(String name, long min, long max) {
    int check(int n) {
      return (int) check((long) n);
    }

    long check(long n) {
      if (n < min || n > max) {
        throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + n);
      }
      return n;
    }
  }

  /** A duration's range, checked by {@link Durations#requireWithin}. */
  private record TimeRange(String name, Duration min, Duration max) {
    Duration check(Duration d) {
      return Durations.requireWithin(name, d, min, max);
    }
  }
}
