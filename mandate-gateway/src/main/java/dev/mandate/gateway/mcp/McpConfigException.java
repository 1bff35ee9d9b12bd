package dev.mandate.gateway.mcp;

import dev.mandate.gateway.GatewayConfigException;

/**
 * The {@code mcp:} section of the gateway configuration is invalid. The message names the key (such
 * as {@code mcp.upstreams[0].tools.read_text_file.resource}) and what is allowed; it never contains
 * a secret value. A {@link GatewayConfigException}, so {@code mandate gateway} reports it like the
 * core's configuration errors.
 */
public final class McpConfigException extends GatewayConfigException {
  private static final long serialVersionUID = 1L;

  McpConfigException(String message) {
    super(message);
  }
}
