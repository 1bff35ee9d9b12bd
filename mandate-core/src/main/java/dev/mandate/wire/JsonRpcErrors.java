package dev.mandate.wire;

/**
 * The JSON-RPC error codes and message forms the gateway answers MCP clients with, in JSON-RPC's
 * range for implementation-defined server errors. A denial's {@code error.data} carries {@link
 * #DATA_CODE}, the same stable code an HTTP denial's {@link Problem#code()} carries.
 */
public final class JsonRpcErrors {
  /** The upstream is down or restarting (the code the MCP SDKs use for a closed connection). */
  public static final int UNAVAILABLE = -32000;

  /** The upstream did not answer in time (the code the MCP SDKs use for a request timeout). */
  public static final int TIMEOUT = -32001;

  /** Mandate refused the call; think HTTP 403. */
  public static final int DENIED = -32003;

  /** How a denial's {@code error.message} starts; the reason follows. */
  public static final String DENIED_MESSAGE_PREFIX = "denied by Mandate: ";

  /** The member of a denial's {@code error.data} that holds the stable code. */
  public static final String DATA_CODE = "code";

  private JsonRpcErrors() {}
}
