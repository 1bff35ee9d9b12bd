package dev.mandate.gateway.mcp;

import dev.mandate.gateway.CallGuard;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.ProtectedResource;
import dev.mandate.server.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.Handler;

/**
 * Mounts the MCP front end in a {@link GatewayServer} when the configuration has an {@code mcp:}
 * section. Registered with {@link java.util.ServiceLoader}.
 */
public final class McpFrontEnd implements GatewayServer.FrontEnd {
  private final String pathPrefix;
  private final McpHandler handler;
  private final Map<String, UnaryOperator<String>> hostPaths;

  private McpFrontEnd(
      String pathPrefix, McpHandler handler, Map<String, UnaryOperator<String>> hostPaths) {
    this.pathPrefix = pathPrefix;
    this.handler = handler;
    this.hostPaths = hostPaths;
  }

  /** Each upstream's roots, rewritten grant-relative as its errors are ({@link HostPaths}). */
  @Override
  public Map<String, UnaryOperator<String>> hostPaths() {
    return hostPaths;
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
        GatewayConfig config, CallGuard guard, MeterRegistry metrics, Tracing tracing) {
      McpConfig mcp = config.mcp();
      if (mcp == null) {
        return null;
      }
      McpHandler handler = McpHandler.create(mcp, guard, tracing, ProtectedResource.of(config));
      handler.bindMetrics(metrics);
      Map<String, UnaryOperator<String>> hostPaths = new HashMap<>();
      for (McpConfig.Upstream u : mcp.upstreams()) {
        hostPaths.put(u.service(), HostPaths.of(u)::relative);
      }
      return new McpFrontEnd(mcp.pathPrefix(), handler, Map.copyOf(hostPaths));
    }
  }
}
