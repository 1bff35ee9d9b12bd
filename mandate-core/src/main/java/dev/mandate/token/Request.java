package dev.mandate.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a call asks to do, as the gateway builds it from the wire. Immutable: the arguments are
 * copied in and {@link #args()} returns a copy, so nobody can change a request after it was built
 * (or after it was verified).
 *
 * @param audience the gateway or service deciding (matched against audience caveats); may be null
 * @param service the tool server or API, such as {@code fs}
 * @param action the operation, such as an MCP tool name
 * @param resource the object acted on (a path, an id, a URI); a resource starting with {@code /} is
 *     normalised as a path before matching
 * @param args the call's arguments (a JSON object; empty when null)
 * @param context extra facts for conditions ({@code sourceIp}, ...); the verifier adds {@code time}
 * @param moreResources further objects the same call acts on (a move's destination, each file of a
 *     batch read), each checked against the grants like {@code resource}; at most {@value
 *     #MAX_MORE_RESOURCES}. A holder proof does not sign them, so a gateway must derive them from
 *     {@code args}, which it does sign.
 */
public record Request(
    String audience,
    String service,
    String action,
    String resource,
    ObjectNode args,
    Map<String, Object> context,
    List<String> moreResources) {
  /** The most further resources one request may name. */
  public static final int MAX_MORE_RESOURCES = 64;

  /**
   * @throws NullPointerException if service, action, resource or a further resource is null
   * @throws IllegalArgumentException if there are more than {@value #MAX_MORE_RESOURCES} further
   *     resources
   */
  public Request {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(resource, "resource");
    args = args == null ? JsonNodeFactory.instance.objectNode() : args.deepCopy();
    context = context == null ? Map.of() : Map.copyOf(context);
    moreResources = moreResources == null ? List.of() : List.copyOf(moreResources);
    if (moreResources.size() > MAX_MORE_RESOURCES) {
      throw new IllegalArgumentException(
          "at most " + MAX_MORE_RESOURCES + " further resources, not " + moreResources.size());
    }
  }

  /** A request on one resource. */
  public Request(
      String audience,
      String service,
      String action,
      String resource,
      ObjectNode args,
      Map<String, Object> context) {
    this(audience, service, action, resource, args, context, null);
  }

  /** Returns a copy of the call's arguments (changing it does not change this request). */
  @Override
  public ObjectNode args() {
    return args.deepCopy();
  }

  /** The arguments themselves, for this package, which never modifies them. */
  ObjectNode argsTree() {
    return args;
  }

  /** A request without audience, arguments or context. */
  public static Request of(String service, String action, String resource) {
    return new Request(null, service, action, resource, null, null);
  }

  /**
   * Returns the resource a JSON value names, the one text form spec section 5.4 fixes: a string as
   * it is; a number or a boolean in its canonical scalar form (section 6.1: {@code 4.0} and {@code
   * 4} are both {@code 4}, {@code true} is {@code true}). Enforcement points use it for resources
   * taken from a call's arguments, and clients to sign proofs over the same resource.
   *
   * @throws IllegalArgumentException if the value is missing, null, an array or an object, or a
   *     number without a canonical form
   */
  public static String resourceOf(JsonNode value) {
    if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
      throw new IllegalArgumentException(
          "a resource is a string, number or boolean, got "
              + (value == null || value.isMissingNode() ? "nothing" : value.getNodeType()));
    }
    return value.isTextual()
        ? value.textValue()
        : CaveatCodec.jsonText(dev.mandate.internal.JsonScalars.canonical(value));
  }

  /** Returns a copy with this audience. */
  public Request withAudience(String newAudience) {
    return new Request(newAudience, service, action, resource, args, context, moreResources);
  }

  /** Returns a copy with these arguments (copied in). */
  public Request withArgs(ObjectNode newArgs) {
    return new Request(audience, service, action, resource, newArgs, context, moreResources);
  }
}
