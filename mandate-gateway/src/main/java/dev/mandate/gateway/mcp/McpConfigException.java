package dev.mandate.gateway.mcp;

/**
 * The {@code mcp:} section of the gateway configuration is invalid. The message names the key (such
 * as {@code mcp.upstreams[0].tools.read_text_file.resource}) and what is allowed; it never contains
 * a secret value.
 */
public final class McpConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  McpConfigException(String message) {
    super(message);
  }
}
