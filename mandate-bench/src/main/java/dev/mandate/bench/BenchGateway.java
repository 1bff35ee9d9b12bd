package dev.mandate.bench;

import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The gateway of a gateway benchmark: on a free port of 127.0.0.1, client {@code gateway} of a
 * {@link BenchAuthority}, for its audience, spooling its decisions in a directory of its own.
 */
final class BenchGateway {
  private BenchGateway() {}

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
                .formatted(BenchAuthority.AUDIENCE, authorityUrl, dir.resolve("spool"), sync)
            + frontEnd;
    GatewayConfig config =
        GatewayConfig.parse(yaml, dir.resolve("gateway.yaml"), Map.of("GW_SECRET", secret));
    return GatewayServer.start(config, Clock.systemUTC(), frontEnds);
  }
}
