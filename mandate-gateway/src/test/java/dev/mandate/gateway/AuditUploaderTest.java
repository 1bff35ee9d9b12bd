package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mandate.server.Tracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The uploader against an authority that takes bodies of at most 64 KiB, as one before batches grew
 * to 1 MiB: every event still arrives once, and after the first refusals the uploader stays under
 * the limit rather than sending an oversized batch again after each success.
 */
class AuditUploaderTest {
  private static final int OLD_LIMIT = 64 * 1024;
  private static final Pattern EVENT = Pattern.compile("\\{\"n\":(\\d+),\"pad\":\"x+\"}");

  @TempDir Path dir;
  private HttpServer authority;

  @AfterEach
  void stop() {
    if (authority != null) {
      authority.stop(0);
    }
  }

  @Test
  void anAuthorityWithASmallerBodyLimit_getsEveryEvent_andFewRefusals() throws Exception {
    List<Integer> received = new CopyOnWriteArrayList<>();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger accepted = new AtomicInteger();
    authority = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    authority.createContext(
        "/v1/audit/batches",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          if (body.length > OLD_LIMIT) {
            refused.incrementAndGet();
            exchange.sendResponseHeaders(413, -1);
          } else {
            Matcher m = EVENT.matcher(new String(body, StandardCharsets.US_ASCII));
            while (m.find()) {
              received.add(Integer.parseInt(m.group(1)));
            }
            accepted.incrementAndGet();
            exchange.sendResponseHeaders(201, -1);
          }
          exchange.close();
        });
    authority.start();

    GatewayConfig.Spool config =
        new GatewayConfig.Spool(dir, GatewayConfig.SyncMode.BATCHED, 64 << 20, 8 << 20);
    int events = 3000;
    try (AuditSpool spool = AuditSpool.open(config)) {
      String pad = "x".repeat(400);
      for (int i = 0; i < events; i++) {
        spool.append(
            ("{\"n\":" + i + ",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.US_ASCII));
      }
      GatewayConfig.Authority link =
          new GatewayConfig.Authority(
              URI.create("http://127.0.0.1:" + authority.getAddress().getPort()),
              "gateway-1",
              Secret.of("s3cret"),
              Duration.ofSeconds(30),
              Duration.ofSeconds(1),
              Duration.ofSeconds(1),
              Duration.ofMinutes(5),
              Set.of());
      AuditUploader uploader =
          new AuditUploader(
              spool, HttpClient.newHttpClient(), Tracing.off(), link, new SimpleMeterRegistry());
      uploader.start();
      assertThat(uploader.drainAndStop(Duration.ofSeconds(60))).isTrue();
    }
    assertThat(received).hasSize(events).doesNotHaveDuplicates();
    // 3000 events of about 415 bytes are some 1.2 MB: 20 or more batches under the limit. Had a
    // success reset the budget, every batch would have been refused first (20 and more refusals).
    assertThat(accepted.get()).isGreaterThanOrEqualTo(20);
    assertThat(refused.get()).isBetween(1, 6);
  }
}
