package dev.mandate.bench;

import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.testkit.Stack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The peers of a gateway benchmark: an authority (a {@link Stack} on SQLite, with a client {@code
 * gateway} for the gateway under test) and gateways on free ports of 127.0.0.1, for the audience
 * {@link #AUDIENCE}, each spooling its decisions in a directory of its own. Their secrets belong to
 * a throwaway data directory.
 */
final class BenchGateway {
  static final String AUDIENCE = "gw-bench";

  private BenchGateway() {}

  /**
   * Starts the authority in {@code dir}: the admin client may mint {@code adminGrants} ({@code
   * service:action:resource}) for the audience.
   */
  static Stack authority(Path dir, String... adminGrants) throws IOException {
    return Stack.builder(dir)
        .policy(
            """
            version: 1
            clients:
              admin:
                grants: ["%s"]
                maxTtl: 2h
                require: [audience]
                audiences: [%s]
              gateway:
                role: gateway
            """
                .formatted(String.join("\", \"", adminGrants), AUDIENCE))
        .clients("gateway")
        .start();
  }

  /** The load generator's capability: {@code grants} for an hour, minted by the admin. */
  static String token(Stack authority, String... grants) {
    return boundToken(authority, null, grants);
  }

  /**
   * As {@link #token}, bound to a holder's key ({@code VerifyingKey.toText()}): every call needs
   * its holder's proof. A null key mints a bearer capability.
   */
  static String boundToken(Stack authority, String holderKey, String... grants) {
    return authority
        .api()
        .mint(
            authority.admin(),
            "1h",
            AUDIENCE,
            holderKey == null ? null : "\"holderKey\":\"" + holderKey + "\"",
            grants)
        .token();
  }

  /**
   * Starts a gateway with its files in {@code dir}.
   *
   * @param sync the audit spool's {@code sync} setting
   * @param frontEnd the configuration's front-end section ({@code http:} or {@code mcp:}), YAML
   * @param frontEnds the front ends beyond HTTP that the section needs
   */
  static GatewayServer start(
      Path dir,
      String authorityUrl,
      String secret,
      String sync,
      String frontEnd,
      List<GatewayServer.FrontEnd.Factory> frontEnds)
      throws IOException {
    Files.createDirectories(dir);
    String yaml =
        """
        listen: {host: 127.0.0.1, port: 0}
        audience: %s
        authority: {url: %s, clientId: gateway, clientSecretEnv: GW_SECRET}
        spool: {dir: %s, sync: %s}
        shutdownTimeout: 2s
        """
                .formatted(AUDIENCE, authorityUrl, dir.resolve("spool"), sync)
            + frontEnd;
    GatewayConfig config =
        GatewayConfig.parse(yaml, dir.resolve("gateway.yaml"), Map.of("GW_SECRET", secret));
    return GatewayServer.start(config, Clock.systemUTC(), frontEnds);
  }
}
