package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import dev.mandate.wire.McpNames;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What an agent may learn from the answers to MCP's list and completion methods: nothing its
 * capability does not cover. A list is filtered to the entries the capability could use ({@code
 * tools/list}: configured tools it could call; {@code resources/list} and {@code
 * resources/templates/list}: URIs and templates its {@value McpNames#RESOURCES_READ_ACTION} grants
 * cover; {@code prompts/list}: prompts its {@value McpNames#PROMPTS_GET_ACTION} grants cover); a
 * completion is refused unless the prompt or resource template it completes is covered, and its
 * values for a template are filtered to those that name a covered URI; a subscription is refused
 * unless the URI is covered. Methods of features the upstream does not enable ({@code resources:},
 * {@code prompts:}) are refused, and the upstream's {@code initialize} answer stops advertising
 * those features.
 *
 * <p>A template is covered when its text, normalised like a URI, is covered as a resource: a grant
 * {@code test://static/resource/*} covers {@code test://static/resource/{id}}, a grant naming one
 * resource does not. (The resource read through it is still checked on its own.)
 */
final class Disclosure {
  static final String RESOURCES_LIST = "resources/list";
  static final String TEMPLATES_LIST = "resources/templates/list";
  static final String PROMPTS_LIST = "prompts/list";
  static final String COMPLETE = "completion/complete";
  static final String SUBSCRIBE = "resources/subscribe";
  static final String UNSUBSCRIBE = "resources/unsubscribe";

  /** What one presented capability could be allowed; bound to its bearer by the caller. */
  interface Coverage {
    /** Whether some call of {@code action} on this upstream could be allowed. */
    boolean couldCall(String action);

    /** Whether {@code action} on {@code resource} could be allowed (grants and validity only). */
    boolean covers(String action, String resource);
  }

  /**
   * A request refused before it reaches the upstream.
   *
   * @param reason a sentence for the agent, naming no host path
   * @param resource the resource the request named, as far as it was read ("" if none)
   * @param notCovered whether the capability did not cover it (a grant denial), else the request
   *     was malformed or the feature is not enabled
   */
  record Refusal(String reason, String resource, boolean notCovered) {}

  private final Upstream upstream;

  Disclosure(Upstream upstream) {
    this.upstream = upstream;
  }

  /**
   * Why the agent's request must not reach the upstream, or null if it may. Normalises the URI of a
   * subscription in {@code params}, so the upstream subscribes to the URI that was checked.
   */
  Refusal refusal(String method, JsonNode params, Coverage coverage) {
    switch (method) {
      case RESOURCES_LIST, TEMPLATES_LIST, UNSUBSCRIBE:
        return upstream.resources() ? null : notEnabled(method);
      case PROMPTS_LIST:
        return upstream.prompts() ? null : notEnabled(method);
      case SUBSCRIBE:
        return subscription(params, coverage);
      case COMPLETE:
        return completion(params, coverage);
      default:
        return null;
    }
  }

  /** How the upstream's answer to {@code method} is filtered before the agent sees it. */
  UnaryOperator<JsonNode> answer(String method, JsonNode params, Coverage coverage) {
    return switch (method) {
      case McpNames.TOOLS_LIST ->
          r ->
              filter(
                  r,
                  "tools",
                  t -> {
                    String name = t.path("name").asText(null);
                    return name != null
                        && upstream.tools().containsKey(name)
                        && coverage.couldCall(name);
                  });
      case RESOURCES_LIST -> r -> filter(r, "resources", e -> coveredUri(e.path("uri"), coverage));
      case TEMPLATES_LIST ->
          r -> filter(r, "resourceTemplates", e -> coveredUri(e.path("uriTemplate"), coverage));
      case PROMPTS_LIST ->
          r ->
              filter(
                  r,
                  "prompts",
                  e ->
                      e.path("name").isTextual()
                          && coverage.covers(
                              McpNames.PROMPTS_GET_ACTION, e.path("name").textValue()));
      case COMPLETE -> r -> completionValues(r, params, coverage);
      case "initialize" -> this::serverCapabilities;
      default -> UnaryOperator.identity();
    };
  }

  private Refusal notEnabled(String method) {
    return new Refusal(method + " is not enabled on " + upstream.service(), "", false);
  }

  private Refusal subscription(JsonNode params, Coverage coverage) {
    if (!upstream.resources()) {
      return notEnabled(SUBSCRIBE);
    }
    JsonNode uri = params == null ? null : params.get("uri");
    if (uri == null || !uri.isTextual() || !params.isObject()) {
      return new Refusal(SUBSCRIBE + " needs a uri", "", false);
    }
    ResourceUris.Normalised n = ResourceUris.normalise(uri.textValue());
    if (!n.ok()) {
      return new Refusal("resource uri " + n.problem(), "", false);
    }
    if (!coverage.covers(McpNames.RESOURCES_READ_ACTION, n.value())) {
      return new Refusal(
          "the capability does not cover reading " + CallMapping.printable(n.value()),
          n.value(),
          true);
    }
    ((ObjectNode) params).put("uri", n.value());
    return null;
  }

  private Refusal completion(JsonNode params, Coverage coverage) {
    JsonNode ref = params == null ? null : params.get("ref");
    String type = ref == null ? null : ref.path("type").asText(null);
    if ("ref/prompt".equals(type)) {
      if (!upstream.prompts()) {
        return notEnabled(COMPLETE + " of a prompt");
      }
      JsonNode name = ref.get("name");
      if (name == null || !name.isTextual()) {
        return new Refusal(COMPLETE + " needs the prompt's name", "", false);
      }
      return coverage.covers(McpNames.PROMPTS_GET_ACTION, name.textValue())
          ? null
          : new Refusal(
              "the capability does not cover prompt '"
                  + CallMapping.printable(name.textValue())
                  + "'",
              name.textValue(),
              true);
    }
    if ("ref/resource".equals(type)) {
      if (!upstream.resources()) {
        return notEnabled(COMPLETE + " of a resource");
      }
      JsonNode uri = ref.get("uri");
      if (uri == null || !uri.isTextual()) {
        return new Refusal(COMPLETE + " needs the resource template's uri", "", false);
      }
      ResourceUris.Normalised n = ResourceUris.normalise(uri.textValue());
      if (!n.ok()) {
        return new Refusal("resource template uri " + n.problem(), "", false);
      }
      return coverage.covers(McpNames.RESOURCES_READ_ACTION, n.value())
          ? null
          : new Refusal(
              "the capability does not cover resources " + CallMapping.printable(n.value()),
              n.value(),
              true);
    }
    return new Refusal(COMPLETE + " needs a ref of type ref/prompt or ref/resource", "", false);
  }

  /**
   * Keeps the completion values of a resource template that name a covered URI: each value is put
   * in the place of the argument's expression in the template, and the URI this gives is checked.
   */
  private JsonNode completionValues(JsonNode response, JsonNode params, Coverage coverage) {
    JsonNode ref = params.path("ref");
    JsonNode values = response.path("result").path("completion").get("values");
    if (!"ref/resource".equals(ref.path("type").asText()) || values == null || !values.isArray()) {
      return response;
    }
    String template = ref.path("uri").asText();
    String argument = params.path("argument").path("name").asText("");
    ArrayNode kept = JsonRpc.MAPPER.createArrayNode();
    for (JsonNode v : values) {
      if (!v.isTextual()) {
        continue;
      }
      ResourceUris.Normalised n =
          ResourceUris.normalise(UriTemplates.expandOne(template, argument, v.textValue()));
      if (n.ok() && coverage.covers(McpNames.RESOURCES_READ_ACTION, n.value())) {
        kept.add(v);
      }
    }
    ObjectNode completion = (ObjectNode) response.path("result").path("completion");
    if (kept.size() != values.size()) {
      // The total would tell how many values were withheld.
      completion.remove("total");
    }
    completion.set("values", kept);
    return response;
  }

  /** Keeps the entries of {@code result.<field>} that {@code keep} accepts. */
  private static JsonNode filter(JsonNode response, String field, Predicate<JsonNode> keep) {
    JsonNode list = response.path("result").get(field);
    if (list == null || !list.isArray()) {
      return response;
    }
    ArrayNode kept = JsonRpc.MAPPER.createArrayNode();
    for (JsonNode entry : list) {
      if (entry.isObject() && keep.test(entry)) {
        kept.add(entry);
      }
    }
    ((ObjectNode) response.get("result")).set(field, kept);
    return response;
  }

  private static boolean coveredUri(JsonNode uri, Coverage coverage) {
    if (!uri.isTextual()) {
      return false;
    }
    ResourceUris.Normalised n = ResourceUris.normalise(uri.textValue());
    return n.ok() && coverage.covers(McpNames.RESOURCES_READ_ACTION, n.value());
  }

  /**
   * The upstream's {@code initialize} answer without the features this upstream does not enable.
   */
  private JsonNode serverCapabilities(JsonNode response) {
    if (response.path("result").path("capabilities") instanceof ObjectNode capabilities) {
      if (!upstream.resources()) {
        capabilities.remove("resources");
      }
      if (!upstream.prompts()) {
        capabilities.remove("prompts");
      }
      if (!upstream.resources() && !upstream.prompts()) {
        capabilities.remove("completions");
      }
    }
    return response;
  }
}
