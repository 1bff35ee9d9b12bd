package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {
  private static final Path SOURCE = Path.of("/etc/mandate/gateway.yaml");
  private static final Map<String, String> ENV =
      Map.of("GW_SECRET", "s3cret-value", "GITHUB_TOKEN", "ghp_topsecret");

  private static final String MINIMAL =
      """
      audience: gw-1
      authority:
        url: http://127.0.0.1:7700/
        clientId: gateway-1
        clientSecretEnv: GW_SECRET
      spool:
        dir: spool
      """;

  @Test
  void minimal_getsDocumentedDefaults() {
    GatewayConfig c = GatewayConfig.parse(MINIMAL, SOURCE, ENV);
    assertThat(c.listen().port()).isEqualTo(7800);
    assertThat(c.authority().url().toString()).isEqualTo("http://127.0.0.1:7700");
    assertThat(c.authority().maxStaleness()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.authority().pollWait()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.verification().clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.limits().maxRequestBodyBytes()).isEqualTo(1 << 20);
    assertThat(c.spool().dir()).isEqualTo(Path.of("/etc/mandate/spool"));
    assertThat(c.spool().sync()).isEqualTo(GatewayConfig.SyncMode.ALWAYS);
    assertThat(c.redis()).isNull();
    assertThat(c.mcp()).isNull();
  }

  @Test
  void serverLimits_defaultAsDocumented_takeTheirKeys_andRefuseValuesOutOfRange() {
    assertThat(GatewayConfig.parse(MINIMAL, SOURCE, ENV).limits().server())
        .isEqualTo(dev.mandate.server.ServerLimits.defaults());
    GatewayConfig c =
        GatewayConfig.parse(
            MINIMAL
                + "limits: {maxConnections: 500, maxConnectionsPerAddress: 8, headerTimeout: 2s,"
                + " idleTimeout: 45s, minRequestRate: 4KiB, maxRequestHeaders: 8KiB,"
                + " maxThreads: 100, protectedThreads: 10, queueTimeout: 3s}\n",
            SOURCE,
            ENV);
    dev.mandate.server.ServerLimits l = c.limits().server();
    assertThat(l.maxConnections()).isEqualTo(500);
    assertThat(l.maxConnectionsPerAddress()).isEqualTo(8);
    assertThat(l.headerTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(l.idleTimeout()).isEqualTo(Duration.ofSeconds(45));
    assertThat(l.minRequestBytesPerSecond()).isEqualTo(4096);
    assertThat(l.maxRequestHeaderBytes()).isEqualTo(8192);
    assertThat(l.maxThreads()).isEqualTo(100);
    assertThat(l.protectedThreads()).isEqualTo(10);
    assertThat(l.queueTimeout()).isEqualTo(Duration.ofSeconds(3));

    assertThatThrownBy(
            () ->
                GatewayConfig.parse(
                    MINIMAL + "limits: {maxConnectionsPerAddress: 0}\n", SOURCE, ENV))
        .hasMessageContaining("maxConnectionsPerAddress must be 1..1000000, got 0");
    assertThatThrownBy(
            () ->
                GatewayConfig.parse(
                    MINIMAL + "limits: {maxThreads: 20, protectedThreads: 16}\n", SOURCE, ENV))
        .hasMessageContaining("protectedThreads");
  }

  @Test
  void routesAndUpstreams_resolveEnvironmentCredentials_withoutPrintingThem() {
    String yaml =
        MINIMAL
            + """
            limits: {maxRequestBody: 2MiB, upstreamTimeout: 1500ms}
            http:
              upstreams:
                github:
                  url: https://api.github.com
                  headers: {Authorization: "Bearer ${GITHUB_TOKEN}"}
              routes:
                - match: GET /repos/{owner}/{repo}/issues
                  upstream: github
                  action: list_issues
                  resource: /repos/{owner}/{repo}
            mcp:
              anything: [goes, here]
            """;
    GatewayConfig c = GatewayConfig.parse(yaml, SOURCE, ENV);
    assertThat(c.limits().maxRequestBodyBytes()).isEqualTo(2 << 20);
    assertThat(c.limits().upstreamTimeout()).isEqualTo(Duration.ofMillis(1500));
    GatewayConfig.HttpRoute route = c.routes().get(0);
    assertThat(route.method()).isEqualTo("GET");
    assertThat(route.service()).isEqualTo("github");
    assertThat(route.resourceTemplate()).isEqualTo("/repos/{owner}/{repo}");
    assertThat(c.upstreams().get("github").headers().get("Authorization").revealForUse())
        .isEqualTo("Bearer ghp_topsecret");
    assertThat(c.mcp().get("anything").get(1).asText()).isEqualTo("here");
    assertThat(c.toString() + c.upstreams() + c.authority())
        .doesNotContain("ghp_topsecret")
        .doesNotContain("s3cret-value");
  }

  @Test
  void unknownKey_isAnErrorWithItsLocationAndTheAllowedKeys() {
    String yaml =
        MINIMAL.replace("  clientId: gateway-1\n", "  clientId: gateway-1\n  clientSecert: x\n");
    assertThatThrownBy(() -> GatewayConfig.parse(yaml, SOURCE, ENV))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("/etc/mandate/gateway.yaml line 5")
        .hasMessageContaining("unknown key 'clientSecert' in authority")
        .hasMessageContaining("clientSecretEnv");
  }

  @Test
  void badValues_areReportedTogether_withPaths() {
    String yaml =
        """
        authority:
          url: ftp://x
          clientId: g
          clientSecretEnv: MISSING
          maxStaleness: 30
        spool: {dir: s, sync: sometimes}
        """;
    assertThatThrownBy(() -> GatewayConfig.parse(yaml, SOURCE, ENV))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("maxStaleness")
        .hasMessageContaining("units (d, h, m, s, ms)");
    String yaml2 = yaml.replace("  maxStaleness: 30\n", "");
    assertThatThrownBy(() -> GatewayConfig.parse(yaml2, SOURCE, ENV))
        .hasMessageContaining("audience is required")
        .hasMessageContaining("authority.url must be an http:// or https:// URL")
        .hasMessageContaining("MISSING, which is not set")
        .hasMessageContaining("spool.sync must be 'always' or 'batched'");
  }

  @Test
  void routeProblems_nameTheRoute() {
    String yaml =
        MINIMAL
            + """
            http:
              upstreams: {api: {url: "http://127.0.0.1:9"}}
              routes:
                - {match: "GET /a/{x}", upstream: api, action: a, resource: "/a/{y}"}
                - {match: "GET /health", upstream: api, action: h}
                - {match: "FETCH", upstream: nope, action: b}
            """;
    assertThatThrownBy(() -> GatewayConfig.parse(yaml, SOURCE, ENV))
        .hasMessageContaining("http.routes[0].resource uses {y}")
        .hasMessageContaining("http.routes[1].match: /health is answered by the gateway itself")
        .hasMessageContaining("http.routes[2].match must be 'METHOD /path/{param}'");
  }
}
