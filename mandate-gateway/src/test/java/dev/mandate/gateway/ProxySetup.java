package dev.mandate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.testkit.GatewayYaml;
import dev.mandate.testkit.Stack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the gateway's HTTP proxy tests share: a {@link Stack} (the test kit's authority, with
 * clients {@code gateway} and {@code approver}) under one policy, the gateway configuration in
 * front of an {@link EchoUpstream}, and small helpers over the stack's API.
 */
public final class ProxySetup {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String AUDIENCE = "gw-test";
  static final String UPSTREAM_SECRET = "upstream-secret-123";

  static final String POLICY =
      """
      version: 1
      clients:
        admin:
          grants:
            - "api:*:/**"
          maxTtl: 1h
          require: [audience]
          audiences: [gw-test]
        approver:
          approves: [finance]
          maxTtl: 5m
        gateway:
          role: gateway
      """;

  /** Starts a gateway from its configuration, with the front ends the gateway finds. */
  public static final Stack.GatewayLauncher<GatewayServer> LAUNCH =
      (yaml, file, env) -> GatewayServer.start(GatewayConfig.parse(yaml, file, env));

  private static Stack shared;

  private ProxySetup() {}

  /**
   * One stack for every test class that does not stop its authority (starting one costs seconds),
   * closed when the test JVM exits.
   */
  static synchronized Stack sharedStack() throws IOException {
    if (shared == null) {
      shared = stack(Files.createTempDirectory("mandate-gw-authority"));
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  /** A stack under {@link #POLICY} with its files in {@code dir} (SQLite). */
  static Stack stack(Path dir) throws IOException {
    return stack(dir, b -> {});
  }

  /** As {@link #stack(Path)}, the authority's settings adjusted (a database URL, say). */
  static Stack stack(Path dir, Consumer<AuthorityConfig.Builder> settings) throws IOException {
    return Stack.builder(dir)
        .policy(POLICY)
        .clients("gateway", "approver")
        .authority(settings)
        .start();
  }

  /** Mints with the admin client; {@code extra} is JSON fields such as {@code "maxUses":5}. */
  static String mint(Stack stack, String grant, String extra) {
    return stack.api().mint(stack.admin(), "10m", AUDIENCE, extra, grant).token();
  }

  /**
   * Has the approver client (a person, policy {@code approves: [finance]}) approve one call, as an
   * APPROVAL_REQUIRED denial names it; returns the approval's text.
   */
  static String approve(Stack stack, String tokenId, JsonNode request) {
    return stack.api().approve(stack.auth("approver"), tokenId, "finance", request, "5m");
  }

  /** Revokes a token's first block; returns the revocation's feed sequence. */
  static long revoke(Stack stack, String tokenId) {
    return stack.api().revoke(stack.admin(), tokenId, null, "gateway test");
  }

  /** The decision records the authority holds for a token. */
  static JsonNode decisions(Stack stack, String tokenId) {
    ArrayNode out = JSON.createArrayNode();
    stack.api().decisions(stack.admin(), tokenId).forEach(out::add);
    return out;
  }

  /** The decision records the authority holds from {@code from} on, oldest first. */
  static List<JsonNode> decisionsSince(Stack stack, Instant from) {
    return stack.api().decisionsWhere(stack.admin(), "from=" + from);
  }

  /** Gateway configuration YAML for these peers. */
  static String config(Stack stack, EchoUpstream upstream, Path spool, String extra) {
    return GatewayYaml.of(AUDIENCE, stack.url(), spool)
        .maxStaleness(extra != null && extra.contains("#stale2s") ? "2s" : "30s")
        .pollWait("5s")
        .section("limits: {maxRequestBody: 64KiB, upstreamTimeout: 3s}")
        .section(
            """
        http:
          upstreams:
            api:
              url: %s
              headers:
                Authorization: "Bearer ${UPSTREAM_TOKEN}"
            # Nothing listens on the discard port: every call to it is refused.
            down: {url: "http://127.0.0.1:9", service: api}
          routes:
            - {match: "GET /repos/{owner}/{repo}/issues", upstream: api, action: list_issues, resource: "/repos/{owner}/{repo}"}
            - {match: "POST /repos/{owner}/{repo}/issues", upstream: api, action: create_issue, resource: "/repos/{owner}/{repo}"}
            - {match: "POST /upload", upstream: api, action: upload, contentTypes: [application/octet-stream]}
            - {match: "GET /leak", upstream: api, action: leak}
            - {match: "GET /encoded/{encoding}", upstream: api, action: leak, resource: /leak}
            - {match: "GET /bomb", upstream: api, action: leak, resource: /leak}
            - {match: "GET /slow", upstream: api, action: slow}
            - {match: "GET /stall", upstream: api, action: slow, resource: /slow}
            - {match: "GET /down", upstream: down, action: leak, resource: /leak}
            """
                .formatted(upstream.url()))
        .section(extra == null ? "" : extra.replace("#stale2s", ""))
        .text();
  }

  /**
   * Starts the HTTP proxy (no front ends) for {@code stack} in front of the shared {@link
   * EchoUpstream}, spooling in {@code spool}.
   */
  static GatewayServer startProxy(Stack stack, Path spool) throws Exception {
    GatewayConfig config = parse(config(stack, EchoUpstream.shared(), spool, null), stack);
    return GatewayServer.start(config, java.time.Clock.systemUTC(), List.of());
  }

  static GatewayConfig parse(String yaml, Stack stack) {
    return GatewayConfig.parse(
        yaml,
        Path.of("gateway-test.yaml").toAbsolutePath(),
        Map.of("GW_SECRET", stack.secret("gateway"), "UPSTREAM_TOKEN", UPSTREAM_SECRET));
  }

  /** The token attenuated to have expired five minutes ago. */
  static String expired(String token) {
    return dev.mandate.token.Capability.decode(token)
        .attenuate()
        .expiresAt(Instant.now().minus(Duration.ofMinutes(5)))
        .sign()
        .toText();
  }

  static String sha256(String text) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
