package dev.mandate.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A gateway's configuration file for a test or a demo: on 127.0.0.1 (an ephemeral port unless set),
 * for one authority as client {@code gateway} (its secret in the environment variable {@value
 * #SECRET_ENV}), with a spool directory, and whatever sections the caller adds.
 */
public final class GatewayYaml {
  /** The environment variable the configuration reads the gateway client's secret from. */
  public static final String SECRET_ENV = "GW_SECRET";

  private final String audience;
  private final String authorityUrl;
  private final Path spool;
  private int port;
  private String maxStaleness = "30s";
  private String pollWait;
  private String shutdownTimeout = "1s";
  private String mcpHeader;
  private final List<String> upstreams = new ArrayList<>();
  private final List<String> sections = new ArrayList<>();

  private GatewayYaml(String audience, String authorityUrl, Path spool) {
    this.audience = audience;
    this.authorityUrl = authorityUrl;
    this.spool = spool;
  }

  /** A gateway named {@code audience} reporting to the authority at {@code authorityUrl}. */
  public static GatewayYaml of(String audience, String authorityUrl, Path spool) {
    return new GatewayYaml(audience, authorityUrl, spool);
  }

  /**
   * The port to listen on (default 0: an ephemeral one), for a test that must name the gateway's
   * URL before it starts (such as in the authority's OAuth resources).
   */
  public GatewayYaml port(int port) {
    this.port = port;
    return this;
  }

  /** How stale its revocation view may grow before it refuses calls (default 30s). */
  public GatewayYaml maxStaleness(String duration) {
    this.maxStaleness = duration;
    return this;
  }

  /** How long one long-poll of the revocation feed waits (the gateway's default if not set). */
  public GatewayYaml pollWait(String duration) {
    this.pollWait = duration;
    return this;
  }

  public GatewayYaml shutdownTimeout(String duration) {
    this.shutdownTimeout = duration;
    return this;
  }

  /**
   * An MCP front end: {@code settings} are further keys of the {@code mcp} section as YAML lines
   * ({@code "callTimeout: 10s"}), then the upstreams.
   */
  public GatewayYaml mcp(List<String> settings, McpUpstream... servers) {
    StringBuilder h = new StringBuilder("mcp:\n");
    settings.forEach(s -> h.append("  ").append(s).append('\n'));
    this.mcpHeader = h.toString();
    for (McpUpstream u : servers) {
      upstream(u);
    }
    return this;
  }

  /** A further upstream for the MCP front end. */
  public GatewayYaml upstream(McpUpstream server) {
    upstreams.add(server.yaml().indent(2));
    return this;
  }

  /** Further upstreams as written: YAML list items indented for {@code mcp.upstreams}. */
  public GatewayYaml upstreams(String yaml) {
    upstreams.add(yaml.endsWith("\n") ? yaml : yaml + "\n");
    return this;
  }

  /** Further top-level YAML, as written ({@code "limits: {...}"}, an {@code http:} section). */
  public GatewayYaml section(String yaml) {
    sections.add(yaml);
    return this;
  }

  /** The configuration as YAML text. */
  public String text() {
    StringBuilder y =
        new StringBuilder(
            """
            listen: {host: 127.0.0.1, port: %d}
            audience: %s
            authority:
              url: %s
              clientId: gateway
              clientSecretEnv: %s
              maxStaleness: %s
            """
                .formatted(port, audience, authorityUrl, SECRET_ENV, maxStaleness));
    if (pollWait != null) {
      y.append("  pollWait: ").append(pollWait).append('\n');
    }
    y.append("spool: {dir: ").append(quote(spool.toString())).append("}\n");
    y.append("shutdownTimeout: ").append(shutdownTimeout).append('\n');
    if (mcpHeader != null) {
      y.append(mcpHeader).append("  upstreams:\n");
      upstreams.forEach(y::append);
    }
    for (String s : sections) {
      y.append(s.endsWith("\n") ? s : s + "\n");
    }
    return y.toString();
  }

  /** A YAML flow scalar for any text (a JSON string is valid YAML). */
  public static String quote(String text) {
    return Http.JSON.getNodeFactory().textNode(text).toString();
  }
}
