package dev.mandate.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.testkit.RawPeer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hardened connector against real sockets: connection caps, header and body deadlines, and the
 * thread partition that keeps protected requests answered. Bounds are generous (a loaded two-core
 * machine may be slow to notice a deadline); what is asserted is that the server acts, not when.
 */
class HardenedServerTest {
  private static final Duration GENEROUS = Duration.ofSeconds(15);
  private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";

  private final List<RawPeer> peers = new ArrayList<>();
  private HardenedServer hardened;

  @AfterEach
  void stop() throws Exception {
    peers.forEach(RawPeer::close);
    if (hardened != null) {
      hardened.server().stop();
    }
  }

  private int start(ServerLimits limits) throws Exception {
    hardened =
        HardenedServer.builder("test-http")
            .limits(limits)
            .protect(r -> Request.getPathInContext(r).equals("/health"))
            .build();
    hardened.setHandler(new App());
    hardened.server().start();
    return hardened.port();
  }

  private RawPeer peer(String from, int port) throws IOException {
    RawPeer p = RawPeer.connect(from, port);
    peers.add(p);
    return p;
  }

  @Test
  void connectionsPastTheCapOfOneAddress_areClosedAtAccept() throws Exception {
    int port = start(ServerLimits.builder().maxConnectionsPerAddress(4).build());
    List<RawPeer> flood = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      flood.add(peer("127.0.0.2", port));
    }
    int answered = 0;
    int refused = 0;
    for (RawPeer p : flood) {
      if (p.send(HEALTH) && p.response() == 200) {
        answered++;
      } else {
        refused++;
      }
    }
    assertThat(answered).isEqualTo(4);
    assertThat(refused).isEqualTo(2);
    assertThat(hardened.refusedConnections()).isEqualTo(2);

    // Another address is not affected.
    RawPeer other = peer("127.0.0.3", port);
    assertThat(other.send(HEALTH)).isTrue();
    assertThat(other.response()).isEqualTo(200);

