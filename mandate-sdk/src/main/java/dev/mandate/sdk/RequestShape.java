package dev.mandate.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.token.Call;
import dev.mandate.token.Request;
import dev.mandate.wire.McpNames;
import java.util.Map;
import java.util.Objects;

/**
 * Where a capability is presented: the gateway's audience and the service behind it, the names the
 * capability's own audience caveat and grants use. A wallet signs each call's proof over the call
 * as it is sent to that audience and service ({@link dev.mandate.token.Call}), so it needs nothing
 * of how the gateway maps calls to resources.
 *
 * <p>Optionally, a {@link ResourceRule} that mirrors the gateway's tool-to-resource mapping: the
 * wallet uses it only to match a person's approvals it keeps ({@link Wallet#addApproval}) to their
 * MCP tool calls, since an approval names the request the gateway decides. Without one, an approval
 * {@link ApprovalWait#await} keeps is matched through the request the gateway's denial named; else
 * present an approval with the call yourself ({@link dev.mandate.token.Presentation#withApproval}).
 * Immutable.
 */
public final class RequestShape {
  /**
   * Gives the resource of a call from its tool name and arguments, as the gateway does; used only
   * to match kept approvals to calls.
   */
  @FunctionalInterface
  public interface ResourceRule {
    /**
     * Returns the resource for a call of {@code tool} with {@code args}.
     *
     * @throws IllegalArgumentException if the call has no resource under this rule (the gateway
     *     refuses such a call)
     */
    String resourceFor(String tool, ObjectNode args);

    /**
     * The argument {@code name} as it is (gateway: {@code resource: {fromArg: name}}); a number or
     * boolean in its canonical text ({@link Request#resourceOf}). For a tool on several paths
     * (gateway: {@code fromArg: [source, destination]} or an array argument), name the first:
     * proofs sign only the first resource.
     *
     * @throws IllegalArgumentException if the name is empty
     */
    static ResourceRule argument(String name) {
      requireText(name, "argument name");
      return (tool, args) -> stringArgument(args, name);
    }

    /**
     * The string argument {@code name}, an absolute path equal to or under {@code root}, relative
     * to the root with a leading {@code /} (gateway: {@code resource: {fromArg: name, root:
     * root}}): {@code /srv/data/x} under root {@code /srv} is {@code /data/x}.
     *
     * @throws IllegalArgumentException if the name is empty or the root is not an absolute path
     */
    static ResourceRule argumentUnderRoot(String name, String root) {
      requireText(name, "argument name");
      if (root == null || !root.startsWith("/")) {
        throw new IllegalArgumentException(
            "the root must be an absolute directory such as /srv, got " + root);
      }
      String base = root.replaceAll("/+$", "");
      return (tool, args) -> {
        String path = stringArgument(args, name);
        if (path.startsWith("/")) {
          if (base.isEmpty()) {
            return path;
          }
          if (path.equals(base) || path.equals(base + "/")) {
            return "/";
          }
          if (path.startsWith(base + "/")) {
            return path.substring(base.length());
          }
        }
        throw new IllegalArgumentException(
            "argument '"
                + name
                + "' of "
                + tool
                + " must be an absolute path under "
                + (base.isEmpty() ? "/" : base));
      };
    }

    /**
     * The same resource for every call (gateway: {@code resource: {value: resource}}; for a tool
     * without a resource mapping, {@code fixed("")}).
     *
     * @throws NullPointerException if the resource is null
     */
    static ResourceRule fixed(String resource) {
      Objects.requireNonNull(resource, "resource");
      return (tool, args) -> resource;
    }

    /**
     * A rule per tool name, as the gateway's {@code tools:} map.
     *
     * @throws IllegalArgumentException (from the returned rule) for a tool not in the map
     */
    static ResourceRule perTool(Map<String, ResourceRule> rules) {
      Map<String, ResourceRule> copy = Map.copyOf(rules);
      return (tool, args) -> {
        ResourceRule rule = copy.get(tool);
        if (rule == null) {
          throw new IllegalArgumentException("no resource rule for tool " + tool);
        }
        return rule.resourceFor(tool, args);
      };
    }
  }

  private final String audience;
  private final String service;
  private final ResourceRule resourceRule;

  private RequestShape(String audience, String service, ResourceRule resourceRule) {
    this.audience = audience;
    this.service = service;
    this.resourceRule = resourceRule;
  }

  /**
   * Returns a shape for calls to {@code service} at the gateway with {@code audience}.
   *
   * @param audience the gateway's audience, such as {@code gw-1}
   * @param service the upstream's service id, such as {@code fs}
   * @throws IllegalArgumentException if the audience or service is empty
   */
  public static RequestShape of(String audience, String service) {
    requireText(audience, "audience");
    requireText(service, "service");
    return new RequestShape(audience, service, null);
  }

  /**
   * Returns a copy that also mirrors the gateway's tool-to-resource mapping, to match kept
   * approvals to tool calls (proofs do not need it).
   *
   * @throws NullPointerException if the rule is null
   */
  public RequestShape withApprovalMatching(ResourceRule resourceRule) {
    return new RequestShape(
        audience, service, Objects.requireNonNull(resourceRule, "resourceRule"));
  }

  /** Returns the gateway's audience. */
  public String audience() {
    return audience;
  }

  /** Returns the upstream's service id. */
  public String service() {
    return service;
  }

  /**
   * Returns the MCP {@code tools/call} this call is when sent to this audience and service: what a
   * holder proof signs.
   */
  public Call callFor(ToolCall call) {
    return Call.mcp(
        audience,
        service,
        McpNames.operation("POST", McpNames.TOOLS_CALL),
        call.name(),
        call.arguments());
  }

  /**
   * Returns the request the gateway decides for this call, as the resource rule mirrors it (this
   * audience and service, action = the tool name, the resource per the rule, args = the call's
   * arguments), to ask for or match an approval of it.
   *
   * @throws IllegalStateException if this shape has no resource rule
   * @throws IllegalArgumentException if the rule gives no resource for the call
   */
  public Request requestFor(ToolCall call) {
    if (resourceRule == null) {
      throw new IllegalStateException(
          "this request shape does not mirror the gateway's mapping (withApprovalMatching)");
    }
    ObjectNode args = call.arguments();
    String resource = resourceRule.resourceFor(call.name(), args);
    if (resource == null) {
      throw new IllegalArgumentException("the resource rule gave no resource for " + call.name());
    }
    return new Request(audience, service, call.name(), resource, args, null);
  }

  /**
   * The request a kept approval of this tool call names, or null if this shape has no resource rule
   * or the rule gives the call no resource (the gateway refuses such a call).
   */
  Request approvalRequest(ToolCall call) {
    if (resourceRule == null) {
      return null;
    }
    try {
      return requestFor(call);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "RequestShape[audience=" + audience + ", service=" + service + "]";
  }

  /**
   * The argument's string, or the first string of an array (a batch: the gateway checks the others
   * as further resources, which a proof signs through the arguments).
   */
  private static String stringArgument(ObjectNode args, String name) {
    JsonNode value = args == null ? null : args.get(name);
    if (value != null && value.isArray() && !value.isEmpty()) {
      value = value.get(0);
    }
    if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
      throw new IllegalArgumentException(
          "argument '"
              + name
              + "' is missing or not a string, number or boolean, or a non-empty array of them");
    }
    return Request.resourceOf(value);
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("the " + what + " must not be empty");
    }
  }
}
