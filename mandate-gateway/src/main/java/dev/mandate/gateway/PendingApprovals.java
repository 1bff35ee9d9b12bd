package dev.mandate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.server.Tracing;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import dev.mandate.token.Request;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the calls this gateway denies for want of a person's approval as pending approval
 * requests at the authority ({@code POST /v1/approval-requests}), so that approvers see them in
 * their inbox and the agent can poll for the answer.
 *
 * <p>The denial never waits for the authority: {@link #ask} gives the call a request id at once
 * (the same id while the call is waiting, so repeated denials of one call make one request) and
 * queues the recording; a background thread sends it, retrying a failing authority for a few
 * seconds. The queue is bounded ({@value #QUEUE}); a recording that does not fit, or that the
 * authority refuses, is dropped and logged, and the agent's poll then finds no such request. A call
 * allowed with an approval ({@link #used}) forgets its id, so the next identical call asks anew.
 *
 * <p>What the request shows people ({@code display}) is built here, where the capability and the
 * upstream are known: the arguments with each upstream's host paths rewritten grant-relative (as
 * its errors are), and each block's grants and caveats, which is what the capability would allow
 * without the approval. Never the token, its proof or an approval.
 */
final class PendingApprovals implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PendingApprovals.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  static final int QUEUE = 1024;
  static final int CACHE = 10_000;
  private static final int ATTEMPTS = 6;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  /** How long an id is reused before the authority confirmed the request (or when it refused). */
  private static final Duration UNCONFIRMED = Duration.ofMinutes(1);

  private final URI base;
  private final URI endpoint;
  private final String authorization;
  private final HttpClient http;
  private final Tracing tracing;
  private final SecureRandom random = new SecureRandom();
  private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(QUEUE);
  private final Map<String, UnaryOperator<String>> hostPaths = new ConcurrentHashMap<>();
  private final Counter recorded;
  private final Counter dropped;
  private final Thread thread;
  private volatile boolean running = true;

  /** The call's id and until when (monotonic nanos) it is reused; guarded by itself. */
  private final LinkedHashMap<String, Entry> ids =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
          return size() > CACHE;
        }
      };

  private record Entry(String id, long untilNanos) {}

  private record Job(String key, String id, byte[] body) {}

  PendingApprovals(
      GatewayConfig.Authority authority, HttpClient http, Tracing tracing, MeterRegistry metrics) {
    this.base = authority.url();
    this.endpoint = authority.url().resolve("/v1/approval-requests");
    this.authorization = authority.basicAuthorization();
    this.http = http;
    this.tracing = tracing;
    this.recorded =
        Counter.builder("mandate.gateway.approval.requests")
            .description("Approval requests recorded at the authority, or dropped")
            .tag("outcome", "recorded")
            .register(metrics);
    this.dropped =
        Counter.builder("mandate.gateway.approval.requests")
            .description("Approval requests recorded at the authority, or dropped")
            .tag("outcome", "dropped")
            .register(metrics);
    this.thread = new Thread(this::run, "mandate-approval-requests");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Rewrites host paths in what {@code service}'s requests show people (an MCP upstream's roots).
   */
  void hideHostPaths(String service, UnaryOperator<String> rewrite) {
    hostPaths.put(service, rewrite);
  }

  /**
   * The approval request a denied call waits in: the id it already has, or a new one whose
   * recording is queued. Never blocks, never throws for bad input.
   *
   * @param token the capability as presented (decoded here for what it allows; never sent)
   * @param needed the call, its digest and its groups, as the guard denied it
   */
  GuardResult.ApprovalNeeded.Task ask(String token, GuardResult.ApprovalNeeded needed) {
    String key = needed.tokenId() + ":" + needed.requestDigest();
    long now = System.nanoTime();
    String id;
    synchronized (ids) {
      Entry e = ids.get(key);
      if (e != null && e.untilNanos() - now > 0) {
        return task(e.id());
      }
      id = newId();
      ids.put(key, new Entry(id, now + UNCONFIRMED.toNanos()));
    }
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(body(id, token, needed));
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot describe approval request {}: {}", id, e.toString());
      dropped.increment();
      return task(id);
    }
    if (!queue.offer(new Job(key, id, body))) {
      dropped.increment();
      LOG.warn("approval request {} not recorded: {} are waiting to be sent already", id, QUEUE);
    }
    return task(id);
  }

  /** Forgets the request of a call that was just allowed with its approval. */
  void used(String tokenId, String requestDigest) {
    synchronized (ids) {
      ids.remove(tokenId + ":" + requestDigest);
    }
  }

  private GuardResult.ApprovalNeeded.Task task(String id) {
    return new GuardResult.ApprovalNeeded.Task(
        id, base.resolve("/v1/approval-requests/" + id + "/task"));
  }

  private String newId() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private ObjectNode body(String id, String token, GuardResult.ApprovalNeeded needed) {
    ObjectNode body = JSON.createObjectNode();
    body.put("requestId", id);
    body.put("tokenId", needed.tokenId());
    ArrayNode groups = body.putArray("approverGroups");
    needed.groups().forEach(groups::add);
    body.set("request", needed.toJson().get("request"));
    Request request = needed.request();
    ObjectNode display = body.putObject("display");
    UnaryOperator<String> hide =
        hostPaths.getOrDefault(request.service(), UnaryOperator.identity());
    display.set("args", rewritten(request.args(), hide));
    Capability capability = Capability.decode(token);
    ArrayNode allows = display.putArray("allows");
    for (Block b : capability.blocks()) {
      ObjectNode block = allows.addObject();
      ArrayNode grants = block.putArray("grants");
      for (Grant g : b.grants()) {
        StringBuilder text = new StringBuilder(g.toString());
        for (Caveat c : g.caveats()) {
          text.append(" (").append(c.describe()).append(')');
        }
        grants.add(text.toString());
      }
      ArrayNode caveats = block.putArray("caveats");
      b.caveats().forEach(c -> caveats.add(c.describe()));
    }
    capability.holderKeyId().ifPresent(h -> body.put("holder", h));
    return body;
  }

  /** A copy of a JSON value with every string (key or value) passed through {@code hide}. */
  static JsonNode rewritten(JsonNode node, UnaryOperator<String> hide) {
    if (node.isTextual()) {
      return TextNode.valueOf(hide.apply(node.textValue()));
    }
    if (node.isArray()) {
      ArrayNode out = JSON.createArrayNode();
      node.forEach(n -> out.add(rewritten(n, hide)));
      return out;
    }
    if (node.isObject()) {
      ObjectNode out = JSON.createObjectNode();
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        out.set(hide.apply(f.getKey()), rewritten(f.getValue(), hide));
      }
      return out;
    }
    return node;
  }

  private void run() {
    while (running) {
      Job job;
      try {
        job = queue.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        if (!running) {
          return;
        }
        continue;
      }
      if (job != null) {
        send(job);
      }
    }
  }

  /** Sends one recording, retrying a failing authority; records how long the id holds. */
  private void send(Job job) {
    long backoff = 100;
    for (int attempt = 1; attempt <= ATTEMPTS && running; attempt++) {
      try {
        HttpResponse<String> r =
            tracing.send(
                http,
                HttpRequest.newBuilder(endpoint)
                    .timeout(REQUEST_TIMEOUT)
                    .header("Authorization", authorization)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(job.body())),
                HttpResponse.BodyHandlers.ofString());
        int status = r.statusCode();
        if (status == 200 || status == 201) {
          recorded.increment();
          confirm(job, r.body());
          return;
        }
        if (status != 429 && status < 500) {
          // Refused for good (an unknown or expired token, a bad body): not retried.
          dropped.increment();
          LOG.warn(
              "the authority refused approval request {}: {}", job.id(), AuthorityLink.answer(r));
          return;
        }
        LOG.debug("recording approval request {} failed: HTTP {}", job.id(), status);
      } catch (IOException e) {
        LOG.debug("recording approval request {} failed: {}", job.id(), e.toString());
      } catch (InterruptedException e) {
        if (!running) {
          return;
        }
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        if (!running) {
          return;
        }
      }
      backoff = Math.min(backoff * 2, 2_000);
    }
    dropped.increment();
    LOG.warn("approval request {} not recorded: the authority is unreachable", job.id());
  }

  /** Keeps the id for as long as the authority keeps the request open ({@code expiresIn}). */
  private void confirm(Job job, String answer) {
    long seconds;
    try {
      seconds = JSON.readTree(answer).path("expiresIn").asLong(0);
    } catch (IOException e) {
      return;
    }
    long left = TimeUnit.SECONDS.toNanos(Math.max(0, seconds));
    synchronized (ids) {
      Entry e = ids.get(job.key());
      if (e != null && e.id().equals(job.id())) {
        ids.put(job.key(), new Entry(job.id(), System.nanoTime() + left));
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
