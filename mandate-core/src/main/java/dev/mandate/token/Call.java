package dev.mandate.token;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Objects;

/**
 * A call exactly as the client sends it, which a holder {@link Proof} signs (spec §7): where it
 * goes (the gateway's audience and the service), the protocol, the method, the target and the
 * arguments. It holds nothing of how a gateway maps a call to the {@link Request} its grants are
 * checked against, so a client signs without knowing the gateway's configuration; the gateway
 * builds the call from what it received, before mapping, and presents it with the proof ({@link
 * Presentation#withCall}). Immutable: the arguments are copied in and out.
 *
 * @param audience the gateway the call is sent to (its audience); may be null, signed as {@code ""}
 * @param protocol how the call travels
 * @param service the tool server or API the call is for, such as {@code fs}
 * @param method for MCP the HTTP method, then a space and the JSON-RPC method if the message has
 *     one ({@code POST tools/call}, {@code POST initialize}, {@code GET}, {@code DELETE}; see
 *     {@link dev.mandate.wire.McpNames#operation}); for HTTP the request method ({@code GET})
 * @param target for MCP the tool name of a {@code tools/call}, the URI of a {@code resources/read}
 *     as sent, the prompt name of a {@code prompts/get}, else {@code ""}; for HTTP the path and
 *     query exactly as sent ({@code /invoices/42?full=1})
 * @param args for MCP the message's {@code arguments} object; for HTTP the body's arguments (the
 *     fields of a JSON object body, a non-object JSON body under {@code body}, or a form body's
 *     fields: one value a string, repeated an array of strings); empty when null
 */
public record Call(
    String audience,
    Call.Protocol protocol,
    String service,
    String method,
    String target,
    ObjectNode args) {

  /** How a call travels; its name is signed. */
  public enum Protocol {
    /** An MCP message over Streamable HTTP. */
    MCP,
    /** A plain HTTP request to a gateway route. */
    HTTP;

    /** The name signed in a proof: {@code mcp} or {@code http}. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * @throws NullPointerException if protocol, service, method or target is null
   */
  public Call {
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(target, "target");
    args = args == null ? JsonNodeFactory.instance.objectNode() : args.deepCopy();
  }

  /** An MCP call (see the record's parameters). */
  public static Call mcp(
      String audience, String service, String method, String target, ObjectNode args) {
    return new Call(audience, Protocol.MCP, service, method, target, args);
  }

  /** An HTTP call (see the record's parameters). */
  public static Call http(
      String audience, String service, String method, String target, ObjectNode args) {
    return new Call(audience, Protocol.HTTP, service, method, target, args);
  }

  /** Returns a copy of the arguments (changing it does not change this call). */
  @Override
  public ObjectNode args() {
    return args.deepCopy();
  }

  /** The arguments themselves, for this package, which never modifies them. */
  ObjectNode argsTree() {
    return args;
  }

  /** Returns a copy with this audience. */
  public Call withAudience(String newAudience) {
    return new Call(newAudience, protocol, service, method, target, args);
  }
}
