package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.Denial;
import dev.mandate.gateway.mcp.McpConfig.Fixed;
import dev.mandate.gateway.mcp.McpConfig.FromArguments;
import dev.mandate.gateway.mcp.McpConfig.ResourceRule;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import dev.mandate.token.Call;
import dev.mandate.token.Request;
import dev.mandate.wire.McpNames;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@link Call} a guarded MCP message is, exactly as the client sent it (the call a
 * holder proof signs: method {@code POST} and the JSON-RPC method, the tool name, URI or prompt
 * name as target, the {@code arguments}), and from that call alone the {@link Request} it is
 * checked as, per the upstream's configuration:
 *
 * <ul>
 *   <li>{@code tools/call}: action = the tool's name, resource (and further resources, for a tool
 *       on several paths) per the tool's rule, args = the call's {@code arguments};
 *   <li>{@code resources/read}: action {@value McpNames#RESOURCES_READ_ACTION}, resource = the URI
 *       normalised by {@link ResourceUris} (and forwarded so), no args;
 *   <li>{@code prompts/get}: action {@value McpNames#PROMPTS_GET_ACTION}, resource = the prompt's
 *       name, args = the prompt's {@code arguments}.
 * </ul>
 *
 * So a client signs without knowing this configuration, and the resources decided come from the
 * arguments it signed.
 */
final class CallMapping {
  /** What mapping a message gave: a request to check, or a refusal the guard never sees. */
  sealed interface Outcome permits Mapped, Refused {}

  /**
   * A mapped message.
   *
   * @param call the call as sent (no audience yet: the guard sets this gateway's)
   * @param request what the call is checked as
   */
  record Mapped(Call call, Request request) implements Outcome {
    /** Returns a copy with this request (the same call). */
    Mapped with(Request newRequest) {
      return new Mapped(call, newRequest);
    }
  }

  record Refused(String reason) implements Outcome {}

  private CallMapping() {}

  /** Maps a guarded request's params (may be null or malformed) to a request or a refusal. */
  static Outcome map(Upstream upstream, String method, JsonNode params) {
    if (params == null || !params.isObject()) {
      return new Refused(method + " needs params");
    }
    switch (method) {
      case McpNames.TOOLS_CALL:
        return tool(upstream, params);
      case McpNames.RESOURCES_READ:
        return resource(upstream, params);
      case McpNames.PROMPTS_GET:
        return prompt(upstream, params);
      default:
        throw new IllegalArgumentException("not a guarded method: " + method);
    }
  }

  private static Outcome tool(Upstream upstream, JsonNode params) {
    JsonNode name = params.get("name");
    if (name == null || !name.isTextual()) {
      return new Refused("tools/call needs a tool name");
    }
    ResourceRule rule = upstream.tools().get(name.textValue());
    if (rule == null) {
      return new Refused(
          "tool '" + printable(name.textValue()) + "' is not enabled on " + upstream.service());
    }
    JsonNode arguments = params.get("arguments");
    if (arguments != null && !arguments.isNull() && !arguments.isObject()) {
      return new Refused("tools/call arguments must be an object");
    }
    Call call = sent(upstream, McpNames.TOOLS_CALL, name.textValue(), arguments);
    // From here on only the call: the request is derived from what the client signed.
    ObjectNode args = call.args();
    if (rule instanceof Fixed fixed) {
      return new Mapped(
          call, new Request(null, call.service(), call.target(), fixed.value(), args, null));
    }
    FromArguments from = (FromArguments) rule;
    List<String> resources = new ArrayList<>();
    for (String argument : from.arguments()) {
      String problem = collect(args.get(argument), from.arrays(), from.root(), resources);
      if (problem != null) {
        return new Refused("argument '" + argument + "' " + problem);
      }
    }
    for (String argument : from.optional()) {
      JsonNode value = args.get(argument);
      if (value == null || value.isNull() || (value.isArray() && value.isEmpty())) {
        continue; // absent: names no resource
      }
      String problem = collect(value, value.isArray(), from.root(), resources);
      if (problem != null) {
        return new Refused("argument '" + argument + "' " + problem);
      }
    }
    return new Mapped(
        call,
        new Request(
            null,
            call.service(),
            call.target(),
            resources.get(0),
            args,
            null,
            resources.subList(1, resources.size())));
  }

  /**
   * Adds the resources of one argument (a value, or for {@code array} a non-empty array of values)
   * to {@code into}; returns what is wrong with the argument instead, or null. A value is a string,
   * or without a root also a number or boolean, named by its canonical text ({@link
   * Request#resourceOf}).
   */
  private static String collect(JsonNode value, boolean array, String root, List<String> into) {
    String expected = root == null ? "a string, number or boolean" : "a string";
    if (!array && (value == null || !resourceValue(value, root))) {
      return "is missing or not " + expected;
    }
    if (array && (value == null || !value.isArray() || value.isEmpty())) {
      return "is missing or not a non-empty array of values, each " + expected;
    }
    int count = array ? value.size() : 1;
    if (into.size() + count > 1 + Request.MAX_MORE_RESOURCES) {
      return "names more than " + (1 + Request.MAX_MORE_RESOURCES) + " resources in one call";
    }
    for (JsonNode item : array ? value : List.of(value)) {
      if (!resourceValue(item, root)) {
        return "holds something other than " + expected;
      }
      String text;
      try {
        text = Request.resourceOf(item);
      } catch (IllegalArgumentException e) {
        return "holds a number with no canonical form";
      }
      String resource = underRoot(text, root);
      if (resource == null) {
        // Never the root itself: a denial names no path of the upstream's host (only grant-relative
        // resources), and the root is one.
        return root == null || root.isEmpty()
            ? "must be an absolute path"
            : "must be an absolute path under the upstream's root directory";
      }
      into.add(resource);
    }
    return null;
  }

  /** Whether a value can name a resource: a string, or without a root a number or boolean. */
  private static boolean resourceValue(JsonNode value, String root) {
    return value.isTextual() || (root == null && (value.isNumber() || value.isBoolean()));
  }

  /**
   * Maps a {@code resources/read} to the normalised URI ({@link ResourceUris}) and writes that URI
   * into {@code params}, so the upstream reads the resource that was decided.
   */
  private static Outcome resource(Upstream upstream, JsonNode params) {
    if (!upstream.resources()) {
      return new Refused("resources/read is not enabled on " + upstream.service());
    }
    String uri = nonEmptyText(params, "uri");
    if (uri == null) {
      return new Refused("resources/read needs a uri");
    }
    Call call = sent(upstream, McpNames.RESOURCES_READ, uri, null);
    ResourceUris.Normalised normalised = ResourceUris.normalise(call.target());
    if (!normalised.ok()) {
      return new Refused("resource uri " + normalised.problem());
    }
    ((ObjectNode) params).put("uri", normalised.value());
    return new Mapped(
        call,
        new Request(
            null, call.service(), McpNames.RESOURCES_READ_ACTION, normalised.value(), null, null));
  }

  private static Outcome prompt(Upstream upstream, JsonNode params) {
    if (!upstream.prompts()) {
      return new Refused("prompts/get is not enabled on " + upstream.service());
    }
    String name = nonEmptyText(params, "name");
    if (name == null) {
      return new Refused("prompts/get needs a prompt name");
    }
    JsonNode arguments = params.get("arguments");
    if (arguments != null && !arguments.isNull() && !arguments.isObject()) {
      return new Refused("prompts/get arguments must be an object");
    }
    Call call = sent(upstream, McpNames.PROMPTS_GET, name, arguments);
    return new Mapped(
        call,
        new Request(
            null, call.service(), McpNames.PROMPTS_GET_ACTION, call.target(), call.args(), null));
  }

  /** The text at {@code field} of {@code params}, or null if it is absent, not text or empty. */
  private static String nonEmptyText(JsonNode params, String field) {
    JsonNode value = params.get(field);
    return value != null && value.isTextual() && !value.textValue().isEmpty()
        ? value.textValue()
        : null;
  }

  /**
   * The call a POSTed guarded message is, as sent: no audience yet (the guard sets its own), the
   * upstream's service, {@code POST} and the JSON-RPC method, the target, the arguments (an object
   * or absent; checked by the caller).
   */
  private static Call sent(Upstream upstream, String method, String target, JsonNode arguments) {
    return Call.mcp(
        null,
        upstream.service(),
        McpNames.operation("POST", method),
        target,
        arguments == null || arguments.isNull() ? null : (ObjectNode) arguments);
  }

  /**
   * The resource for {@code path} under {@code root}, or null if it is not an absolute path equal
   * to or below the root. No root means the argument is the resource as it is. Dot segments stay in
   * the result: the verifier normalises it and refuses anything that climbs above {@code /}.
   */
  static String underRoot(String path, String root) {
    if (root == null) {
      return path;
    }
    if (!path.startsWith("/")) {
      return null;
    }
    if (root.isEmpty()) {
      return path;
    }
    if (path.equals(root) || path.equals(root + "/")) {
      return "/";
    }
    return path.startsWith(root + "/") ? path.substring(root.length()) : null;
  }

  /** A name as it can be shown in a reason ({@link Denial#printable}). */
  static String printable(String s) {
    return Denial.printable(s);
  }
}
