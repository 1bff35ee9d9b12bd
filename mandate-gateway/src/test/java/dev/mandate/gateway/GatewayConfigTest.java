package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.gateway.mcp.McpConfig;
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
              upstreams:
                - service: fs
                  path: /mcp/fs
                  stdio: {command: node, args: [server.js, --port, 8080], env: {T: "${GITHUB_TOKEN}"}}
                  tools: {read_text_file: {resource: {fromArg: path, root: /srv}}}
            """;
    GatewayConfig c = GatewayConfig.parse(yaml, SOURCE, ENV);
    assertThat(c.limits().maxRequestBodyBytes()).isEqualTo(2 << 20);
    assertThat(c.limits().upstreamTimeout()).isEqualTo(Duration.ofMillis(1500));
    GatewayConfig.HttpRoute route = c.routes().get(0);
    assertThat(route.method()).isEqualTo("GET");
    assertThat(route.service()).isEqualTo("github");
    assertThat(route.resourceTemplate()).isEqualTo("/repos/{owner}/{repo}");
    assertThat(route.contentTypes()).containsExactly(GatewayConfig.DEFAULT_CONTENT_TYPE);
    assertThat(c.upstreams().get("github").headers().get("Authorization").revealForUse())
        .isEqualTo("Bearer ghp_topsecret");
    McpConfig.Stdio stdio = (McpConfig.Stdio) c.mcp().upstreams().get(0).transport();
    assertThat(stdio.args()).containsExactly("server.js", "--port", "8080");
    assertThat(stdio.env().get("T").revealForUse()).isEqualTo("ghp_topsecret");
    assertThat(c.toString() + c.upstreams() + c.authority() + c.mcp())
        .doesNotContain("ghp_topsecret")
        .doesNotContain("s3cret-value");
  }

  @Test
  void optionalResourceArguments_areParsed_andMayNotRepeatARequiredOne() {
    String mcp =
        """
        mcp:
          upstreams:
            - service: mail
              path: /mcp/mail
              stdio: {command: node}
              tools: {send_email: {resource: {fromArray: recipients, optional: %s}}}
        """;
    GatewayConfig c = GatewayConfig.parse(MINIMAL + mcp.formatted("[cc, bcc]"), SOURCE, ENV);
    McpConfig.FromArguments rule =
        (McpConfig.FromArguments) c.mcp().upstreams().get(0).tools().get("send_email");
    assertThat(rule.arguments()).containsExactly("recipients");
    assertThat(rule.optional()).containsExactly("cc", "bcc");

    assertThatThrownBy(
            () -> GatewayConfig.parse(MINIMAL + mcp.formatted("[cc, recipients]"), SOURCE, ENV))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("resource.optional names an argument that is already required");
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
  void routeContentTypes_arePlainMediaTypes_lowerCased() {
    String routes =
        MINIMAL
            + """
            http:
              upstreams: {api: {url: "http://127.0.0.1:9"}}
              routes:
                - match: POST /a
                  upstream: api
                  action: a
                  contentTypes: [Application/JSON, application/x-www-form-urlencoded, application/json]
            """;
    assertThat(GatewayConfig.parse(routes, SOURCE, ENV).routes().get(0).contentTypes())
        .containsExactly("application/json", "application/x-www-form-urlencoded");
    for (String bad :
        new String[] {"[]", "['application/json; charset=utf-8']", "['*/*']", "['json']"}) {
      String yaml =
          routes.replace(
              "[Application/JSON, application/x-www-form-urlencoded, application/json]", bad);
      assertThatThrownBy(() -> GatewayConfig.parse(yaml, SOURCE, ENV))
          .as(bad)
          .hasMessageContaining("http.routes[0].contentTypes");
    }
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

  @Test
  void everyProblem_isReportedAtOnce_inFileOrder_withItsLineAndColumn() {
    String yaml =
        """
        audience: gw-1
        authority:
          url: http://127.0.0.1:7700
          clientId: gateway-1
          clientSecretEnv: GW_SECRET
          maxStaleness: soon
        listen: {port: many}
        spool: {dir: spool, sync: sometimes}
        colour: blue
        mcp:
          upstreams:
            - service: fs
              path: /mcp/fs
              stdio: {command: node}
              tools: {a: {resource: {fromArg: path, root: relative}}}
              maxSessions: 0
        """;
    assertThatThrownBy(() -> GatewayConfig.parse(yaml, SOURCE, ENV))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessage(
            "/etc/mandate/gateway.yaml: 6 problems:\n"
                + "  - line 6, column 3: authority.maxStaleness 'soon' is not a duration (expected a"
                + " whole number at 'soon'); write whole numbers with units (d, h, m, s, ms),"
                + " largest first, e.g. 500ms, 30s, 15m, 1h30m or 7d\n"
                + "  - line 7, column 10: listen.port must be a whole number\n"
                + "  - line 8, column 21: spool.sync must be 'always' or 'batched', got"
                + " 'sometimes'\n"
                + "  - line 9, column 1: unknown key 'colour' at the top level; allowed: audience,"
                + " authority, http, limits, listen, mcp, metrics, oauth, redis, shutdownTimeout, spool,"
                + " verification\n"
                + "  - line 15, column 45: mcp.upstreams[0].tools.a.resource.root must be an"
                + " absolute, normalised directory path such as /srv/files; got 'relative'\n"
                + "  - line 16, column 7: mcp.upstreams[0].maxSessions must be between 1 and"
                + " 10000; got 0");
  }

  @Test
  void aMissingKey_pointsAtItsSection_andAMissingSectionHasNoLine() {
    String yaml =
        """
        audience: gw-1
        authority:
          url: http://127.0.0.1:7700
          clientSecretEnv: GW_SECRET
        """;
    assertThatThrownBy(() -> GatewayConfig.parse(yaml, SOURCE, ENV))
        .hasMessageContaining("2 problems:")
        .hasMessageContaining("\n  - spool.dir is required")
        .hasMessageContaining("\n  - line 2, column 1: authority.clientId is required");
  }

  @Test
  void aValueThatCannotBeRead_isReportedOnce_notAgainAsMissing() {
    String yaml = MINIMAL.replace("spool:\n  dir: spool\n", "spool: [spool]\n");
    assertThatThrownBy(() -> GatewayConfig.parse(yaml, SOURCE, ENV))
        .hasMessage("/etc/mandate/gateway.yaml line 6, column 1: spool must be a map");
  }

  @Test
  void theWholeFile_mustBeAMapOfSettings() {
    assertThatThrownBy(() -> GatewayConfig.parse("- audience\n", SOURCE, ENV))
        .hasMessage("/etc/mandate/gateway.yaml: the configuration must be a map of settings");
    assertThatThrownBy(() -> GatewayConfig.parse("# nothing\n", SOURCE, ENV))
        .hasMessage("/etc/mandate/gateway.yaml: the configuration is empty");
  }

  @Test
  void brokenYaml_andDuplicateKeys_stopAtTheirLine() {
    assertThatThrownBy(() -> GatewayConfig.parse(MINIMAL + "limits: {a\n", SOURCE, ENV))
        .hasMessageContaining("/etc/mandate/gateway.yaml line ")
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> GatewayConfig.parse(MINIMAL + "audience: gw-2\n", SOURCE, ENV))
        .hasMessageContaining("/etc/mandate/gateway.yaml line 8, column ")
        .hasMessageContaining("Duplicate field 'audience'");
  }

  @Test
  void problems_neverQuoteASecret() {
    String yaml =
        MINIMAL
            + """
            redis: {url: "http://:hunter2@127.0.0.1:6379"}
            http:
              upstreams:
                api:
                  url: "http://127.0.0.1:9"
                  headers: {"Bad Name": "Bearer ${GITHUB_TOKEN}", X-Key: "${NOT_SET}"}
            """;
    assertThatThrownBy(() -> GatewayConfig.parse(yaml, SOURCE, ENV))
        .hasMessageContaining("redis.url must start with redis:// or rediss://")
        .hasMessageContaining("'Bad Name' is not a header name")
        .hasMessageContaining("X-Key uses ${NOT_SET}, which is not set")
        .message()
        .doesNotContain("hunter2")
        .doesNotContain("ghp_topsecret");
  }
}
