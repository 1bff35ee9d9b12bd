package dev.mandate.authority;

import dev.mandate.config.Durations;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The console's sessions and sign-in limits (docs/console.md). Immutable; create with {@link
 * #builder()} and give to {@link AuthorityConfig.Builder#console}.
 *
 * <p>Defaults: on; a session ends after 30 minutes unused and 12 hours after sign-in in any case;
 * five failed sign-ins of one account within 15 minutes lock it for 15 minutes; no public URL, so
 * cookies are sent without {@code Secure} (the authority itself speaks plain HTTP on loopback).
 * Behind a TLS proxy give the public {@code https://} URL: cookies become {@code Secure} with the
 * {@code __Host-} prefix, and forms must come from that origin.
 */
public final class ConsoleSettings {
  private final boolean enabled;
  private final Duration idleTimeout;
  private final Duration absoluteTimeout;
  private final int maxFailures;
  private final Duration failureWindow;
  private final Duration lockout;
  private final URI publicUrl;
  private final java.nio.file.Path policyTests;

  private ConsoleSettings(Builder b) {
    this.policyTests = b.policyTests;
    this.enabled = b.enabled;
    this.idleTimeout = b.idleTimeout;
    this.absoluteTimeout = b.absoluteTimeout;
    this.maxFailures = b.maxFailures;
    this.failureWindow = b.failureWindow;
    this.lockout = b.lockout;
    this.publicUrl = b.publicUrl;
  }

  /** The defaults above. */
  public static ConsoleSettings defaults() {
    return builder().build();
  }

  /** Starts settings with the defaults above. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether the authority serves the console at {@code /console}. */
  public boolean enabled() {
    return enabled;
  }

  /** How long an unused session lasts. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** How long a session lasts after sign-in, however much it is used. */
  public Duration absoluteTimeout() {
    return absoluteTimeout;
  }

  /** Failed sign-ins within {@link #failureWindow()} that lock an account. */
  public int maxFailures() {
    return maxFailures;
  }

  /** The window in which failed sign-ins are counted. */
  public Duration failureWindow() {
    return failureWindow;
  }

  /** How long a locked account stays locked. */
  public Duration lockout() {
    return lockout;
  }

  /** The URL people open the console at, when it differs from the authority's own. */
  public Optional<URI> publicUrl() {
    return Optional.ofNullable(publicUrl);
  }

  /**
   * The policy's tests file, run on the clients and policy page; when not set, the file beside the
   * policy named like it with {@code policy} replaced by {@code tests} (or {@code
   * NAME-tests.yaml}).
   */
  public Optional<java.nio.file.Path> policyTests() {
    return Optional.ofNullable(policyTests);
  }

  /** Whether the console is served over TLS (its public URL is https). */
  boolean secure() {
    return publicUrl != null && "https".equals(publicUrl.getScheme());
  }

  @Override
  public String toString() {
    return "ConsoleSettings[enabled="
        + enabled
        + ", idleTimeout="
        + idleTimeout
        + ", absoluteTimeout="
        + absoluteTimeout
        + ", maxFailures="
        + maxFailures
        + ", failureWindow="
        + failureWindow
        + ", lockout="
        + lockout
        + ", publicUrl="
        + publicUrl
        + "]";
  }

  /** Builds {@link ConsoleSettings}; every setter checks its value. */
  public static final class Builder {
    private boolean enabled = true;
    private Duration idleTimeout = Duration.ofMinutes(30);
    private Duration absoluteTimeout = Duration.ofHours(12);
    private int maxFailures = 5;
    private Duration failureWindow = Duration.ofMinutes(15);
    private Duration lockout = Duration.ofMinutes(15);
    private URI publicUrl;
    private java.nio.file.Path policyTests;

    private Builder() {}

    /**
     * The policy's tests file shown on the clients and policy page (see {@link #policyTests()}).
     */
    public Builder policyTests(java.nio.file.Path file) {
      this.policyTests = Objects.requireNonNull(file, "policyTests");
      return this;
    }

    /** Whether to serve the console (default true). */
    public Builder enabled(boolean on) {
      this.enabled = on;
      return this;
    }

    /**
     * How long a session lasts: {@code idle} unused (1 minute to 24 hours), and {@code absolute}
     * after sign-in however much it is used (5 minutes to 7 days, no shorter than {@code idle}).
     *
     * @throws IllegalArgumentException if out of range, or {@code idle} is the longer
     */
    public Builder sessions(Duration idle, Duration absolute) {
      Durations.requireWithin("idleTimeout", idle, Duration.ofMinutes(1), Duration.ofHours(24));
      Durations.requireWithin(
          "absoluteTimeout", absolute, Duration.ofMinutes(5), Duration.ofDays(7));
      if (idle.compareTo(absolute) > 0) {
        throw new IllegalArgumentException(
            "idleTimeout " + idle + " is longer than absoluteTimeout " + absolute);
      }
      this.idleTimeout = idle;
      this.absoluteTimeout = absolute;
      return this;
    }

    /**
     * Failed sign-ins that lock an account, 3 to 100, counted within {@code window} (1 minute to 1
     * day); the account then stays locked for {@code lockout} (1 minute to 1 day).
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder lockout(int maxFailures, Duration window, Duration lockout) {
      this.maxFailures = Settings.requireWithin("maxFailures", maxFailures, 3, 100);
      this.failureWindow =
          Durations.requireWithin("window", window, Duration.ofMinutes(1), Duration.ofDays(1));
      this.lockout =
          Durations.requireWithin("lockout", lockout, Duration.ofMinutes(1), Duration.ofDays(1));
      return this;
    }

    /**
     * The URL people open the console at (scheme, host and port; no path), for a console behind a
     * TLS proxy.
     *
     * @throws IllegalArgumentException if it is not an absolute http(s) URL without path, query or
     *     fragment
     */
    public Builder publicUrl(String url) {
      URI u = Settings.absoluteUrl("publicUrl", url);
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      if (!(path.isEmpty() || path.equals("/"))) {
        throw new IllegalArgumentException(
            "publicUrl must be an http(s) URL with a host and no path, query or fragment: " + url);
      }
      String scheme = u.getScheme().toLowerCase(Locale.ROOT);
      this.publicUrl = URI.create(scheme + "://" + u.getRawAuthority().toLowerCase(Locale.ROOT));
      return this;
    }

    /** Returns the settings. */
    public ConsoleSettings build() {
      return new ConsoleSettings(this);
    }
  }
}
