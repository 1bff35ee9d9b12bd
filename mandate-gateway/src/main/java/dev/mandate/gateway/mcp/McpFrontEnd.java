package dev.mandate.gateway.mcp;

import dev.mandate.gateway.CallGuard;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import org.eclipse.jetty.server.Handler;

/**
 * Mounts the MCP front end in a {@link GatewayServer} when the configuration has an {@code mcp:}
 * section. Registered with {@link java.util.ServiceLoader}.
 */
public final class McpFrontEnd implements GatewayServer.FrontEnd {
  private final String pathPrefix;
  private final McpHandler handler;

  private McpFrontEnd(String pathPrefix, McpHandler handler) {
    this.pathPrefix = pathPrefix;
    this.handler = handler;
  }

  @Override
  public String pathPrefix() {
    return pathPrefix;
  }

  @Override
  public Handler handler() {
    return handler;
  }

  @Override
  public void close() {
    handler.close();
  }

  /** Creates the MCP front end from the gateway configuration's {@code mcp:} section. */
  public static final class Factory implements GatewayServer.FrontEnd.Factory {
    /**
     * @throws McpConfigException if the {@code mcp:} section is invalid
     */
    @Override
    public GatewayServer.FrontEnd create(
        GatewayConfig config, CallGuard guard, MeterRegistry metrics) {
      if (config.mcp() == null) {
        return null;
      }
      Path source = config.source();
      Path baseDir =
          source == null || source.getParent() == null
              ? Path.of("").toAbsolutePath()
              : source.getParent();
      McpConfig mcp = McpConfig.parse(config.mcp(), baseDir, config.environment());
      McpHandler handler = McpHandler.create(mcp, guard);
      handler.bindMetrics(metrics);
      return new McpFrontEnd(mcp.pathPrefix(), handler);
    }
  }
}
