package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.OtlpCollector;
import dev.mandate.testkit.OtlpCollector.ReceivedSpan;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces across agent, gateway, upstream and authority, exported over OTLP to a collector in the
 * test's process: the gateway's server span continues the agent's {@code traceparent}, its client
 * span to the upstream is named to the upstream, and the authority's spans continue the gateway's
 * calls to it.
 */
class TracingTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path tmp;

  @Test
  void allowedAndDeniedCalls_areTracedFromAgentThroughGatewayToUpstreamAndAuthority()
      throws Exception {
    Random random = new Random(14);
    try (OtlpCollector collector = OtlpCollector.start();
        Stack authority =
            ProxySetup.stack(
                Files.createDirectories(tmp.resolve("authority")),
                b -> b.tracing(URI.create(collector.endpoint()), null))) {
      GatewayConfig config =
          ProxySetup.parse(
              ProxySetup.config(
                  authority,
                  EchoUpstream.shared(),
                  tmp.resolve("spool"),
                  "tracing: {otlpEndpoint: \""
                      + collector.endpoint()
                      + "\", serviceName: gw-traced}"),
              authority);
      String traceA = hex(random, 16);
      String agentSpanA = hex(random, 8);
      String traceB = hex(random, 16);
      String agentSpanB = hex(random, 8);
      JsonNode echoed;
      try (GatewayServer gateway = GatewayServer.start(config, Clock.systemUTC(), List.of())) {
        String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
        Reply allowed = get(gateway, "/repos/octo/hello/issues", token, traceA, agentSpanA);
        Reply denied = get(gateway, "/repos/other/hello/issues", token, traceB, agentSpanB);
        assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);
        assertThat(denied.status()).as(denied.body()).isEqualTo(403);
        echoed = ProxySetup.JSON.readTree(allowed.body());
      }

      // The allowed call: agent -> gateway (server span) -> upstream (client span).
      ReceivedSpan served =
          collector.await(WAIT, s -> s.kind().equals("SERVER") && s.traceId().equals(traceA));
      assertThat(served.service()).isEqualTo("gw-traced");
      assertThat(served.parentSpanId()).isEqualTo(agentSpanA);
      assertThat(served.attribute("url.path")).isEqualTo("/repos/octo/hello/issues");
      assertThat(served.attribute("http.response.status_code")).isEqualTo("200");
      assertThat(served.attribute("mandate.decision")).isEqualTo("allow");
      assertThat(served.attribute("mandate.service")).isEqualTo("api");
      assertThat(served.attribute("mandate.action")).isEqualTo("list_issues");
      ReceivedSpan upstream =
          collector.await(
              WAIT, s -> s.kind().equals("CLIENT") && s.parentSpanId().equals(served.spanId()));
      assertThat(upstream.traceId()).isEqualTo(traceA);
      assertThat(upstream.attribute("url.path")).isEqualTo("/repos/octo/hello/issues");
      assertThat(upstream.attribute("http.response.status_code")).isEqualTo("200");
      assertThat(echoed.path("headers").path("traceparent").asText())
          .as("the traceparent the upstream received names the gateway's client span")
          .isEqualTo(upstream.traceparent());

      // The denied call: a server span under the agent's, with the denial, and no upstream call.
      ReceivedSpan refused =
          collector.await(WAIT, s -> s.kind().equals("SERVER") && s.traceId().equals(traceB));
      assertThat(refused.parentSpanId()).isEqualTo(agentSpanB);
      assertThat(refused.attribute("mandate.decision")).isEqualTo("deny");
      assertThat(refused.attribute("mandate.code")).isEqualTo("GRANT");
      assertThat(refused.attribute("http.response.status_code")).isEqualTo("403");
      assertThat(collector.find(s -> s.parentSpanId().equals(refused.spanId()))).isEmpty();

      // Gateway -> authority: the gateway's fetch of the root keys (made at start, answered at
      // once, unlike a feed long-poll that may still be waiting when the gateway stops) and the
      // authority's span serving it, one trace.
      ReceivedSpan feedCall =
          collector.await(
              WAIT,
              s ->
                  s.service().equals("gw-traced")
                      && s.kind().equals("CLIENT")
                      && "/v1/keys".equals(s.attribute("url.path")));
      ReceivedSpan feedServed =
          collector.await(
              WAIT, s -> s.kind().equals("SERVER") && s.parentSpanId().equals(feedCall.spanId()));
      assertThat(feedServed.service()).isEqualTo("mandate-authority");
      assertThat(feedServed.traceId()).isEqualTo(feedCall.traceId());
      assertThat(feedServed.attribute("url.path")).isEqualTo("/v1/keys");
      assertThat(feedServed.attribute("http.response.status_code")).isEqualTo("200");

      // Nothing secret reaches the collector: no token, no upstream credential, no query.
      for (ReceivedSpan s : collector.spans()) {
        assertThat(s.attributes().toString())
            .doesNotContain("mnd1_")
            .doesNotContain(ProxySetup.UPSTREAM_SECRET)
            .doesNotContain("since=");
      }
    }
  }

  @Test
  void tracingOff_propagatesNothingOfItsOwn() throws Exception {
    Stack authority = ProxySetup.sharedStack();
    GatewayConfig config =
        ProxySetup.parse(
            ProxySetup.config(authority, EchoUpstream.shared(), tmp.resolve("spool"), null),
            authority);
    assertThat(config.tracing()).isNull();
    try (GatewayServer gateway = GatewayServer.start(config, Clock.systemUTC(), List.of())) {
      String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
      Reply plain = get(gateway, "/repos/octo/hello/issues", token, null, null);
      assertThat(plain.status()).as(plain.body()).isEqualTo(200);
      assertThat(ProxySetup.JSON.readTree(plain.body()).path("headers").has("traceparent"))
          .isFalse();
    }
  }

  @Test
  void tracingSection_isChecked() throws Exception {
    Stack authority = ProxySetup.sharedStack();
    for (String[] bad :
        new String[][] {
          {"tracing: {serviceName: x}", "tracing.otlpEndpoint is required"},
          {"tracing: {otlpEndpoint: \"ftp://127.0.0.1/v1/traces\"}", "http or https"},
          {"tracing: {otlpEndpoint: \"http://u:p@127.0.0.1/v1/traces\"}", "credentials"},
          {
            "tracing: {otlpEndpoint: \"http://127.0.0.1:4318/v1/traces\", serviceName: \" \"}",
            "must not be blank"
          },
          {"tracing: {endpoint: \"http://127.0.0.1:4318\"}", "endpoint"},
        }) {
      String yaml = ProxySetup.config(authority, EchoUpstream.shared(), tmp.resolve("s"), bad[0]);
      assertThatThrownBy(() -> ProxySetup.parse(yaml, authority))
          .as(bad[0])
          .isInstanceOf(GatewayConfigException.class)
          .hasMessageContaining(bad[1]);
    }
    GatewayConfig ok =
        ProxySetup.parse(
            ProxySetup.config(
                authority,
                EchoUpstream.shared(),
                tmp.resolve("s"),
                "tracing: {otlpEndpoint: \"http://127.0.0.1:4318/v1/traces\"}"),
            authority);
    assertThat(ok.tracing().serviceName()).isEqualTo("mandate-gateway");
    assertThat(ok.tracing().otlpEndpoint()).hasToString("http://127.0.0.1:4318/v1/traces");
  }

  private static String hex(Random random, int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    b[0] |= 1; // never the all-zero (invalid) id
    return HexFormat.of().formatHex(b);
  }

  private static Reply get(
      GatewayServer gateway, String path, String token, String traceId, String parentSpanId) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.url() + path))
            .header("Authorization", "Bearer " + token)
            .GET();
    if (traceId != null) {
      b.header("traceparent", "00-" + traceId + "-" + parentSpanId + "-01");
    }
    return Http.send(b);
  }
}
