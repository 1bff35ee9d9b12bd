package dev.mandate.gateway;

import dev.mandate.token.ReplayGuard;
import dev.mandate.token.UsageCounter;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.SetParams;

/**
 * Usage counters and used proofs and approvals in Redis, shared by every gateway that points at it.
 * Counting is one Lua script per call (check every limit, then increment every counter), so it is
 * exact across gateways; counters expire when their token does. A used proof or approval (the
 * verifier names approvals {@code approval:<id>}) is a key set with {@code NX} that expires when it
 * would be refused anyway (a stale proof, an expired approval).
 */
final class RedisState implements UsageCounter, ReplayGuard, AutoCloseable {
  private static final String USES_PREFIX = "mandate:uses:";
  private static final String PROOF_PREFIX = "mandate:proof:";

  /**
   * KEYS: the counters; ARGV: each limit, then each expiry (ms since the epoch). Returns the index
   * of the first exhausted limit, or -1 after counting one use on every counter. An expiry is only
   * ever extended (PTTL, not PEXPIRETIME, so Redis 6 works too).
   */
  private static final String TRY_USE =
      "local n = #KEYS\n"
          + "for i = 1, n do\n"
          + "  local used = tonumber(redis.call('GET', KEYS[i]) or '0')\n"
          + "  if used >= tonumber(ARGV[i]) then return i - 1 end\n"
          + "end\n"
          + "local t = redis.call('TIME')\n"
          + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
          + "for i = 1, n do\n"
          + "  redis.call('INCR', KEYS[i])\n"
          + "  local at = tonumber(ARGV[n + i])\n"
          + "  local pttl = redis.call('PTTL', KEYS[i])\n"
          + "  if pttl < 0 or now + pttl < at then redis.call('PEXPIREAT', KEYS[i], at) end\n"
          + "end\n"
          + "return -1\n";

  /** Redis cannot answer; the verifier denies the call with {@code UNAVAILABLE}. */
  static final class UnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final JedisPooled redis;
  private final Clock clock;

  RedisState(GatewayConfig.Redis config, Clock clock) {
    URI uri = URI.create(config.url().revealForUse());
    int timeoutMs = (int) config.timeout().toMillis();
    DefaultJedisClientConfig.Builder b =
        DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(timeoutMs)
            .socketTimeoutMillis(timeoutMs)
            .ssl("rediss".equals(uri.getScheme()));
    String userInfo = uri.getUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        if (colon > 0) {
          b.user(userInfo.substring(0, colon));
        }
        b.password(userInfo.substring(colon + 1));
      } else {
        b.password(userInfo);
      }
    }
    String path = uri.getPath();
    if (path != null && path.length() > 1) {
      b.database(Integer.parseInt(path.substring(1)));
    }
    JedisClientConfig clientConfig = b.build();
    int port = uri.getPort() > 0 ? uri.getPort() : 6379;
    // Enough connections that request threads rarely wait for one; each call needs one briefly.
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(64);
    pool.setMaxIdle(64);
    pool.setMaxWait(config.timeout());
    this.redis = new JedisPooled(new HostAndPort(uri.getHost(), port), clientConfig, pool);
    this.clock = clock;
  }

  /** Checks that Redis answers. */
  void ping() {
    try {
      redis.ping();
    } catch (RuntimeException e) {
      throw new UnavailableException("Redis does not answer: " + e.getMessage(), e);
    }
  }

  @Override
  public int tryUse(List<Limit> limits) {
    List<String> keys = new ArrayList<>(limits.size());
    List<String> args = new ArrayList<>(limits.size() * 2);
    for (Limit l : limits) {
      keys.add(USES_PREFIX + l.revocationId());
      args.add(Long.toString(l.maxUses()));
    }
    for (Limit l : limits) {
      args.add(Long.toString(Math.max(l.forgetAfter().toEpochMilli(), clock.millis() + 1000)));
    }
    try {
      Object result = redis.eval(TRY_USE, keys, args);
      return ((Long) result).intValue();
    } catch (RuntimeException e) {
      throw new UnavailableException("the usage counters in Redis cannot be reached", e);
    }
  }

  @Override
  public boolean firstUse(String proofId, Instant expiresAt) {
    long at = Math.max(expiresAt.toEpochMilli(), clock.millis() + 1000);
    try {
      String ok = redis.set(PROOF_PREFIX + proofId, "1", SetParams.setParams().nx().pxAt(at));
      return "OK".equals(ok);
    } catch (RuntimeException e) {
      throw new UnavailableException("the replay guard in Redis cannot be reached", e);
    }
  }

  @Override
  public void close() {
    redis.close();
  }
}
