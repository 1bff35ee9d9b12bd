package dev.mandate.gateway;

import dev.mandate.token.BudgetLedger;
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
 * Usage counters, budgets and used proofs and approvals in Redis, shared by every gateway that
 * points at it. Counting is one Lua script per call (check every limit, then increment every
 * counter), and so is a budget's debit (check every budget, then debit every one), so both are
 * exact across gateways; counters and budgets expire when their token does. A used proof or
 * approval (the verifier names approvals {@code approval:<id>}) is a key set with {@code NX} that
 * expires when it would be refused anyway (a stale proof, an expired approval).
 */
final class RedisState implements UsageCounter, BudgetLedger, ReplayGuard, AutoCloseable {
  private static final String USES_PREFIX = "mandate:uses:";
  private static final String BUDGET_PREFIX = "mandate:budget:";

  /**
   * What a budget key holds now, at {@code now} (Redis's clock, ms): a budget over the capability's
   * life is a counter; a rate is a hash of slot number to amount, whose slots before the window are
   * dropped as it is read (spec 6.3).
   */
  private static final String SPENT =
      "local function spent(k, w, now)\n"
          + "  if w == 0 then return tonumber(redis.call('GET', k) or '0') end\n"
          + "  local width = math.max(1, math.floor(w / 60))\n"
          + "  local first = math.floor((now - w) / width)\n"
          + "  local all = redis.call('HGETALL', k)\n"
          + "  local sum = 0\n"
          + "  for j = 1, #all, 2 do\n"
          + "    if tonumber(all[j]) < first then redis.call('HDEL', k, all[j])\n"
          + "    else sum = sum + tonumber(all[j + 1]) end\n"
          + "  end\n"
          + "  return sum\n"
          + "end\n"
          + "local t = redis.call('TIME')\n"
          + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n";

  /**
   * KEYS: the budgets; ARGV: per budget its amount, limit, window (ms, 0 for a lifetime budget) and
   * expiry (ms since the epoch). Returns {index of the first budget without room, what is left of
   * it, now} with nothing debited, or {-1, 0, now} after debiting every one. Amounts are integers
   * (millionths, at most 9e15, exact in Lua's doubles) passed as text to INCRBY and HINCRBY.
   */
  private static final String TRY_DEBIT =
      SPENT
          + "local n = #KEYS\n"
          + "for i = 1, n do\n"
          + "  local b = (i - 1) * 4\n"
          + "  local s = spent(KEYS[i], tonumber(ARGV[b + 3]), now)\n"
          + "  local limit = tonumber(ARGV[b + 2])\n"
          + "  if s + tonumber(ARGV[b + 1]) > limit then\n"
          + "    return {i - 1, math.max(0, limit - s), now}\n"
          + "  end\n"
          + "end\n"
          + "for i = 1, n do\n"
          + "  local b = (i - 1) * 4\n"
          + "  local w = tonumber(ARGV[b + 3])\n"
          + "  if w == 0 then redis.call('INCRBY', KEYS[i], ARGV[b + 1])\n"
          + "  else\n"
          + "    local width = math.max(1, math.floor(w / 60))\n"
          + "    redis.call('HINCRBY', KEYS[i], string.format('%d', math.floor(now / width)),"
          + " ARGV[b + 1])\n"
          + "  end\n"
          + "  local at = tonumber(ARGV[b + 4])\n"
          + "  local pttl = redis.call('PTTL', KEYS[i])\n"
          + "  if pttl < 0 or now + pttl < at then redis.call('PEXPIREAT', KEYS[i], at) end\n"
          + "end\n"
          + "return {-1, 0, now}\n";

  /** KEYS: the budgets; ARGV: per budget its amount and window, then the time of the debit. */
  private static final String REFUND =
      "local n = #KEYS\n"
          + "local at = tonumber(ARGV[2 * n + 1])\n"
          + "for i = 1, n do\n"
          + "  local w = tonumber(ARGV[2 * i])\n"
          + "  if redis.call('EXISTS', KEYS[i]) == 1 then\n"
          + "    if w == 0 then redis.call('DECRBY', KEYS[i], ARGV[2 * i - 1])\n"
          + "    else\n"
          + "      local width = math.max(1, math.floor(w / 60))\n"
          + "      redis.call('HINCRBY', KEYS[i], string.format('%d', math.floor(at / width)),"
          + " '-' .. ARGV[2 * i - 1])\n"
          + "    end\n"
          + "  end\n"
          + "end\n"
          + "return 0\n";

  /** KEYS: the budgets; ARGV: each one's window. Returns what each has spent now. */
  private static final String SPENT_NOW =
      SPENT
          + "local out = {}\n"
          + "for i = 1, #KEYS do out[i] = spent(KEYS[i], tonumber(ARGV[i]), now) end\n"
          + "return out\n";

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
  public Outcome tryDebit(List<Debit> debits) {
    List<String> keys = new ArrayList<>(debits.size());
    List<String> args = new ArrayList<>(debits.size() * 4);
    long floor = clock.millis() + 1000;
    for (Debit d : debits) {
      keys.add(BUDGET_PREFIX + d.key());
      args.add(Long.toString(d.amount()));
      args.add(Long.toString(d.limit()));
      args.add(Long.toString(d.windowMillis()));
      args.add(Long.toString(Math.max(d.forgetAfter().toEpochMilli(), floor)));
    }
    try {
      List<?> result = (List<?>) redis.eval(TRY_DEBIT, keys, args);
      return new Outcome(
          ((Long) result.get(0)).intValue(), (Long) result.get(1), (Long) result.get(2));
    } catch (RuntimeException e) {
      throw new UnavailableException("the budgets in Redis cannot be reached", e);
    }
  }

  @Override
  public void refund(List<Debit> debits, long atMillis) {
    List<String> keys = new ArrayList<>(debits.size());
    List<String> args = new ArrayList<>(debits.size() * 2 + 1);
    for (Debit d : debits) {
      keys.add(BUDGET_PREFIX + d.key());
      args.add(Long.toString(d.amount()));
      args.add(Long.toString(d.windowMillis()));
    }
    args.add(Long.toString(atMillis));
    try {
      redis.eval(REFUND, keys, args);
    } catch (RuntimeException e) {
      throw new UnavailableException("the budgets in Redis cannot be reached", e);
    }
  }

  @Override
  public long[] spent(List<Debit> debits) {
    List<String> keys = new ArrayList<>(debits.size());
    List<String> args = new ArrayList<>(debits.size());
    for (Debit d : debits) {
      keys.add(BUDGET_PREFIX + d.key());
      args.add(Long.toString(d.windowMillis()));
    }
    try {
      List<?> result = (List<?>) redis.eval(SPENT_NOW, keys, args);
      long[] out = new long[result.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = (Long) result.get(i);
      }
      return out;
    } catch (RuntimeException e) {
      throw new UnavailableException("the budgets in Redis cannot be reached", e);
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
