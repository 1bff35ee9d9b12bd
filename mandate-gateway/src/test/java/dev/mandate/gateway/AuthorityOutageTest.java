package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Capability;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authority goes away and comes back; the gateway fails closed and loses no audit record. */
class AuthorityOutageTest {
  @TempDir Path tmp;

  private final AtomicInteger decided = new AtomicInteger();

  /** Sends one call; every call the gateway answers is one decision it must report. */
  private Reply call(GatewayServer gateway, String token) {
    Reply r =
        Http.send(
            HttpRequest.newBuilder(URI.create(gateway.url() + "/repos/octo/hello/issues"))
                .header("Authorization", "Bearer " + token));
    decided.incrementAndGet();
    return r;
  }

  @Test
  void unreachableAuthority_servesWithinTheBound_thenDenies_andEveryDecisionArrivesExactlyOnce()
      throws Exception {
    try (Stack authority = ProxySetup.stack(tmp);
        EchoUpstream upstream = new EchoUpstream()) {
      GatewayConfig config =
          ProxySetup.parse(
              ProxySetup.config(authority, upstream, tmp.resolve("spool"), "#stale2s"), authority);
      String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
      String tokenId = Capability.decode(token).tokenId();

      try (GatewayServer gateway = GatewayServer.start(config, Clock.systemUTC(), List.of())) {
        assertThat(call(gateway, token).status()).isEqualTo(200);

        long stoppedAt = System.nanoTime();
        authority.stopAuthority();
        assertThat(call(gateway, token).status()).as("within the bound").isEqualTo(200);
        Reply denied = null;
        while (denied == null && System.nanoTime() - stoppedAt < Duration.ofSeconds(6).toNanos()) {
          Reply r = call(gateway, token);
          if (r.status() != 200) {
            denied = r;
          } else {
            Thread.sleep(100);
          }
        }
        Duration servedFor = Duration.ofNanos(System.nanoTime() - stoppedAt);
        assertThat(denied).as("denied once the view is stale").isNotNull();
        // Stale 2 s after the last confirmed poll, which came at most about one poll wait (2 s / 3)
        // before the stop began.
        assertThat(servedFor).isBetween(Duration.ofMillis(1000), Duration.ofMillis(3500));
        assertThat(denied.status()).isEqualTo(503);
        assertThat(denied.headers().firstValue("Retry-After")).isPresent();
        assertThat(denied.json().get("code").asText()).isEqualTo("UNAVAILABLE");
        assertThat(denied.json().get("detail").asText())
            .contains("revocation view")
            .contains("older than the 2 s bound");
        assertThat(Http.get(gateway.url() + "/health", null).status()).isEqualTo(503);

        // The same gateway recovers once the authority is back.
        authority.restartAuthority();
        Await.until(Duration.ofSeconds(5), () -> call(gateway, token).status() == 200);

        // Down again: these decisions cannot be uploaded before the gateway stops.
        authority.stopAuthority();
        assertThat(call(gateway, token).status()).isEqualTo(200);
        assertThat(call(gateway, token).status()).isEqualTo(200);
      }

      // A new gateway on the same spool uploads what the first one left behind.
      authority.restartAuthority();
      try (GatewayServer again = GatewayServer.start(config, Clock.systemUTC(), List.of())) {
        assertThat(Http.get(again.url() + "/health", null).status()).isEqualTo(200);
        int expected = decided.get();
        Await.until(
            Duration.ofSeconds(15),
            () -> ProxySetup.decisions(authority, tokenId).size() >= expected);
      }
      JsonNode records = ProxySetup.decisions(authority, tokenId);
      assertThat(records.size()).as("every decision exactly once").isEqualTo(decided.get());
      long staleDenials = 0;
      for (JsonNode r : records) {
        if ("revocation-view".equals(r.get("detail").path("caveat").asText())) {
          staleDenials++;
        }
      }
      assertThat(staleDenials).isGreaterThanOrEqualTo(1);
    }
  }
}
