package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.gateway.mcp.McpConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway configuration reads durations and {@code ${NAME}} references as every Mandate
 * configuration does ({@link dev.mandate.config.Durations}, {@link
 * dev.mandate.config.EnvReferences}), in its HTTP and MCP sections alike.
 */
class ConfigGrammarTest {
  private static final Path SOURCE = Path.of("/etc/mandate/gateway.yaml");
  private static final Map<String, String> ENV = Map.of("GW_SECRET", "s", "TOKEN", "t0k3n");

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

  private static GatewayConfig gateway(String yaml) {
    return GatewayConfig.parse(yaml, SOURCE, ENV);
  }

  /** The gateway configuration with {@code section} (YAML, unindented) as its {@code mcp:}. */
  private static McpConfig mcp(String section) {
    return gateway(MINIMAL + "mcp:\n" + section.indent(2)).mcp();
  }

  @Test
  void httpSection_takesCombinedUnitsAndDays() {
    GatewayConfig c =
        gateway(
            MINIMAL.replace(
                    "  clientSecretEnv: GW_SECRET\n",
                    "  clientSecretEnv: GW_SECRET\n  maxStaleness: 1m30s\n  keyRefreshInterval: 1d\n")
                + "limits: {upstreamTimeout: 1s500ms}\n");
    assertThat(c.authority().maxStaleness()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.authority().keyRefreshInterval()).isEqualTo(Duration.ofDays(1));
    assertThat(c.limits().upstreamTimeout()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void httpSection_namesTheBoundsInTheSameGrammar() {
    assertThatThrownBy(
            () ->
                gateway(
                    MINIMAL.replace(
                        "  clientSecretEnv: GW_SECRET\n",
                        "  clientSecretEnv: GW_SECRET\n  maxStaleness: 1h30m\n")))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("authority.maxStaleness must be 500ms..1h, got 1h30m");
  }

  @Test
  void httpSection_refusesAMalformedReference_namingTheHeader() {
    String yaml =
        MINIMAL
            + """
            http:
              upstreams:
                api: {url: "https://api.example", headers: {Authorization: "Bearer ${TOKEN-X}"}}
            """;
    assertThatThrownBy(() -> gateway(yaml))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("http.upstreams.api.headers.Authorization has a malformed reference");
  }

  @Test
  void mcpSection_takesCombinedUnits_andTheSameReferences() {
    McpConfig c =
        mcp(
            """
            callTimeout: 1m30s
            startTimeout: 2m
            sessionIdleTimeout: 1d
            upstreams:
              - service: mail
                path: /mcp/mail
                http: {url: "https://mail.internal/mcp", headers: {Authorization: "Bearer ${TOKEN}"}}
                tools: {send: {}}
            """);
    assertThat(c.callTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.startTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.sessionIdleTimeout()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void mcpSection_refusesZeroAndMalformedDurations() {
    String upstreams =
        "upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {}}}]\n";
    assertThatThrownBy(() -> mcp("callTimeout: 0s\n" + upstreams))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("mcp.callTimeout must be a positive duration, got 0s");
    assertThatThrownBy(() -> mcp("callTimeout: 30m1h\n" + upstreams))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("units go largest first");
  }
}
