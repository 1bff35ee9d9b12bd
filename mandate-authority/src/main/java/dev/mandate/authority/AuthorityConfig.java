package dev.mandate.authority;

import dev.mandate.authority.store.JdbcUrls;
import dev.mandate.config.Durations;
import dev.mandate.server.ServerLimits;
import dev.mandate.server.Tracing;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How to run an authority: where its data lives, where it listens, and the clock and randomness it
 * uses. Immutable; create one with {@link #builder(Path)}.
 *
 * <p>Defaults: listen on {@code 127.0.0.1:}{@value #DEFAULT_PORT}, SQLite database {@code
 * <data>/mandate.db}, policy file {@code <data>/policy.yaml}, system UTC clock, a new {@link
 * SecureRandom}, request bodies up to 64 KiB, policy file checked every second, 10 seconds to
 * finish in-flight requests on shutdown, {@link ServerLimits#defaults()} on connections and
 * threads, and audit ingestion of at most {@value #DEFAULT_AUDIT_EVENTS_PER_SECOND} events a second
 * per gateway, dated at most 7 days before and 5 minutes after the authority's clock.
 */
public final class AuthorityConfig {
  /** The port used when none is given. */
  public static final int DEFAULT_PORT = 7700;

  /** The largest request body accepted when none is configured: 64 KiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  /** The audit events a second one gateway may upload when none is configured. */
  public static final int DEFAULT_AUDIT_EVENTS_PER_SECOND = 5000;

  /** The shortest metrics token accepted, as at the gateway. */
  public static final int MIN_METRICS_TOKEN = 16;

  private final Path dataDir;
  private final String host;
  private final int port;
  private final String jdbcUrl;
  private final Path policyFile;
  private final boolean policyFileGiven;
  private final Clock clock;
  private final SecureRandom random;
  private final int maxBodyBytes;
  private final Duration policyReloadInterval;
  private final Duration shutdownTimeout;
  private final Map<String, String> environment;
  private final MasterKeySource masterKeySource;
  private final char[] databasePassword;
  private final boolean createAdminClient;
  private final ServerLimits serverLimits;
  private final int auditEventsPerSecond;
  private final Duration auditMaxAge;
  private final Duration auditMaxSkew;
  private final char[] metricsToken;
  private final URI otlpEndpoint;
  private final String tracingServiceName;
  private final OAuthSettings oauth;
  private final ConsoleSettings console;

  private AuthorityConfig(Builder b) {
    this.dataDir = b.dataDir;
    this.host = b.host;
    this.port = b.port;
    this.jdbcUrl = b.jdbcUrl != null ? b.jdbcUrl : "jdbc:sqlite:" + b.dataDir.resolve("mandate.db");
    this.policyFileGiven = b.policyFile != null;
    this.policyFile = b.policyFile != null ? b.policyFile : b.dataDir.resolve("policy.yaml");
    this.clock = b.clock;
    this.random = b.random != null ? b.random : new SecureRandom();
    this.maxBodyBytes = b.maxBodyBytes;
    this.policyReloadInterval = b.policyReloadInterval;
    this.shutdownTimeout = b.shutdownTimeout;
    this.environment = Map.copyOf(b.environment);
    if (b.masterKeySource != null) {
      this.masterKeySource = b.masterKeySource;
    } else if (environment.get(MasterKey.ENV) != null
        && !environment.get(MasterKey.ENV).isBlank()) {
      this.masterKeySource = MasterKeySource.environment(MasterKey.ENV, environment);
    } else {
      this.masterKeySource = MasterKeySource.file(dataDir.resolve(Bootstrap.MASTER_KEY_FILE));
    }
    this.databasePassword = b.databasePassword == null ? null : b.databasePassword.clone();
    this.createAdminClient = b.createAdminClient;
    this.serverLimits = b.serverLimits;
    this.auditEventsPerSecond = b.auditEventsPerSecond;
    this.auditMaxAge = b.auditMaxAge;
    this.auditMaxSkew = b.auditMaxSkew;
    this.metricsToken = b.metricsToken == null ? null : b.metricsToken.clone();
    this.otlpEndpoint = b.otlpEndpoint;
    this.tracingServiceName = b.tracingServiceName;
    this.oauth = b.oauth;
    this.console = b.console;
  }

  /** The console's sessions and sign-in limits (docs/console.md). */
  public ConsoleSettings console() {
    return console;
  }

  /** The OAuth 2.1 authorization server's settings; empty when the authority answers no OAuth. */
  public java.util.Optional<OAuthSettings> oauth() {
    return java.util.Optional.ofNullable(oauth);
  }

  /**
   * Starts a configuration whose state lives in {@code dataDir} (created on first start).
   *
   * @throws NullPointerException if {@code dataDir} is null
   */
  public static Builder builder(Path dataDir) {
    return new Builder(Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath().normalize());
  }

  /** The data directory: master key file, SQLite database and default policy file. */
  public Path dataDir() {
    return dataDir;
  }

  /** The interface to listen on. */
  public String host() {
    return host;
  }

  /** The port to listen on; 0 picks a free one (see {@link AuthorityServer#port()}). */
  public int port() {
    return port;
  }

  /** The database: {@code jdbc:sqlite:...} or {@code jdbc:postgresql://...}. */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** The policy file. */
  public Path policyFile() {
    return policyFile;
  }

  /** Whether the policy file was given explicitly (a missing explicit file is an error). */
  boolean policyFileGiven() {
    return policyFileGiven;
  }

  /** The clock for issue times, expiries and audit records. */
  public Clock clock() {
    return clock;
  }

  /** The randomness for keys, token ids and secrets. */
  public SecureRandom random() {
    return random;
  }

  /** The largest request body accepted, in bytes; larger bodies get 413. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** How often the policy file is checked for changes; zero disables the periodic check. */
  public Duration policyReloadInterval() {
    return policyReloadInterval;
  }

  /** How long {@link AuthorityServer#close()} waits for in-flight requests. */
  public Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  /** Environment variables (only {@code MANDATE_MASTER_KEY} is read). */
  Map<String, String> environment() {
    return environment;
  }

  /**
   * Where the master key comes from: as set, else {@code MANDATE_MASTER_KEY} when that is set, else
   * the file {@code <data>/master.key}.
   */
  public MasterKeySource masterKeySource() {
    return masterKeySource;
  }

  /** The database password given apart from the URL, or null. A copy; never printed. */
  char[] databasePassword() {
    return databasePassword == null ? null : databasePassword.clone();
  }

  /** Whether the first start creates the admin client (and reports its secret once). */
  public boolean createAdminClient() {
    return createAdminClient;
  }

  /** Connection, time and thread limits of the HTTP server. */
  public ServerLimits serverLimits() {
    return serverLimits;
  }

  /**
   * The audit events one gateway client may upload per second, on average; ten seconds' worth may
   * come at once.
   */
  public int auditEventsPerSecond() {
    return auditEventsPerSecond;
  }

  /** How long before the authority's clock an uploaded audit event may be dated. */
  public Duration auditMaxAge() {
    return auditMaxAge;
  }

  /** How far after the authority's clock an uploaded audit event may be dated. */
  public Duration auditMaxSkew() {
    return auditMaxSkew;
  }

  /**
   * The bearer token {@code GET /metrics} requires, or null when the metrics are public. A copy;
   * never printed.
   */
  char[] metricsToken() {
    return metricsToken == null ? null : metricsToken.clone();
  }

  /** The OTLP/HTTP traces endpoint spans are exported to, or null when tracing is off. */
  public URI otlpEndpoint() {
    return otlpEndpoint;
  }

  /** The spans' {@code service.name} (default {@code mandate-authority}). */
  public String tracingServiceName() {
    return tracingServiceName;
  }

  @Override
  public String toString() {
    return "AuthorityConfig[dataDir="
        + dataDir
        + ", listen="
        + host
        + ":"
        + port
        + ", db="
        + JdbcUrls.redact(jdbcUrl)
        + ", policy="
        + policyFile
        + ", masterKey="
        + masterKeySource.describe()
        + (databasePassword != null ? ", dbPassword=<redacted>" : "")
        + (metricsToken != null ? ", metricsToken=<redacted>" : "")
        + (otlpEndpoint != null ? ", otlpEndpoint=" + otlpEndpoint : "")
        + "]";
  }

  /** Builds an {@link AuthorityConfig}; each setter validates its argument. */
  public static final class Builder {
    private final Path dataDir;
    private String host = "127.0.0.1";
    private int port = DEFAULT_PORT;
    private String jdbcUrl;
    private Path policyFile;
    private Clock clock = Clock.systemUTC();
    private SecureRandom random;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Duration policyReloadInterval = Duration.ofSeconds(1);
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private Map<String, String> environment = System.getenv();
    private MasterKeySource masterKeySource;
    private char[] databasePassword;
    private boolean createAdminClient = true;
    private ServerLimits serverLimits = ServerLimits.defaults();
    private int auditEventsPerSecond = DEFAULT_AUDIT_EVENTS_PER_SECOND;
    private Duration auditMaxAge = Duration.ofDays(7);
    private Duration auditMaxSkew = Duration.ofMinutes(5);
    private char[] metricsToken;
    private URI otlpEndpoint;
    private String tracingServiceName = "mandate-authority";
    private OAuthSettings oauth;
    private ConsoleSettings console = ConsoleSettings.defaults();

    private Builder(Path dataDir) {
      this.dataDir = dataDir;
    }

    /** Sets the interface to listen on (default {@code 127.0.0.1}; {@code 0.0.0.0} for all). */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host must be an interface name or address, got none");
      }
      this.host = host;
      return this;
    }

    /**
     * Sets the port, 0..65535 (0 picks a free port).
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder port(int port) {
      this.port = Settings.requireWithin("port", port, 0, 65535);
      return this;
    }

    /**
     * Sets the database URL ({@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://...}).
     *
     * @throws IllegalArgumentException if it is neither
     */
    public Builder jdbcUrl(String jdbcUrl) {
      if (jdbcUrl == null
          || !(jdbcUrl.startsWith("jdbc:sqlite:") || jdbcUrl.startsWith("jdbc:postgresql:"))) {
        throw new IllegalArgumentException(
            "the database URL must start with jdbc:sqlite: or jdbc:postgresql:, got "
                + (jdbcUrl == null ? "none" : JdbcUrls.redact(jdbcUrl)));
      }
      this.jdbcUrl = jdbcUrl;
      return this;
    }

    /** Sets the policy file (default {@code <data>/policy.yaml}, created from the starter). */
    public Builder policyFile(Path policyFile) {
      this.policyFile =
          Objects.requireNonNull(policyFile, "policyFile").toAbsolutePath().normalize();
      return this;
    }

    /** Sets the clock (default: system UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Sets the randomness (default: a new {@link SecureRandom}). */
    public Builder random(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Sets the largest accepted request body, 1 KiB..16 MiB.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxBodyBytes(int maxBodyBytes) {
      this.maxBodyBytes =
          Settings.requireWithin("maxBodyBytes", maxBodyBytes, 1024, 16 * 1024 * 1024);
      return this;
    }

    /**
     * Sets how often the policy file is checked; {@link Duration#ZERO} disables the periodic check.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder policyReloadInterval(Duration interval) {
      if (interval == null || interval.isNegative()) {
        throw new IllegalArgumentException("policyReloadInterval must be >= 0, got " + interval);
      }
      this.policyReloadInterval = interval;
      return this;
    }

    /**
     * Sets how long shutdown waits for in-flight requests, 0..10 minutes.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout =
          Durations.requireWithin(
              "shutdownTimeout", timeout, Duration.ZERO, Duration.ofMinutes(10));
      return this;
    }

    /** Sets the environment to read {@code MANDATE_MASTER_KEY} from (default: the process's). */
    public Builder environment(Map<String, String> environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /**
     * Sets where the master key comes from (default: {@code MANDATE_MASTER_KEY} if set, else the
     * file {@code <data>/master.key}). Keep it apart from the database.
     */
    public Builder masterKeySource(MasterKeySource source) {
      this.masterKeySource = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Sets the HTTP server's connection, time and thread limits. */
    public Builder serverLimits(ServerLimits limits) {
      this.serverLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Sets the PostgreSQL password apart from the URL (the URL then holds none), so it shows up in
     * no URL or process listing. The array is copied; clear yours after {@link #build()}.
     *
     * @throws IllegalArgumentException if empty
     */
    public Builder databasePassword(char[] password) {
      if (password == null || password.length == 0) {
        throw new IllegalArgumentException("the database password is empty");
      }
      this.databasePassword = password.clone();
      return this;
    }

    /**
     * Sets the audit events one gateway client may upload per second, 1..1,000,000.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder auditEventsPerSecond(int eventsPerSecond) {
      this.auditEventsPerSecond =
          Settings.requireWithin("auditEventsPerSecond", eventsPerSecond, 1, 1_000_000);
      return this;
    }

    /**
     * Sets whether the first start creates the admin client (default true). Without it, a first
     * start leaves the admin to be created on the host with {@link HostAdmin#resetAdminSecret}, for
     * when there is nowhere safe to show its secret.
     */
    public Builder createAdminClient(boolean create) {
      this.createAdminClient = create;
      return this;
    }

    /**
     * Sets how old (by the authority's clock) an uploaded audit event may be, 1 minute..366 days:
     * longer than a gateway may spool events while the authority is unreachable.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder auditMaxAge(Duration maxAge) {
      this.auditMaxAge =
          Durations.requireWithin(
              "auditMaxAge", maxAge, Duration.ofMinutes(1), Duration.ofDays(366));
      return this;
    }

    /**
     * Sets how far in the future (by the authority's clock) an uploaded audit event may be dated,
     * 0..1 hour: the clock difference tolerated between a gateway and the authority.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder auditMaxSkew(Duration maxSkew) {
      this.auditMaxSkew =
          Durations.requireWithin("auditMaxSkew", maxSkew, Duration.ZERO, Duration.ofHours(1));
      return this;
    }

    /**
     * Requires {@code Authorization: Bearer TOKEN} on {@code GET /metrics} (default: none, the
     * metrics are public).
     *
     * @throws IllegalArgumentException if the token is shorter than {@value #MIN_METRICS_TOKEN}
     *     characters (a guessable one would protect nothing)
     */
    public Builder metricsToken(char[] token) {
      if (token == null || token.length < MIN_METRICS_TOKEN) {
        throw new IllegalArgumentException(
            "the metrics token must be at least " + MIN_METRICS_TOKEN + " characters long");
      }
      this.metricsToken = token.clone();
      return this;
    }

    /**
     * Exports a trace span per request to an OTLP/HTTP endpoint, such as {@code
     * http://127.0.0.1:4318/v1/traces} (default: tracing off).
     *
     * @param serviceName the spans' {@code service.name}, or null for {@code mandate-authority}
     * @throws IllegalArgumentException if the endpoint is not an http or https URL with a host, or
     *     carries credentials, or the name is blank
     */
    public Builder tracing(URI otlpEndpoint, String serviceName) {
      Objects.requireNonNull(otlpEndpoint, "otlpEndpoint");
      Tracing.checkEndpoint(otlpEndpoint);
      if (serviceName != null && serviceName.isBlank()) {
        throw new IllegalArgumentException("the tracing service name must not be blank");
      }
      this.otlpEndpoint = otlpEndpoint;
      if (serviceName != null) {
        this.tracingServiceName = serviceName;
      }
      return this;
    }

    /**
     * Makes the authority an OAuth 2.1 authorization server with these settings (null: none, the
     * default).
     */
    public Builder oauth(OAuthSettings settings) {
      this.oauth = settings;
      return this;
    }

    /** The console's sessions and sign-in limits (default {@link ConsoleSettings#defaults()}). */
    public Builder console(ConsoleSettings settings) {
      this.console = Objects.requireNonNull(settings, "console");
      return this;
    }

    /** Returns the configuration. */
    public AuthorityConfig build() {
      return new AuthorityConfig(this);
    }
  }
}
