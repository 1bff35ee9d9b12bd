package dev.mandate.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Call;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MandateHttpTest {
  @Test
  void aRequestSentWithAttach_verifiesAtTheReceivingEnd() throws Exception {
    SecureRandom random = new SecureRandom();
    MutableClock clock = new MutableClock(Instant.parse("2025-06-01T12:00:00Z"));
    SigningKey root = SigningKey.generate(random);
    Verifier verifier =
        Verifier.builder().trustedKeys(TrustedKeys.of(root.verifyingKey())).clock(clock).build();
    Wallet wallet = Wallet.create(random, clock);
    // The wallet knows where it sends calls; the route GET /api/invoices/{id} -> action
    // get_invoice on resource /invoices/{id} is the receiving end's alone.
    RequestShape billing = RequestShape.of("gw-test", "billing");
    CapabilityHandle h =
        wallet.add(
            "billing",
            Capability.mint(root)
                .clock(clock)
                .allow("billing:get_invoice:/invoices/*")
                .ttl(Duration.ofMinutes(5))
                .bindTo(wallet.holderPublicKey())
                .sign()
                .toText(),
            billing);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/api/invoices/",
        exchange -> {
          try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String id = path.substring("/api/invoices/".length());
            String bearer = exchange.getRequestHeaders().getFirst("Authorization");
            Decision d =
                verifier.authorize(
                    Presentation.of(bearer.substring("Bearer ".length()))
                        .withProof(Proof.of(exchange.getRequestHeaders().getFirst("Mandate-Proof")))
                        .withCall(Call.http("gw-test", "billing", "GET", path, null)),
                    new Request(
                        "gw-test",
                        "billing",
                        "get_invoice",
                        "/invoices/" + id,
                        AgentAuthority.args("id", id),
                        null));
            exchange.sendResponseHeaders(d.allowed() ? 200 : 403, -1);
          }
        });
    server.start();
    try {
      URI uri =
          URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/invoices/42");
      HttpResponse<Void> response =
          HttpClient.newHttpClient()
              .send(
                  MandateHttp.attach(
                          HttpRequest.newBuilder(uri).GET(),
                          wallet.authorizeHttp(h, "GET", "/api/invoices/42", null))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      URI other =
          URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/invoices/43");
      HttpResponse<Void> reused =
          HttpClient.newHttpClient()
              .send(
                  MandateHttp.attach(
                          HttpRequest.newBuilder(other).GET(),
                          wallet.authorizeHttp(h, "GET", "/api/invoices/42", null))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(reused.statusCode()).as("a proof for invoice 42 does not open 43").isEqualTo(403);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void attach_setsTheBearerAndTheProof_replacingEarlierValues() {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1/api/invoices/1"))
            .header("Authorization", "Bearer stale")
            .header("Mandate-Proof", "stale");

    HttpHeaders headers =
        MandateHttp.attach(builder, Presentation.of("mnd1_abc").withProof(Proof.of("mndp2_xyz")))
            .build()
            .headers();

    assertThat(headers.allValues("Authorization")).containsExactly("Bearer mnd1_abc");
    assertThat(headers.allValues("Mandate-Proof")).containsExactly("mndp2_xyz");
  }

  @Test
  void attach_withoutProof_setsOnlyTheBearer() {
    HttpHeaders headers =
        MandateHttp.attach(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1/")),
                Presentation.of("mnd1_abc"))
            .build()
            .headers();

    assertThat(headers.firstValue("Authorization")).hasValue("Bearer mnd1_abc");
    assertThat(headers.firstValue("Mandate-Proof")).isEmpty();
  }

  @Test
  void attach_namesTheAgentsCurrentSpanInTraceparent_andNothingWithoutOne() {
    Presentation p = Presentation.of("mnd1_token");
    HttpRequest untraced =
        MandateHttp.attach(HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/x")), p).build();
    assertThat(untraced.headers().firstValue("traceparent")).isEmpty();

    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String spanId = "00f067aa0ba902b7";
    io.opentelemetry.api.trace.Span agentSpan =
        io.opentelemetry.api.trace.Span.wrap(
            io.opentelemetry.api.trace.SpanContext.create(
                traceId,
                spanId,
                io.opentelemetry.api.trace.TraceFlags.getSampled(),
                io.opentelemetry.api.trace.TraceState.getDefault()));
    HttpRequest traced;
    try (io.opentelemetry.context.Scope ignored = agentSpan.makeCurrent()) {
      traced =
          MandateHttp.attach(HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/x")), p).build();
    }
    assertThat(traced.headers().firstValue("traceparent"))
        .contains("00-" + traceId + "-" + spanId + "-01");
    assertThat(traced.headers().firstValue("Authorization")).contains("Bearer mnd1_token");
  }
}
