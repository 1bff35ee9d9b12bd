package dev.mandate.server;

import dev.mandate.config.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * What one network peer, authenticated or not, can hold of a server: connections, time and threads.
 * Immutable; start from {@link #defaults()} or {@link #builder()}; every setter checks its range
 * and says which it is.
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
public final class ServerLimits {
  private final int maxConnections;
  private final int maxConnectionsPerAddress;
  private final Duration headerTimeout;
  private final Duration idleTimeout;
  private final long minRequestBytesPerSecond;
  private final int maxRequestHeaderBytes;
  private final int maxThreads;
  private final int protectedThreads;
  private final Duration queueTimeout;

  private ServerLimits(Builder b) {
    this.maxConnections = b.maxConnections;
    this.maxConnectionsPerAddress = b.maxConnectionsPerAddress;
    this.headerTimeout = b.headerTimeout;
    this.idleTimeout = b.idleTimeout;
    this.minRequestBytesPerSecond = b.minRequestBytesPerSecond;
    this.maxRequestHeaderBytes = b.maxRequestHeaderBytes;
    this.maxThreads = b.maxThreads;
    this.protectedThreads = b.protectedThreads;
    this.queueTimeout = b.queueTimeout;
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

  /** Open connections in total. */
  public int maxConnections() {
    return maxConnections;
  }

  /** Open connections from one client IP address. */
  public int maxConnectionsPerAddress() {
    return maxConnectionsPerAddress;
  }

  /** The time allowed for a request's line and headers, and before its body must flow. */
  public Duration headerTimeout() {
    return headerTimeout;
  }

  /** The time a connection may be silent in both directions. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** The slowest average rate, in bytes per second, at which a request body may arrive. */
  public long minRequestBytesPerSecond() {
    return minRequestBytesPerSecond;
  }

  /** The largest request line plus headers, in bytes. */
  public int maxRequestHeaderBytes() {
    return maxRequestHeaderBytes;
  }

  /** The server's threads. */
  public int maxThreads() {
    return maxThreads;
  }

  /** The threads only protected requests (health, revocation feed) may use. */
  public int protectedThreads() {
    return protectedThreads;
  }

  /** How long a request waits for a thread before it is refused with 503. */
  public Duration queueTimeout() {
    return queueTimeout;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServerLimits l
        && maxConnections == l.maxConnections
        && maxConnectionsPerAddress == l.maxConnectionsPerAddress
        && headerTimeout.equals(l.headerTimeout)
        && idleTimeout.equals(l.idleTimeout)
        && minRequestBytesPerSecond == l.minRequestBytesPerSecond
        && maxRequestHeaderBytes == l.maxRequestHeaderBytes
        && maxThreads == l.maxThreads
        && protectedThreads == l.protectedThreads
        && queueTimeout.equals(l.queueTimeout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
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

  @Override
  public String toString() {
    return "ServerLimits[maxConnections="
        + maxConnections
        + ", maxConnectionsPerAddress="
        + maxConnectionsPerAddress
        + ", headerTimeout="
        + headerTimeout
        + ", idleTimeout="
        + idleTimeout
        + ", minRequestBytesPerSecond="
        + minRequestBytesPerSecond
        + ", maxRequestHeaderBytes="
        + maxRequestHeaderBytes
        + ", maxThreads="
        + maxThreads
        + ", protectedThreads="
        + protectedThreads
        + ", queueTimeout="
        + queueTimeout
        + "]";
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
      this.maxConnections = range("maxConnections", n, 1, 1_000_000);
      return this;
    }

    /** Open connections from one client IP address, 1..1,000,000. */
    public Builder maxConnectionsPerAddress(int n) {
      this.maxConnectionsPerAddress = range("maxConnectionsPerAddress", n, 1, 1_000_000);
      return this;
    }

    /** The time allowed for a request's line and headers, 100 ms..10 min. */
    public Builder headerTimeout(Duration d) {
      this.headerTimeout =
          Durations.requireWithin(
              "headerTimeout", d, Duration.ofMillis(100), Duration.ofMinutes(10));
      return this;
    }

    /** The time a connection may be silent, 1 s..1 h. */
    public Builder idleTimeout(Duration d) {
      this.idleTimeout =
          Durations.requireWithin("idleTimeout", d, Duration.ofSeconds(1), Duration.ofHours(1));
      return this;
    }

    /** The slowest average request body rate, 1..1 GiB bytes per second. */
    public Builder minRequestBytesPerSecond(long n) {
      if (n < 1 || n > 1L << 30) {
        throw new IllegalArgumentException(
            "minRequestBytesPerSecond must be 1.." + (1L << 30) + ", got " + n);
      }
      this.minRequestBytesPerSecond = n;
      return this;
    }

    /** The largest request line plus headers, 1 KiB..1 MiB. */
    public Builder maxRequestHeaderBytes(int n) {
      this.maxRequestHeaderBytes = range("maxRequestHeaderBytes", n, 1024, 1 << 20);
      return this;
    }

    /** The server's threads, 16..10,000; at least {@code protectedThreads} + 8 at build. */
    public Builder maxThreads(int n) {
      this.maxThreads = range("maxThreads", n, 16, 10_000);
      return this;
    }

    /** The threads kept for protected requests, 4..1,000. */
    public Builder protectedThreads(int n) {
      this.protectedThreads = range("protectedThreads", n, 4, 1_000);
      return this;
    }

    /** How long a request waits for a thread before a 503, 1 ms..10 min. */
    public Builder queueTimeout(Duration d) {
      this.queueTimeout =
          Durations.requireWithin("queueTimeout", d, Duration.ofMillis(1), Duration.ofMinutes(10));
      return this;
    }

    /**
     * Returns the limits.
     *
     * @throws IllegalArgumentException if fewer than 8 threads would be left for the other requests
     */
    public ServerLimits build() {
      if (maxThreads - protectedThreads < 8) {
        throw new IllegalArgumentException(
            "maxThreads ("
                + maxThreads
                + ") must be at least protectedThreads ("
                + protectedThreads
                + ") + 8");
      }
      return new ServerLimits(this);
    }

    private static int range(String name, int n, int min, int max) {
      if (n < min || n > max) {
        throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + n);
      }
      return n;
    }
  }
}
