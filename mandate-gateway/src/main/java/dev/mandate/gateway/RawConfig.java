package dev.mandate.gateway;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.util.List;
import java.util.Map;

/**
 * The gateway configuration file as written, bound by {@link GatewayConfigLoader} (unknown keys and
 * values of the wrong type are refused there) and turned into a {@link GatewayConfig} by {@link
 * GatewayConfigValidator}, which applies defaults and every other rule. A missing key is {@code
 * null}. Durations and sizes are kept as text here, so the validator parses them in one place and
 * words each error for its key.
 */
record RawConfig(
    Listen listen,
    String audience,
    Authority authority,
    Verification verification,
    Spool spool,
    Redis redis,
    Limits limits,
    Http http,
    Mcp mcp,
    Metrics metrics,
    String shutdownTimeout,
    OAuth oauth) {

  record OAuth(
      String issuer, String publicUrl, List<String> scopes, Boolean dpopRequired, Boolean stepUp) {}

  record Metrics(String tokenFile, String tokenEnv) {}

  record Listen(String host, Integer port) {}

  record Authority(
      String url,
      String clientId,
      String clientSecretFile,
      String clientSecretEnv,
      String maxStaleness,
      String pollWait,
      String keyRefetchInterval,
      String keyRefreshInterval,
      String trustedKeysFile) {}

  record Verification(String clockSkew, String proofWindow, Long cacheSize, String maxArgsBytes) {}

  record Spool(String dir, String sync, String maxBytes, String segmentBytes) {}

  record Redis(String url, String urlEnv, String timeout) {}

  record Limits(
      String maxRequestBody,
      String maxRequestHeaders,
      String maxResponseHeaders,
      String upstreamConnectTimeout,
      String upstreamTimeout,
      String idleTimeout,
      Integer maxConnections,
      Integer maxConnectionsPerAddress,
      String headerTimeout,
      String minRequestRate,
      Integer maxThreads,
      Integer protectedThreads,
      String queueTimeout) {}

  record Http(Map<String, HttpUpstream> upstreams, List<Route> routes) {}

  record HttpUpstream(String url, String service, Map<String, String> headers) {}

  record Route(
      String match,
      String upstream,
      String service,
      String action,
      String resource,
      List<String> contentTypes) {}

  /** The {@code mcp:} section; see {@link dev.mandate.gateway.mcp.McpConfig}. */
  record Mcp(
      String pathPrefix,
      List<McpUpstream> upstreams,
      String maxRequestBody,
      String maxUpstreamMessage,
      String callTimeout,
      String startTimeout,
      String sessionIdleTimeout,
      List<String> allowedOrigins) {}

  record McpUpstream(
      String service,
      String path,
      Stdio stdio,
      McpHttp http,
      Map<String, Tool> tools,
      Boolean resources,
      Boolean prompts,
      Integer maxSessions,
      Integer maxSessionsPerOwner,
      Integer maxSessionsPerClient,
      List<McpRoot> roots,
      List<String> allowMethods,
      List<String> revisions,
      String toolDenials) {}

  record McpRoot(String uri, String name) {}

  record Stdio(String command, List<String> args, Map<String, String> env, String workingDir) {}

  record McpHttp(String url, Map<String, String> headers) {}

  record Tool(Resource resource) {}

  /** {@code fromArg}, {@code fromArray} and {@code optional} take one name or a list of names. */
  record Resource(
      @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> fromArg,
      @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> fromArray,
      String root,
      String hostRoot,
      String value,
      @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> optional) {}
}
