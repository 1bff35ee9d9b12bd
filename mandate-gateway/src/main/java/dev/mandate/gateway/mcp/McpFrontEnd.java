package dev.mandate.gateway.mcp;

import dev.mandate.gateway.CallGuard;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.ProtectedResource;
import io.micrometer.core.instrument.MeterRegistry;
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
    @Override
    public GatewayServer.FrontEnd create(
        GatewayConfig config, CallGuard guard, MeterRegistry metrics) {
      McpConfig mcp = config.mcp();
      if (mcp == null) {
        return null;
      }
      McpHandler handler = McpHandler.create(mcp, guard, ProtectedResource.of(config));
      handler.bindMetrics(metrics);
      return new McpFrontEnd(mcp.pathPrefix(), handler);
    }
  }
}