    // Closing connections gives the address its room back.
    flood.forEach(RawPeer::close);
    assertThat(eventually(() -> answers("127.0.0.2", port))).isTrue();
  }

  @Test
  void aConnectionThatSendsNothing_isClosedAfterTheHeaderTimeout() throws Exception {
    int port = start(ServerLimits.builder().headerTimeout(Duration.ofMillis(300)).build());
    RawPeer silent = peer("127.0.0.2", port);
    assertThat(silent.closedWithin(GENEROUS)).isTrue();
    assertThat(hardened.slowHeaders()).isEqualTo(1);
  }

  @Test
  void aFirstRequestWhoseHeadersNeverEnd_isClosed() throws Exception {
    int port = start(ServerLimits.builder().headerTimeout(Duration.ofMillis(300)).build());
    RawPeer slow = peer("127.0.0.2", port);
    assertThat(slow.send("GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: a")).isTrue();
    assertThat(slow.closedWithin(GENEROUS)).isTrue();
  }

  @Test
  void laterHeadersThatTrickle_closeTheConnection_thoughEachByteResetsTheIdleTimeout()
      throws Exception {
    int port = start(ServerLimits.builder().headerTimeout(Duration.ofMillis(300)).build());
    RawPeer slow = peer("127.0.0.2", port);
    assertThat(slow.send(HEALTH)).isTrue();
    assertThat(slow.response()).isEqualTo(200);
    assertThat(slow.send("GET /health HTTP/1.1\r\nX-Slow: ")).isTrue();
    // One header byte every 50 ms: far under the 60 s idle timeout, never a complete request.
    long deadline = System.nanoTime() + GENEROUS.toNanos();
    boolean closed = false;
    while (!closed && System.nanoTime() < deadline) {
      Thread.sleep(50);
      closed = !slow.send("a");
    }
    assertThat(closed).as("the server closed the trickling connection").isTrue();
  }

  @Test
  void anIdleKeepAliveConnection_isLeftToTheIdleTimeout() throws Exception {
    int port = start(ServerLimits.builder().headerTimeout(Duration.ofMillis(200)).build());
    RawPeer keepAlive = peer("127.0.0.2", port);
    assertThat(keepAlive.send(HEALTH)).isTrue();
    assertThat(keepAlive.response()).isEqualTo(200);
    // Five header timeouts of silence between requests: the connection is still usable.
    assertThat(keepAlive.closedWithin(Duration.ofMillis(1000))).isFalse();
    assertThat(keepAlive.send(HEALTH)).isTrue();
    assertThat(keepAlive.response()).isEqualTo(200);
  }

  @Test
  void aBodyThatStops_failsItsRead_andTheHandlerAnswers() throws Exception {
    int port =
        start(
            ServerLimits.builder()
                .headerTimeout(Duration.ofMillis(300))
                .minRequestBytesPerSecond(1000)
                .build());
    RawPeer slow = peer("127.0.0.2", port);
    assertThat(
            slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n0123456789"))
        .isTrue();
    assertThat(slow.status()).isEqualTo(408);
    assertThat(slow.closedWithin(GENEROUS)).isTrue();
    assertThat(hardened.slowBodies()).isEqualTo(1);
  }

  @Test
  void aBodyAtTheMinimumRate_isRead() throws Exception {
    int port =
        start(
            ServerLimits.builder()
                .headerTimeout(Duration.ofMillis(500))
                .minRequestBytesPerSecond(100)
                .build());
    RawPeer steady = peer("127.0.0.2", port);
    assertThat(steady.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n"))
        .isTrue();
    // 20 bytes in about 200 ms: well above 100 bytes per second.
    for (int i = 0; i < 20; i++) {
      Thread.sleep(10);
      assertThat(steady.send("x")).isTrue();
    }
    assertThat(steady.response()).isEqualTo(200);
    assertThat(hardened.slowBodies()).isZero();
  }

  @Test
  void busyThreads_leaveProtectedRequestsAnswered_andRefuseTheRestAfterTheQueueTimeout()
      throws Exception {
    int port =
        start(
            ServerLimits.builder()
                .maxThreads(40)
                .protectedThreads(16)
                .queueTimeout(Duration.ofMillis(300))
                // Long enough that the flood's bodies are not cut while the test runs.
                .headerTimeout(Duration.ofSeconds(60))
                .minRequestBytesPerSecond(1)
                .build());
    // 100 requests whose bodies never come, from four addresses: 24 hold every unprotected slot
    // (each a thread blocked in a read), the rest wait in the queue.
    for (int i = 0; i < 100; i++) {
      RawPeer p = peer("127.0.0." + (2 + i % 4), port);
      assertThat(p.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nx"))
          .isTrue();
    }
    assertThat(eventually(() -> hardened.refusedRequests() > 0)).isTrue();

    RawPeer legit = peer("127.0.0.1", port);
    assertThat(legit.send(HEALTH)).isTrue();
    assertThat(legit.response()).isEqualTo(200);
    RawPeer unprotected = peer("127.0.0.1", port);
    assertThat(unprotected.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok"))
        .isTrue();
    assertThat(unprotected.status()).isEqualTo(503);

    // Once the flood is gone, everything is served again.
    peers.subList(0, 100).forEach(RawPeer::close);
    assertThat(
            eventually(
                () -> {
                  try (RawPeer p = RawPeer.connect("127.0.0.1", port)) {
                    return p.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok")
                        && p.response() == 200;
                  }
                }))
        .isTrue();
  }

  @Test
  void aNonBlockingServer_resumesAConnectionOnTheThreadThatCompletedItsResponse() throws Exception {
    List<String> handledOn = handleTwoPipelinedRequests(true);
    // The first is handled on the selector; the second is read when the connection resumes after
    // the first answer, which the completer wrote: no worker thread is woken for it. (Should the
    // answer complete before the selector's thread has quite left Jetty's handling of the first
    // request, that thread reads the second itself: no worker is woken then either.)
    assertThat(handledOn.get(0)).startsWith("test-http-");
    assertThat(handledOn.get(1)).isIn(COMPLETER, handledOn.get(0));
  }

  @Test
  void aBlockingServer_resumesAConnectionOnItsOwnThreads() throws Exception {
    List<String> handledOn = handleTwoPipelinedRequests(false);
    assertThat(handledOn.get(1)).startsWith("test-http-").isNotEqualTo(COMPLETER);
  }

  private static final String COMPLETER = "test-completer";
  private static final ThreadLocal<CountDownLatch> HANDLE_RETURNED = new ThreadLocal<>();

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the handler did not return within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sends two pipelined requests on one connection to a server whose handler answers each from
   * another thread (as a proxy answers from its upstream client's); returns the names of the
   * threads that handled them.
   */
  private List<String> handleTwoPipelinedRequests(boolean nonBlocking) throws Exception {
    ExecutorService completer = Executors.newSingleThreadExecutor(r -> new Thread(r, COMPLETER));
    List<String> handledOn = Collections.synchronizedList(new ArrayList<>());
    try {
      hardened = HardenedServer.builder("test-http").build();
      Handler.Abstract answerLater =
          new Handler.Abstract(
              nonBlocking ? InvocationType.NON_BLOCKING : InvocationType.BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
              handledOn.add(Thread.currentThread().getName());
              CountDownLatch returned = new CountDownLatch(1);
              HANDLE_RETURNED.set(returned);
              completer.execute(
                  () -> {
                    // Answer only once the handling thread has returned from the handler, as an
                    // upstream's answer does: it arrives after the request was sent.
                    awaitQuietly(returned);
                    App.reply(response, callback, 200, "ok");
                  });
              return true;
            }
          };
      // Counts the latch down after the handler returns, on the handling thread.
      Handler.Wrapper signalReturn =
          new Handler.Wrapper(answerLater) {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
                throws Exception {
              try {
                return super.handle(request, response, callback);
              } finally {
                CountDownLatch returned = HANDLE_RETURNED.get();
                HANDLE_RETURNED.remove();
                if (returned != null) {
                  returned.countDown();
                }
              }
            }
          };
      hardened.setHandler(signalReturn);
      hardened.server().start();
      assertThat(hardened.server().getInvocationType())
          .isEqualTo(nonBlocking ? InvocationType.NON_BLOCKING : InvocationType.BLOCKING);
      RawPeer peer = peer("127.0.0.2", hardened.port());
      assertThat(peer.send(HEALTH + HEALTH)).isTrue();
      assertThat(peer.response()).isEqualTo(200);
      assertThat(peer.response()).isEqualTo(200);
      assertThat(handledOn).hasSize(2);
      return List.copyOf(handledOn);
    } finally {
      completer.shutdownNow();
    }
  }

  @Test
  void limits_refuseValuesOutOfRange() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ServerLimits.builder().maxThreads(40).protectedThreads(36).build())
        .hasMessageContaining("protectedThreads");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ServerLimits.builder().headerTimeout(Duration.ZERO))
        .hasMessageContaining("headerTimeout");
    assertThat(ServerLimits.defaults().toBuilder().build()).isEqualTo(ServerLimits.defaults());
  }

  @Test
  void limits_builtDirectly_areCheckedLikeTheBuilders() {
    ServerLimits d = ServerLimits.defaults();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new ServerLimits(
                    0,
                    d.maxConnectionsPerAddress(),
                    d.headerTimeout(),
                    d.idleTimeout(),
                    d.minRequestBytesPerSecond(),
                    d.maxRequestHeaderBytes(),
                    d.maxThreads(),
                    d.protectedThreads(),
                    d.queueTimeout()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConnections must be 1..1000000, got 0");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> d.toBuilder().minRequestBytesPerSecond((1L << 30) + 1))
        .hasMessage("minRequestBytesPerSecond must be 1..1073741824, got 1073741825");
  }

  private static boolean answers(String from, int port) throws IOException {
    try (RawPeer p = RawPeer.connect(from, port)) {
      return p.send(HEALTH) && p.response() == 200;
    }
  }

  /** Polls a condition every 50 ms for up to {@link #GENEROUS}. */
  private static boolean eventually(Check check) throws Exception {
    long deadline = System.nanoTime() + GENEROUS.toNanos();
    while (System.nanoTime() < deadline) {
      if (check.ok()) {
        return true;
      }
      Thread.sleep(50);
    }
    return check.ok();
  }

  @FunctionalInterface
  private interface Check {
    boolean ok() throws Exception;
  }

  /** {@code /health} answers at once; {@code /echo} reads the whole body (blocking) first. */
  private static final class App extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = Request.getPathInContext(request);
      if (path.equals("/echo")) {
        try (InputStream in = Content.Source.asInputStream(request)) {
          int n = in.readAllBytes().length;
          reply(response, callback, 200, "read " + n);
        } catch (IOException e) {
          reply(response, callback, 408, "too slow");
        }
        return true;
      }
      reply(response, callback, 200, "ok");
      return true;
    }

    private static void reply(Response response, Callback callback, int status, String text) {
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      response.setStatus(status);
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }
  }
}
