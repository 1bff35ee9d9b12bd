package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.RawPeer;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Capability;
import io.micrometer.core.instrument.FunctionCounter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classes 1 and 7 of issue 10 at the gateway, against a real authority, upstream and sockets: a
 * flood of connections that hold what they can while a legitimate call, a revocation and the health
 * check keep working; a root key the authority retires stops verifying through the feed.
 */
class GatewayEdgeTest {
  private static final Duration GENEROUS = Duration.ofSeconds(20);

  @TempDir Path tmp;
  private final List<RawPeer> peers = new ArrayList<>();

  @AfterEach
  void closePeers() {
    peers.forEach(RawPeer::close);
  }

  private static Reply call(GatewayServer gateway, String token) {
    return Http.send(
        HttpRequest.newBuilder(URI.create(gateway.url() + "/repos/octo/hello/issues"))
            .header("Authorization", "Bearer " + token));
  }

  private RawPeer peer(String from, GatewayServer gateway) throws Exception {
    RawPeer p = RawPeer.connect(from, gateway.port());
    peers.add(p);
    return p;
  }

  @Test
  void aFloodOfSlowAndIdleConnections_leavesCallsRevocationAndHealthWorking() throws Exception {
    try (Stack authority = ProxySetup.stack(tmp);
        EchoUpstream upstream = new EchoUpstream()) {
      // 48 slots for calls, 20 connections per address.
      String limits =
          "limits: {maxRequestBody: 64KiB, upstreamTimeout: 2s, maxThreads: 64,"
              + " protectedThreads: 16, maxConnectionsPerAddress: 20}";
      GatewayConfig config =
          ProxySetup.parse(
              ProxySetup.config(authority, upstream, tmp.resolve("spool"), null)
                  .replace("limits: {maxRequestBody: 64KiB, upstreamTimeout: 3s}", limits),
              authority);
      assertThat(config.limits().server().maxConnectionsPerAddress()).isEqualTo(20);
      String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);

      try (GatewayServer gateway = GatewayServer.start(config, Clock.systemUTC(), List.of())) {
        assertThat(call(gateway, token).status()).isEqualTo(200);

        // Silent connections and never-ending headers from ten addresses: they hold no thread.
        for (int i = 0; i < 100; i++) {
          peer("127.0.0." + (2 + i % 10), gateway);
        }
        for (int i = 0; i < 100; i++) {
          assertThat(
                  peer("127.0.0." + (2 + i % 10), gateway)
                      .send("POST /upload HTTP/1.1\r\nHost: g\r\nX-Slow: "))
              .isTrue();
        }
        // Bodies that never come, without a capability: each is answered at once and its
        // connection closed, its body never read, so none holds a thread.
        for (int i = 0; i < 40; i++) {
          RawPeer p = peer("127.0.0." + (12 + i % 2), gateway);
          assertThat(
                  p.send(
                      "POST /repos/octo/hello/issues HTTP/1.1\r\nHost: g\r\n"
                          + "Content-Type: application/json\r\n"
                          + "Content-Length: 60000\r\n\r\n{\"a\""))
              .isTrue();
          assertThat(p.status()).isEqualTo(401);
          assertThat(p.closedWithin(GENEROUS)).isTrue();
        }
        // Connections from one address past 20 are closed at accept.
        for (int i = 0; i < 30; i++) {
          peer("127.0.0.14", gateway);
        }
        Await.until(GENEROUS, () -> counter(gateway, "refused.connections") >= 10);

        assertThat(call(gateway, token).status()).isEqualTo(200);
        Reply health = Http.get(gateway.url() + "/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("ok");

        // A revocation still reaches the gateway through the feed.
        ProxySetup.revoke(authority, Capability.decode(token).tokenId());
        Await.until(GENEROUS, () -> call(gateway, token).status() == 403);
        assertThat(counter(gateway, "refused.connections")).isEqualTo(10);
        // Gone before the gateway stops, so its shutdown does not wait for them.
        peers.forEach(RawPeer::close);
      }
    }
  }

  @Test
  void aRootKeyRetiredAtTheAuthority_stopsVerifyingThroughTheFeed_whileTheGatewayStaysFresh()
      throws Exception {
    try (Stack authority = ProxySetup.stack(tmp);
        EchoUpstream upstream = new EchoUpstream()) {
      GatewayConfig config =
          ProxySetup.parse(
              ProxySetup.config(authority, upstream, tmp.resolve("spool"), null), authority);
      // Keys are refreshed every 5 minutes: only the feed can carry the retirement in time.
      assertThat(config.authority().keyRefreshInterval()).isGreaterThan(Duration.ofMinutes(1));
      String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
      String oldKey = Capability.decode(token).rootKeyId();

      try (GatewayServer gateway = GatewayServer.start(config, Clock.systemUTC(), List.of())) {
        assertThat(call(gateway, token).status()).isEqualTo(200);
        Reply rotated = authority.api().post("/v1/keys/rotate", "", authority.admin());
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(201);
        String fresh = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
        // The old key still verifies (VERIFY_ONLY); the new one is fetched when a token names
        // it, at most once per keyRefetchInterval (10 s).
        assertThat(call(gateway, token).status()).isEqualTo(200);
        Await.until(GENEROUS, () -> call(gateway, fresh).status() == 200);

        Reply retired =
            authority.api().post("/v1/keys/" + oldKey + "/retire", "", authority.admin());
        assertThat(retired.status()).as(retired.body()).isEqualTo(200);
        Await.until(GENEROUS, () -> call(gateway, token).status() != 200);
        Reply denied = call(gateway, token);
        assertThat(denied.status()).isEqualTo(401);
        assertThat(denied.body()).contains("UNKNOWN_KEY");
        assertThat(call(gateway, fresh).status()).isEqualTo(200);
        assertThat(Http.get(gateway.url() + "/health", null).status()).isEqualTo(200);
      }
    }
  }

  private static double counter(GatewayServer gateway, String name) {
    FunctionCounter c = gateway.metrics().find("mandate.gateway.server." + name).functionCounter();
    return c == null ? -1 : c.count();
  }
}
