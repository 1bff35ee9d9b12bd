package dev.mandate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.server.Tracing;
import dev.mandate.token.TrustedKeys;
import dev.mandate.wire.Problem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's view of the authority: its trusted root keys and the set of denied revocation ids,
 * followed from the revocation feed by long-polling {@code GET /v1/revocations?since=N&wait=MS}.
 *
 * <p>The view is <em>fresh</em> for {@code maxStaleness} after the last successful poll. A poll
 * that waited and came back empty still proves that nothing was revoked up to its answer, so with
 * the poll wait at most a third of the bound a healthy link never goes stale, and a revocation at
 * the authority reaches the gateway as soon as the authority publishes it. Callers must check
 * {@link #isFresh()} before trusting {@link #isDenied(String)}: the guard denies every call while
 * the view is stale.
 *
 * <p>Keys: {@code GET /v1/keys} lists the ACTIVE and VERIFY_ONLY keys; they are refreshed
 * periodically and, rate-limited, when a token names a key id the gateway does not know. A root key
 * the authority retires is also published in the feed, as the revocation of {@code key:KEYID}: from
 * the moment the view holds it the key is no longer trusted, whatever the last key fetch said, so a
 * retirement takes effect within the staleness bound rather than at the next key refresh.
 */
public final class AuthorityLink implements TrustedKeys, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuthorityLink.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration KEY_FETCH_TIMEOUT = Duration.ofSeconds(2);
  private static final int MAX_RESPONSE_CHARS = 64 << 20;

  private final URI base;
  private final HttpClient http;
  private final Tracing tracing;
  private final Clock clock;
  private final Duration maxStaleness;
  private final Duration pollWait;
  private final Duration keyRefetchInterval;
  private final Duration keyRefreshInterval;

  /** The keys of a trust file; when not empty, no other key is trusted. */
  private final Set<String> pinned;

  private final ReentrantLock keyLock = new ReentrantLock();
  private final CountDownLatch firstSync = new CountDownLatch(1);
  private final Counter pollFailures;
  private final Thread thread;

  private volatile Map<String, VerifyingKey> keys = Map.of();
  private volatile Instant keysFetchedAt = Instant.EPOCH;
  private volatile Instant lastKeyAttempt = Instant.EPOCH;
  private volatile View view = new View(0, Set.of(), Set.of());

  /** The prefix under which the feed names a retired root key. */
  static final String RETIRED_KEY_PREFIX = "key:";

  private volatile Instant lastSuccess;
  private volatile boolean running = true;

  /**
   * The denied ids as of feed {@code sequence}; {@code revoked} is the permanent part, {@code
   * retiredKeys} the root key ids among the denied ids.
   */
  private record View(
      long sequence, Set<String> denied, Set<String> revoked, Set<String> retiredKeys) {
    View(long sequence, Set<String> denied, Set<String> revoked) {
      this(sequence, denied, revoked, retiredKeys(denied));
    }

    private static Set<String> retiredKeys(Set<String> denied) {
      Set<String> keys = new HashSet<>();
      for (String id : denied) {
        if (id.startsWith(RETIRED_KEY_PREFIX)) {
          keys.add(id.substring(RETIRED_KEY_PREFIX.length()));
        }
      }
      return Set.copyOf(keys);
    }
  }

  /**
   * Creates a link; call {@link #start()} to begin following the authority.
   *
   * @param authority the authority settings
   * @param http the client for requests to the authority
   * @param clock the clock freshness is measured by
   * @param metrics where the staleness gauge and failure counter go
   */
  public AuthorityLink(
      GatewayConfig.Authority authority,
      HttpClient http,
      Tracing tracing,
      Clock clock,
      MeterRegistry metrics) {
    this.tracing = tracing;
    this.base = authority.url();
    this.http = http;
    this.clock = clock;
    this.maxStaleness = authority.maxStaleness();
    this.pollWait = authority.pollWait();
    this.keyRefetchInterval = authority.keyRefetchInterval();
    this.keyRefreshInterval = authority.keyRefreshInterval();
    this.pinned = authority.trustedKeys();
    this.pollFailures =
        Counter.builder("mandate.gateway.authority.poll.failures")
            .description("Failed polls of the authority's revocation feed or key endpoint")
            .register(metrics);
    Gauge.builder("mandate.gateway.revocation.view.age", this, l -> l.viewAge().toMillis() / 1000.0)
        .description("Seconds since the revocation view was last confirmed by the authority")
        .baseUnit("seconds")
        .register(metrics);
    Gauge.builder("mandate.gateway.revocation.view.max.age", () -> maxStaleness.toMillis() / 1000.0)
        .description("The configured bound past which the gateway denies every call")
        .baseUnit("seconds")
        .register(metrics);
    Gauge.builder("mandate.gateway.revocation.denied", this, l -> l.view.denied().size())
        .description("Revocation ids currently denied")
        .register(metrics);
    Gauge.builder("mandate.gateway.revocation.sequence", this, l -> l.view.sequence())
        .description("The last revocation feed sequence applied")
        .register(metrics);
    Gauge.builder("mandate.gateway.keys.trusted", this, l -> l.keys.size())
        .description("Root keys the gateway trusts")
        .register(metrics);
    this.thread = new Thread(this::run, "mandate-authority-link");
    thread.setDaemon(true);
  }

  /** Starts following the authority in the background. */
  public void start() {
    thread.start();
  }

  /**
   * Waits until the first keys and revocation snapshot arrived.
   *
   * @return true if they did within {@code timeout}
   */
  public boolean awaitFirstSync(Duration timeout) throws InterruptedException {
    return firstSync.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether the revocation view is younger than the configured bound. */
  public boolean isFresh() {
    return viewAge().compareTo(maxStaleness) <= 0;
  }

  /** Time since the last successful poll; very long before the first one. */
  public Duration viewAge() {
    Instant last = lastSuccess;
    if (last == null) {
      return ChronoDurations.FOREVER;
    }
    Duration age = Duration.between(last, clock.instant());
    return age.isNegative() ? Duration.ZERO : age;
  }

  /** The configured staleness bound. */
  public Duration maxStaleness() {
    return maxStaleness;
  }

  /**
   * Whether the revocation id is revoked or suspended in the current view. Does not consider
   * freshness. Never throws.
   */
  public boolean isDenied(String revocationId) {
    return revocationId != null && view.denied().contains(revocationId);
  }

  /**
   * Returns the trusted root key with this id, or null if the feed says it was retired. An unknown
   * id triggers a fetch of the authority's keys, at most once per {@code keyRefetchInterval},
   * waiting up to 2 s for it. Never throws.
   */
  @Override
  public VerifyingKey find(String keyId) {
    if (keyId == null || view.retiredKeys().contains(keyId)) {
      return null;
    }
    VerifyingKey key = keys.get(keyId);
    if (key != null) {
      return key;
    }
    Instant now = clock.instant();
    if (Duration.between(lastKeyAttempt, now).compareTo(keyRefetchInterval) < 0) {
      return null;
    }
    try {
      if (keyLock.tryLock(KEY_FETCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        try {
          if (!keys.containsKey(keyId)
              && Duration.between(lastKeyAttempt, clock.instant()).compareTo(keyRefetchInterval)
                  >= 0) {
            fetchKeys();
          }
        } finally {
          keyLock.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      LOG.warn("fetching root keys from {} for unknown key id failed: {}", base, e.toString());
    }
    return view.retiredKeys().contains(keyId) ? null : keys.get(keyId);
  }

  /**
   * Whether {@link #find} answers for this key id without fetching: the key is held, or retired.
   */
  @Override
  public boolean findsWithoutWaiting(String keyId) {
    return keyId != null && (keys.containsKey(keyId) || view.retiredKeys().contains(keyId));
  }

  /** Whether the feed says the authority retired this root key. */
  public boolean isRetired(String keyId) {
    return keyId != null && view.retiredKeys().contains(keyId);
  }

  /** Stops following the authority. Idempotent. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the follower ----

  private void run() {
    long backoffMs = 100;
    int failures = 0;
    while (running) {
      try {
        if (Duration.between(keysFetchedAt, clock.instant()).compareTo(keyRefreshInterval) >= 0) {
          keyLock.lock();
          try {
            fetchKeys();
          } finally {
            keyLock.unlock();
          }
        }
        poll(lastSuccess == null ? Duration.ZERO : pollWait);
        if (failures > 0) {
          LOG.info("revocation feed reachable again at {} after {} failed polls", base, failures);
        }
        failures = 0;
        backoffMs = 100;
        firstSync.countDown();
      } catch (InterruptedException e) {
        if (!running) {
          return;
        }
      } catch (IOException | RuntimeException e) {
        if (!running) {
          return;
        }
        pollFailures.increment();
        failures++;
        // Log the first failure and then every 30th, so an outage does not flood the log.
        if (failures == 1 || failures % 30 == 0) {
          LOG.warn(
              "cannot follow the revocation feed at {} ({} failures; view age {} ms, bound {} ms):"
                  + " {}",
              base,
              failures,
              lastSuccess == null ? "never confirmed" : viewAge().toMillis(),
              maxStaleness.toMillis(),
              e.toString());
        }
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException ie) {
          if (!running) {
            return;
          }
        }
        backoffMs =
            Math.min(backoffMs * 2, Math.max(100, Math.min(2000, maxStaleness.toMillis() / 4)));
      }
    }
  }

  private void poll(Duration wait) throws IOException, InterruptedException {
    long since = view.sequence();
    URI uri = base.resolve("/v1/revocations?since=" + since + "&wait=" + wait.toMillis());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(wait.plus(Duration.ofSeconds(5)))
            .header("Accept", "application/json")
            .GET();
    HttpResponse<String> response =
        tracing.send(http, request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("the revocation feed answered " + answer(response));
    }
    JsonNode body = parse(response.body());
    apply(since, body);
    // The answer reflects the feed as the authority saw it a moment ago: fresh as of now.
    lastSuccess = clock.instant();
  }

  private void apply(long since, JsonNode body) throws IOException {
    JsonNode snapshot = body.get("snapshot");
    JsonNode latest = body.get("latestSequence");
    if (latest == null || !latest.canConvertToLong()) {
      throw new IOException("the revocation feed's answer has no latestSequence");
    }
    View current = view;
    if (snapshot != null && !snapshot.isNull()) {
      if (!snapshot.isArray()) {
        throw new IOException("the revocation feed's snapshot is not a list");
      }
      Set<String> denied = new HashSet<>();
      snapshot.forEach(n -> denied.add(n.asText()));
      view = new View(latest.asLong(), Set.copyOf(denied), Set.of());
      if (current.sequence() != 0 || since != 0) {
        LOG.info("revocation view replaced by a snapshot at sequence {}", latest.asLong());
      }
      return;
    }
    JsonNode entries = body.get("entries");
    if (entries == null || !entries.isArray() || entries.isEmpty()) {
      return;
    }
    Set<String> denied = new HashSet<>(current.denied());
    Set<String> revoked = new HashSet<>(current.revoked());
    long sequence = current.sequence();
    for (JsonNode e : entries) {
      long seq = e.path("sequence").asLong(-1);
      String kind = e.path("kind").asText("");
      String id = e.path("revocationId").asText(null);
      if (seq <= sequence) {
        continue;
      }
      if (seq != sequence + 1 || id == null) {
        // A gap or a broken entry: start over from a snapshot rather than guess.
        view = new View(0, current.denied(), current.revoked());
        throw new IOException(
            "the revocation feed skipped from " + sequence + " to " + seq + "; resynchronising");
      }
      switch (kind) {
        case "REVOKE" -> {
          denied.add(id);
          revoked.add(id);
          if (id.startsWith(RETIRED_KEY_PREFIX)) {
            LOG.info(
                "root key {} retired by the authority; no longer trusted",
                id.substring(RETIRED_KEY_PREFIX.length()));
          }
        }
        case "SUSPEND" -> denied.add(id);
        case "RESUME" -> {
          if (!revoked.contains(id)) {
            denied.remove(id);
          }
        }
        default -> {
          // An entry kind this gateway does not know could be a new way to deny; fail closed.
          denied.add(id);
          LOG.warn("unknown revocation feed entry kind '{}' for {}; denying it", kind, id);
        }
      }
      sequence = seq;
    }
    view = new View(sequence, Set.copyOf(denied), Set.copyOf(revoked));
  }

  private void fetchKeys() throws IOException {
    lastKeyAttempt = clock.instant();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve("/v1/keys"))
            .timeout(KEY_FETCH_TIMEOUT)
            .header("Accept", "application/json")
            .GET();
    HttpResponse<String> response;
    try {
      response = tracing.send(http, request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching root keys");
    }
    if (response.statusCode() != 200) {
      throw new IOException("the key endpoint answered " + answer(response));
    }
    JsonNode list = parse(response.body());
    if (!list.isArray()) {
      throw new IOException("the key endpoint did not answer a list");
    }
    Map<String, VerifyingKey> fetched = new HashMap<>();
    for (JsonNode k : list) {
      String state = k.path("state").asText("");
      if (!state.equals("ACTIVE") && !state.equals("VERIFY_ONLY")) {
        continue;
      }
      try {
        VerifyingKey key = VerifyingKey.parse(k.path("publicKey").asText(""));
        if (!key.keyId().equals(k.path("keyId").asText())) {
          LOG.warn(
              "the authority lists key {} under id {}; ignoring it",
              key.keyId(),
              k.path("keyId").asText());
          continue;
        }
        if (!pinned.isEmpty() && !pinned.contains(key.toText())) {
          // Pinned by 'mandate bootstrap': a key the trust file lacks is not trusted, even from
          // the authority's own answer (it may not be the authority that answered).
          LOG.warn(
              "the authority lists key {}, which the trust file does not pin; ignoring it",
              key.keyId());
          continue;
        }
        fetched.put(key.keyId(), key);
      } catch (IllegalArgumentException e) {
        LOG.warn("the authority lists an invalid public key: {}", e.getMessage());
      }
    }
    Map<String, VerifyingKey> previous = keys;
    keys = Map.copyOf(fetched);
    keysFetchedAt = clock.instant();
    if (!previous.keySet().equals(fetched.keySet())) {
      LOG.info("trusted root keys: {}", new java.util.TreeSet<>(fetched.keySet()));
    }
  }

  /** A refusal as the authority worded it (its problem's code and detail), else the status. */
  static String answer(HttpResponse<String> response) {
    String body = response.body();
    return (body == null || body.length() > MAX_RESPONSE_CHARS
            ? Optional.<Problem>empty()
            : Problem.parse(body))
        .map(Problem::summary)
        .orElse("HTTP " + response.statusCode());
  }

  private static JsonNode parse(String body) throws IOException {
    if (body.length() > MAX_RESPONSE_CHARS) {
      throw new IOException("the authority's answer is too large");
    }
    return JSON.readTree(body);
  }

  /** Durations the JDK lacks a name for. */
  static final class ChronoDurations {
    static final Duration FOREVER = Duration.ofDays(365 * 100);

    private ChronoDurations() {}
  }
}
