package dev.mandate.wire;

/**
 * The MCP methods a Mandate gateway guards, and the action names a grant uses for the two that have
 * no tool name of their own: a {@code tools/call} is checked as the tool's name, a {@code
 * resources/read} as {@link #RESOURCES_READ_ACTION} on the resource's URI, a {@code prompts/get} as
 * {@link #PROMPTS_GET_ACTION} on the prompt's name.
 *
 * <p>A holder proof signs every MCP operation as an MCP {@link dev.mandate.token.Call} whose method
 * is the {@link #operation}: a guarded call with its target and arguments, and every other
 * operation of a holder-bound capability's session (initialize, lists, notifications, answers to
 * the server, the GET stream, DELETE) with an empty target and no arguments. No grant covers a
 * session operation (the gateway decides it as {@link #SESSION_ACTION}); its proof only shows that
 * the holder's key is present.
 */
public final class McpNames {
  /** The MCP method that calls a tool. */
  public static final String TOOLS_CALL = "tools/call";

  /** The MCP method that reads a resource. */
  public static final String RESOURCES_READ = "resources/read";

  /** The MCP method that gets a prompt. */
  public static final String PROMPTS_GET = "prompts/get";

  /** The MCP method that lists tools (answered filtered to what the capability grants). */
  public static final String TOOLS_LIST = "tools/list";

  /** The action a {@code resources/read} is checked as (a grant {@code fs:resources.read:...}). */
  public static final String RESOURCES_READ_ACTION = "resources.read";

  /** The action a {@code prompts/get} is checked as (a grant {@code fs:prompts.get:...}). */
  public static final String PROMPTS_GET_ACTION = "prompts.get";

  /**
   * The action a gateway decides a session operation as (with the resource {@link #operation}
   * names), for its audit trail; no grant is consulted.
   */
  public static final String SESSION_ACTION = "mcp.session";

  private McpNames() {}

  /**
   * The method of an MCP {@link dev.mandate.token.Call}: the HTTP method, then, for a POSTed
   * request or notification, a space and its JSON-RPC method ({@code POST tools/call}, {@code POST
   * initialize}, {@code POST notifications/initialized}); a POSTed answer to the server is {@code
   * POST}, the GET stream {@code GET} and ending the session {@code DELETE}.
   *
   * @param httpMethod the HTTP method, such as {@code POST}
   * @param jsonRpcMethod the POSTed message's method, or null for an answer or a GET or DELETE
   */
  public static String operation(String httpMethod, String jsonRpcMethod) {
    return jsonRpcMethod == null ? httpMethod : httpMethod + " " + jsonRpcMethod;
  }

  /** Whether the gateway checks messages with this method against the capability. */
  public static boolean guarded(String method) {
    return TOOLS_CALL.equals(method) || RESOURCES_READ.equals(method) || PROMPTS_GET.equals(method);
  }
}
