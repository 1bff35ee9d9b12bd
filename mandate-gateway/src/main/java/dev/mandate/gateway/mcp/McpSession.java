package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.mandate.gateway.TokenRedaction;
import dev.mandate.wire.JsonRpcErrors;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent session and the upstream session behind it (for a stdio upstream, its own child
 * process). Request ids pass through unchanged: the agent's ids are unique within its session, and
 * so are the upstream's, so both directions can be correlated without rewriting.
 *
 * <p>Routing of what the upstream sends: a response goes to the HTTP request waiting for it; a
 * progress notification to the SSE stream of the request that asked for progress; anything else
 * (server requests, logging, list changes) to the agent's GET stream if one is open, else to any
 * request's SSE stream, else into a bounded buffer that the next GET stream drains.
 *
 * <p>If the upstream dies, every waiting request gets {@link JsonRpc#UNAVAILABLE}; the next message
 * starts a new upstream session and replays the agent's {@code initialize} (and {@code
 * notifications/initialized}) so the agent's session carries on. Restarts are rate-limited.
 */
final class McpSession implements SessionAdmission.Held {
  private static final Logger LOG = LoggerFactory.getLogger(McpSession.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_BUFFERED = 1000;
  private static final int MAX_RESTARTS_PER_MINUTE = 5;
  private static final AtomicLong INTERNAL_IDS = new AtomicLong();

  /** Marks the end of the GET stream. */
  static final JsonNode END = TextNode.valueOf("end");

  /** Opens an upstream session for a listener. */
  interface Connector {
    UpstreamConnection connect(UpstreamConnection.Listener listener);
  }

  /** A request the agent is waiting on. */
  static final class Pending {
    final JsonNode id;
    final String key;
    final boolean streaming;
    final String progressToken;
    final BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>(MAX_BUFFERED);

    /** The upstream connection it was sent on; 0 until sent. */
    volatile int generation;

    /** Takes the response while no thread waits on the inbox; null otherwise. Guarded by this. */
    private Async async;

    /** When a request answered through {@link Async} must be handed to a thread anyway. */
    private volatile long wakeAtNanos;

    Pending(JsonNode id, boolean streaming, String progressToken) {
      this.id = id;
      this.key = JsonRpc.idKey(id);
      this.streaming = streaming;
      this.progressToken = progressToken;
    }

    /**
     * Lets {@code async} take the response when it arrives, so no thread waits for it. Anything
     * else for this request, or {@code wakeAtNanos} passing first, hands the request to a thread
     * ({@link Async#waitInstead}), which then takes messages from the inbox.
     */
    synchronized void answerAsync(Async async, long wakeAtNanos) {
      this.wakeAtNanos = wakeAtNanos;
      this.async = async;
    }

    /** Withdraws the {@link Async}; true if it had not been called (the caller answers). */
    synchronized boolean detach() {
      boolean had = async != null;
      async = null;
      return had;
    }

    /** Hands the request to a thread if its wake time has passed and it is still answered async. */
    void wakeIfDue(long now) {
      if (now - wakeAtNanos < 0) {
        return;
      }
      Async a;
      synchronized (this) {
        a = async;
        async = null;
      }
      if (a != null) {
        a.waitInstead();
      }
    }

    /**
     * Delivers a message for this request: the response to the {@link Async} if one is set,
     * everything else to the inbox (handing the request to a thread if an Async was set).
     *
     * @return false if the inbox is full and the message was dropped
     */
    boolean deliver(JsonNode message) {
      Async a;
      boolean response;
      boolean taken = true;
      synchronized (this) {
        a = async;
        async = null;
        response = JsonRpc.isResponse(message) && JsonRpc.idKey(message.get("id")).equals(key);
        if (a == null || !response) {
          taken = inbox.offer(message);
        }
      }
      if (a != null) {
        if (response) {
          a.response(message);
        } else {
          a.waitInstead();
        }
      }
      return taken;
    }
  }

  /** Answers a pending request without a thread waiting for it. */
  interface Async {
    /** The request's response arrived. Called at most once, instead of {@link #waitInstead}. */
    void response(JsonNode response);

    /**
     * Something other than the response arrived, or the wake time passed: a thread must take over,
     * reading the inbox. Called at most once, instead of {@link #response}.
     */
    void waitInstead();
  }

  private final String id = newId();
  private final Shared shared;
  private final String service;
  private final Owner owner;
  private final String client;
  private final ServerRequests serverRequests = new ServerRequests();
  private final Object lock = new Object();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final BlockingQueue<JsonNode> serverMessages = new LinkedBlockingQueue<>(MAX_BUFFERED);
  private final AtomicBoolean getStreamOpen = new AtomicBoolean();
  private final Deque<Long> restarts = new ArrayDeque<>();
  private volatile long lastUsedNanos = System.nanoTime();
  private volatile String knownBearer;
  private volatile SessionCapability capability;
  private volatile boolean closed;
  private volatile int generation;
  private volatile Pending replay;

  // Guarded by lock.
  private UpstreamConnection upstream;
  private ObjectNode initialize;
  private boolean clientInitialized;

  /**
   * What every session with one upstream shares.
   *
   * @param service the upstream's service, for messages
   * @param features the client-side features the gateway answers for the agent
   * @param connector opens the upstream session
   * @param startTimeout how long a replayed initialization may take
   * @param hostPaths the upstream's host roots, rewritten in the errors it answers
   */
  record Shared(
      String service,
      ClientFeatures features,
      Connector connector,
      Duration startTimeout,
      HostPaths hostPaths) {}

  /**
   * @param shared what every session with this upstream shares
   * @param owner who may use the session
   * @param client the address the session was opened from
   */
  McpSession(Shared shared, Owner owner, String client) {
    this.shared = shared;
    this.service = shared.service();
    this.owner = owner;
    this.client = client;
  }

  String id() {
    return id;
  }

  /**
   * Who a session belongs to, taken from the token that opened it: its token id (which every
   * capability attenuated or delegated from one mint shares, so an agent runtime's sub-agents can
   * use its sessions) and, for a holder-bound token, its holder key (so an agent's session survives
   * a refreshed capability, which has a new token id). A token with either continues the session;
   * any other gets 404. Each guarded call is still decided on the token it presents.
   *
   * @param tokenId the token id (hex)
   * @param holderKeyId the current holder's key id, or null for a bearer token
   */
  record Owner(String tokenId, String holderKeyId) {
    Owner {
      java.util.Objects.requireNonNull(tokenId, "tokenId");
    }

    /** Whether {@code other} shares this owner's token id or holder key. */
    boolean sameAs(Owner other) {
      return tokenId.equals(other.tokenId)
          || holderKeyId != null && holderKeyId.equals(other.holderKeyId);
    }
  }

  /** Who the session belongs to. */
  @Override
  public Owner owner() {
    return owner;
  }

  @Override
  public String client() {
    return client;
  }

  /** The capability the session runs on: the last one that used it ({@link #usedBy}). */
  SessionCapability capability() {
    return capability;
  }

  /**
   * Notes the verified capability that just used the session (a refreshed or delegated one may
   * follow its opener): the session ends when that one is revoked or expires.
   */
  void usedBy(SessionCapability current) {
    capability = current;
  }

  /** Notes a message about to be written to the agent (see {@link ServerRequests}). */
  void delivering(JsonNode message) {
    serverRequests.delivering(message);
  }

  /**
   * Whether an agent's response answers a request of the upstream delivered to the agent and not
   * answered yet; true once per such request.
   */
  boolean claimAnswer(JsonNode response) {
    return serverRequests.claim(response);
  }

  /**
   * Whether {@code bearer} is the text of a token this session has already seen have its owner, so
   * the caller need not decode it again. Compared in constant time.
   */
  boolean knownBearer(String bearer) {
    return constantTimeEquals(knownBearer, bearer);
  }

  private static boolean constantTimeEquals(String known, String presented) {
    if (known == null || known.length() != presented.length()) {
      return false;
    }
    int diff = 0;
    for (int i = 0; i < known.length(); i++) {
      diff |= known.charAt(i) ^ presented.charAt(i);
    }
    return diff == 0;
  }

  /** Remembers a bearer the caller decoded and found to have this session's owner. */
  void rememberBearer(String bearer) {
    knownBearer = bearer;
  }

  void touch() {
    lastUsedNanos = System.nanoTime();
  }

  /** Whether nothing has happened for {@code idle} and nothing is waiting or streaming. */
  boolean idleFor(Duration idle) {
    return idle() && System.nanoTime() - lastUsedNanos > idle.toNanos();
  }

  @Override
  public boolean idle() {
    return pending.isEmpty() && !getStreamOpen.get();
  }

  @Override
  public long lastUsedNanos() {
    return lastUsedNanos;
  }

  boolean closed() {
    return closed;
  }

  /** The message for a request the upstream could not take. */
  String unavailableMessage() {
    return "upstream " + service + " is unavailable; restarting";
  }

  /**
   * Registers a request the agent will wait for, or returns null if a request with this id is
   * already waiting.
   */
  Pending expect(JsonNode requestId, boolean streaming, String progressToken) {
    Pending p = new Pending(requestId, streaming, progressToken);
    return pending.putIfAbsent(p.key, p) == null ? p : null;
  }

  void forget(Pending p) {
    pending.remove(p.key, p);
  }

  /**
   * Sends a message from the agent upstream, starting (or restarting) the upstream session first if
   * needed. The agent's {@code initialize} is remembered for restarts.
   *
   * @param waiting the registered request this message is, or null
   * @throws UpstreamUnavailableException if the upstream cannot take it
   */
  void send(JsonNode message, Pending waiting) {
    if (JsonRpc.isRequest(message) && "initialize".equals(JsonRpc.method(message))) {
      synchronized (lock) {
        initialize = (ObjectNode) message.deepCopy();
      }
    } else if (JsonRpc.isNotification(message)) {
      String method = JsonRpc.method(message);
      if ("notifications/initialized".equals(method)) {
        synchronized (lock) {
          clientInitialized = true;
        }
      } else if ("notifications/cancelled".equals(method)) {
        JsonNode requestId = message.path("params").get("requestId");
        if (requestId != null && (requestId.isTextual() || requestId.isIntegralNumber())) {
          Pending p = pending.remove(JsonRpc.idKey(requestId));
          if (p != null) {
            p.deliver(
                JsonRpc.error(
                    p.id, JsonRpcErrors.UNAVAILABLE, "the request was cancelled by the client"));
          }
        }
      }
    }
    UpstreamConnection c;
    synchronized (lock) {
      c = connection();
      if (waiting != null) {
        waiting.generation = generation;
      }
    }
    c.send(message);
  }

  /** The live upstream connection, started or restarted as needed. Call holding lock. */
  private UpstreamConnection connection() {
    if (closed) {
      throw new UpstreamUnavailableException("the session has ended");
    }
    if (upstream != null && upstream.alive()) {
      return upstream;
    }
    if (initialize == null) {
      throw new UpstreamUnavailableException("the session was not initialized");
    }
    boolean restart = generation > 0;
    if (restart) {
      long now = System.nanoTime();
      while (!restarts.isEmpty() && now - restarts.peekFirst() > TimeUnit.MINUTES.toNanos(1)) {
        restarts.removeFirst();
      }
      if (restarts.size() >= MAX_RESTARTS_PER_MINUTE) {
        throw new UpstreamUnavailableException(
            "upstream " + service + " keeps failing; not restarting it for now");
      }
      restarts.addLast(now);
    }
    if (upstream != null) {
      upstream.close();
      upstream = null;
    }
    int gen = ++generation;
    // Requests sent on the previous connection will never be answered.
    failPending(gen, unavailableMessage());
    Link link = new Link(gen);
    UpstreamConnection c = shared.connector().connect(link);
    // Set before anything is sent on it, so before the upstream can say anything to answer.
    link.connection = c;
    if (restart) {
      try {
        replayInitialization(c);
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
      LOG.info("restarted upstream {} for session {}", service, shortId());
    }
    upstream = c;
    return c;
  }

  /** Runs the agent's initialization again on a fresh upstream session; the answer is dropped. */
  private void replayInitialization(UpstreamConnection c) {
    ObjectNode init = initialize.deepCopy();
    JsonNode internalId = TextNode.valueOf("mandate-gateway-" + INTERNAL_IDS.incrementAndGet());
    init.set("id", internalId);
    Pending p = new Pending(internalId, false, null);
    replay = p;
    try {
      c.send(init);
      JsonNode answer = p.inbox.poll(shared.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
      if (answer == null || !answer.has("result")) {
        throw new UpstreamUnavailableException(
            "upstream " + service + " did not initialize after a restart");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamUnavailableException("interrupted while restarting " + service, e);
    } finally {
      replay = null;
    }
    if (clientInitialized) {
      c.send(JsonRpc.notification("notifications/initialized", null));
    }
  }

  /**
   * Waits for the next message for a pending request: related notifications or requests (only for
   * streaming requests) and finally its response. Returns null on timeout.
   */
  JsonNode next(Pending p, long deadlineNanos) throws InterruptedException {
    long left = deadlineNanos - System.nanoTime();
    return left <= 0 ? null : p.inbox.poll(left, TimeUnit.NANOSECONDS);
  }

  /** Tells the upstream the gateway gave up on a request (best effort). */
  void cancelUpstream(Pending p, String reason) {
    forget(p);
    ObjectNode params = JsonRpc.MAPPER.createObjectNode();
    params.set("requestId", p.id);
    params.put("reason", reason);
    try {
      UpstreamConnection c;
      synchronized (lock) {
        c = upstream;
      }
      if (c != null && c.alive()) {
        c.send(JsonRpc.notification("notifications/cancelled", params));
      }
    } catch (UpstreamUnavailableException ignored) {
      // Nothing to cancel on a dead upstream.
    }
  }

  /** Hands the requests answered async whose wake time has passed to threads. */
  void wakeOverdue() {
    long now = System.nanoTime();
    for (Pending p : pending.values()) {
      p.wakeIfDue(now);
    }
  }

  /** Claims the session's GET stream; false if one is already open. */
  boolean openGetStream() {
    return getStreamOpen.compareAndSet(false, true);
  }

  void closeGetStream() {
    getStreamOpen.set(false);
  }

  /** The next message for the GET stream, {@link #END} when the session ends, or null. */
  JsonNode nextServerMessage(long timeout, TimeUnit unit) throws InterruptedException {
    if (closed) {
      return END;
    }
    return serverMessages.poll(timeout, unit);
  }

  /** Ends the session: stops the upstream and fails what is waiting. Idempotent. */
  void close() {
    UpstreamConnection c;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      c = upstream;
      upstream = null;
    }
    if (c != null) {
      c.close();
    }
    failPending(Integer.MAX_VALUE, "the session has ended");
    serverMessages.clear();
    serverMessages.offer(END);
  }

  /** Fails the waiting requests sent on a connection older than {@code generationBound}. */
  private void failPending(int generationBound, String message) {
    for (Pending p : pending.values()) {
      int g = p.generation;
      if (g > 0 && g < generationBound && pending.remove(p.key, p)) {
        p.deliver(JsonRpc.error(p.id, JsonRpcErrors.UNAVAILABLE, message));
      }
    }
  }

  String shortId() {
    return id.substring(0, 8);
  }

  private static String newId() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Receives one upstream connection's messages; ignores them once a newer one exists. */
  private final class Link implements UpstreamConnection.Listener {
    private final int gen;
    private volatile UpstreamConnection connection;

    Link(int gen) {
      this.gen = gen;
    }

    @Override
    public void onMessage(JsonNode message) {
      if (gen != generation || closed) {
        return;
      }
      JsonNode own = shared.features().answer(message);
      if (own != null) {
        answerUpstream(connection, own);
        return;
      }
      route(message);
    }

    @Override
    public void onClosed(String why) {
      if (gen != generation) {
        return;
      }
      Pending r = replay;
      if (r != null) {
        r.inbox.offer(JsonRpc.error(r.id, JsonRpcErrors.UNAVAILABLE, why));
      }
      synchronized (lock) {
        if (gen == generation) {
          upstream = null;
        }
      }
      failPending(gen + 1, unavailableMessage());
    }
  }

  private void route(JsonNode message) {
    if (JsonRpc.isNotification(message)
        && "notifications/cancelled".equals(JsonRpc.method(message))) {
      serverRequests.cancelled(message);
    }
    if (JsonRpc.isResponse(message)) {
      String key = JsonRpc.idKey(message.get("id"));
      Pending r = replay;
      if (r != null && r.key.equals(key)) {
        r.inbox.offer(message);
        return;
      }
      Pending p = pending.remove(key);
      if (p != null) {
        p.deliver(shared.hostPaths().inErrors(redactKeepingId(message)));
      } else {
        LOG.debug("upstream {} answered an unknown or abandoned request; dropped", service);
      }
      return;
    }
    JsonNode redacted = redactKeepingId(message);
    if ("notifications/progress".equals(JsonRpc.method(message))) {
      JsonNode token = message.path("params").get("progressToken");
      if (token != null) {
        String tokenKey = JsonRpc.idKey(token);
        for (Pending p : pending.values()) {
          if (p.streaming && tokenKey.equals(p.progressToken)) {
            p.deliver(redacted);
            return;
          }
        }
      }
    }
    if (!getStreamOpen.get()) {
      for (Pending p : pending.values()) {
        if (p.streaming && p.deliver(redacted)) {
          return;
        }
      }
    }
    if (!serverMessages.offer(redacted)) {
      serverMessages.poll();
      serverMessages.offer(redacted);
      LOG.debug("session {}: server message buffer full; dropped the oldest", shortId());
    }
  }

  /** Sends the gateway's own answer to a request of the upstream (best effort). */
  private void answerUpstream(UpstreamConnection c, JsonNode answer) {
    try {
      if (c != null && c.alive()) {
        c.send(answer);
      }
    } catch (UpstreamUnavailableException e) {
      LOG.debug("session {}: could not answer the upstream: {}", shortId(), e.getMessage());
    }
  }

  /**
   * Redacts Mandate tokens everywhere but the id, which must come back exactly as it was sent for
   * the peer to match it.
   */
  private static JsonNode redactKeepingId(JsonNode message) {
    return JsonRpc.redactKeepingId(message, TokenRedaction::redact, TokenRedaction::redacting);
  }
}
