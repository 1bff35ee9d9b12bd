package dev.mandate.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.testkit.RawPeer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server relaying calls through an HTTP client on {@link HardenedServer#clientConnector()}: one
 * event loop runs both sides of a call, and the client's connections stay out of what counts the
 * server's.
 */
class SharedSelectorsTest {
  private static final String CALL = "GET /call HTTP/1.1\r\nHost: t\r\n\r\n";

  private final List<RawPeer> peers = new ArrayList<>();
  private final List<String> handledOn = new ArrayList<>();
  private final List<String> answeredOn = new ArrayList<>();
  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private volatile CountDownLatch upstreamRelease = new CountDownLatch(0);
  private Server upstream;
  private HardenedServer hardened;
  private HttpClient client;

  @AfterEach
  void stop() throws Exception {
    peers.forEach(RawPeer::close);
    if (client != null) {
      client.stop();
    }
    if (hardened != null) {
      hardened.server().stop();
    }
    if (upstream != null) {
      upstream.stop();
    }
  }

  @Test
  void theUpstreamsAnswer_isRelayedByTheThreadThatHandledTheRequest() throws Exception {
    start(ServerLimits.defaults());
    for (int i = 0; i < 3; i++) {
      RawPeer peer = peer("127.0.0.2");
      assertThat(peer.send(CALL)).isTrue();
      assertThat(peer.response()).isEqualTo(200);
    }
    assertThat(handledOn).hasSize(3);
    assertThat(answeredOn).hasSize(3);
    // One selector serves both sides: the thread that read the request and sent it upstream also
    // read the upstream's answer (with a selector of its own, the client's thread would have).
    for (int i = 0; i < 3; i++) {
      assertThat(answeredOn.get(i)).isEqualTo(handledOn.get(i));
    }
  }

  @Test
  void upstreamConnections_areNotCountedAsTheServersConnections() throws Exception {
    start(ServerLimits.builder().maxConnections(16).maxConnectionsPerAddress(2).build());
    NetworkConnectionLimit total = hardened.server().getBean(NetworkConnectionLimit.class);
    ServerConnector connector = (ServerConnector) hardened.server().getConnectors()[0];

    // Three calls held upstream at once: three upstream connections, from and to 127.0.0.1, with
    // a per-address cap of 2 that they must not meet.
    upstreamRelease = new CountDownLatch(1);
    List<RawPeer> callers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RawPeer peer = peer("127.0.0." + (2 + i));
      assertThat(peer.send(CALL)).isTrue();
      callers.add(peer);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (upstreamCalls.get() < 3 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(upstreamCalls.get()).isEqualTo(3);
    AbstractConnectionPool pool =
        (AbstractConnectionPool) client.getDestinations().get(0).getConnectionPool();
    assertThat(pool.getConnectionCount()).isEqualTo(3);
    assertThat(total.getNetworkConnectionCount()).isEqualTo(3);
    assertThat(connector.getConnectedEndPoints()).hasSize(3);

    upstreamRelease.countDown();
    for (RawPeer peer : callers) {
      assertThat(peer.response()).isEqualTo(200);
    }
    // Closing the upstream connections leaves the server's counts alone (were they counted on
    // close, the total cap would loosen by one per upstream connection).
    client.stop();
    assertThat(total.getNetworkConnectionCount()).isEqualTo(3);
    assertThat(connector.getConnectedEndPoints()).hasSize(3);
    assertThat(hardened.refusedConnections()).isZero();

    // The per-address cap still holds for clients.
    RawPeer second = peer("127.0.0.2");
    RawPeer third = peer("127.0.0.2");
    assertThat(second.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n") && second.response() == 200)
        .isTrue();
    assertThat(third.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n") && third.response() == 200)
        .isFalse();
    assertThat(hardened.refusedConnections()).isEqualTo(1);
  }

  private RawPeer peer(String from) throws Exception {
    RawPeer p = RawPeer.connect(from, hardened.port());
    peers.add(p);
    return p;
  }

  private void start(ServerLimits limits) throws Exception {
    upstream = new Server();
    ServerConnector upstreamConnector = new ServerConnector(upstream);
    upstreamConnector.setHost("127.0.0.1");
    upstream.addConnector(upstreamConnector);
    upstream.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback)
              throws Exception {
            upstreamCalls.incrementAndGet();
            upstreamRelease.await(15, TimeUnit.SECONDS);
            reply(response, callback, "from upstream");
            return true;
          }
        });
    upstream.start();
    String upstreamUrl = "http://127.0.0.1:" + upstreamConnector.getLocalPort() + "/item";

    hardened = HardenedServer.builder("test-http").limits(limits).selectors(1).build();
    hardened.setHandler(
        new Handler.Abstract(InvocationType.NON_BLOCKING) {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            if (Request.getPathInContext(request).equals("/health")) {
              reply(response, callback, "ok");
              return true;
            }
            synchronized (handledOn) {
              handledOn.add(Thread.currentThread().getName());
            }
            CompletableFuture<String> body = new CompletableFuture<>();
            client
                .newRequest(upstreamUrl)
                .send(
                    new BufferingResponseListener() {
                      @Override
                      public void onComplete(Result result) {
                        synchronized (handledOn) {
                          answeredOn.add(Thread.currentThread().getName());
                        }
                        if (result.isFailed()) {
                          Response.writeError(request, response, callback, 502);
                        } else {
                          reply(response, callback, getContentAsString());
                        }
                      }
                    });
            return true;
          }
        });
    hardened.server().start();
    client = new HttpClient(new HttpClientTransportOverHTTP(hardened.clientConnector()));
    client.setExecutor(hardened.threads());
    client.getHttpClientTransport().setInvocationType(InvocationType.NON_BLOCKING);
    client.start();
  }

  private static void reply(Response response, Callback callback, String text) {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
