package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.mandate.gateway.TokenRedaction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * JSON-RPC 2.0 messages as MCP uses them: classification, the gateway's own error responses, and
 * token redaction of upstream output.
 *
 * <p>The gateway's own error codes are in {@link dev.mandate.wire.JsonRpcErrors}.
 */
final class JsonRpc {
  static final int PARSE_ERROR = dev.mandate.gateway.Denial.RPC_PARSE_ERROR;
  static final int INVALID_REQUEST = dev.mandate.gateway.Denial.RPC_INVALID_REQUEST;

  /** Nesting deeper than this is refused while parsing (the verifier bounds args further). */
  static final int MAX_NESTING = 64;

  static final ObjectMapper MAPPER = new ObjectMapper();

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build());
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonRpc() {}

  /** Parses one message; throws JsonProcessingException on malformed or too deeply nested JSON. */
  static JsonNode parse(byte[] bytes) throws java.io.IOException {
    return MAPPER.readTree(bytes);
  }

  static JsonNode parse(String text) throws JsonProcessingException {
    return MAPPER.readTree(text);
  }

  static byte[] writeBytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree could not be written", e);
    }
  }

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree could not be written", e);
    }
  }

  /** A request has a method and an id. */
  static boolean isRequest(JsonNode m) {
    return m.isObject() && m.path("method").isTextual() && hasId(m);
  }

  /** A notification has a method and no id. */
  static boolean isNotification(JsonNode m) {
    return m.isObject() && m.path("method").isTextual() && !m.has("id");
  }

  /** A response has an id and a result or an error, and no method. */
  static boolean isResponse(JsonNode m) {
    return m.isObject() && !m.has("method") && hasId(m) && (m.has("result") || m.has("error"));
  }

  private static boolean hasId(JsonNode m) {
    JsonNode id = m.get("id");
    return id != null && (id.isTextual() || id.isIntegralNumber());
  }

  /** A key for a request id that tells the string "1" and the number 1 apart. */
  static String idKey(JsonNode id) {
    return id.isTextual() ? "s:" + id.textValue() : "n:" + id.asText();
  }

  static String method(JsonNode m) {
    return m.path("method").asText();
  }

  static ObjectNode error(JsonNode id, int code, String message) {
    ObjectNode e = NODES.objectNode();
    e.put("code", code);
    e.put("message", message);
    ObjectNode r = NODES.objectNode();
    r.put("jsonrpc", "2.0");
    r.set("id", id == null ? NODES.nullNode() : id);
    r.set("error", e);
    return r;
  }

  static ObjectNode result(JsonNode id, JsonNode result) {
    ObjectNode r = NODES.objectNode();
    r.put("jsonrpc", "2.0");
    r.set("id", id == null ? NODES.nullNode() : id);
    r.set("result", result);
    return r;
  }

  static ObjectNode request(JsonNode id, String method, JsonNode params) {
    ObjectNode r = NODES.objectNode();
    r.put("jsonrpc", "2.0");
    r.set("id", id);
    r.put("method", method);
    if (params != null) {
      r.set("params", params);
    }
    return r;
  }

  static ObjectNode notification(String method, JsonNode params) {
    ObjectNode r = NODES.objectNode();
    r.put("jsonrpc", "2.0");
    r.put("method", method);
    if (params != null) {
      r.set("params", params);
    }
    return r;
  }

  /**
   * Fields in which MCP carries bytes as base64: a resource's {@code blob}, the {@code data} of
   * image and audio content. A token inside those bytes would pass a scan of the text.
   */
  private static final Set<String> BASE64_FIELDS = Set.of("blob", "data");

  /**
   * Returns {@code node} with every Mandate token in its strings (values and keys) replaced by
   * {@link TokenRedaction#REPLACEMENT}. Walks the parsed tree, so JSON escapes cannot hide a token;
   * the base64 of {@link #BASE64_FIELDS} is decoded and redacted too. Modifies containers in place
   * and returns the (possibly new) node.
   */
  static JsonNode redact(JsonNode node) {
    return redact(node, TokenRedaction::redact, TokenRedaction::redacting);
  }

  /**
   * As {@link #redact(JsonNode, UnaryOperator, UnaryOperator)}, everywhere but a message's id,
   * which must come back exactly as it was sent for the peer to match it.
   */
  static JsonNode redactKeepingId(
      JsonNode message, UnaryOperator<String> text, UnaryOperator<OutputStream> bytes) {
    if (!message.isObject()) {
      return redact(message, text, bytes);
    }
    JsonNode id = message.get("id");
    JsonNode redacted = redact(message, text, bytes);
    if (id != null && redacted.isObject()) {
      ((ObjectNode) redacted).set("id", id);
    }
    return redacted;
  }

  /**
   * As {@link #redact(JsonNode)}, with another redaction: {@code text} for strings and keys, {@code
   * bytes} wrapping a stream for the decoded base64 fields.
   */
  static JsonNode redact(
      JsonNode node, UnaryOperator<String> text, UnaryOperator<OutputStream> bytes) {
    if (node.isTextual()) {
      String value = node.textValue();
      String redacted = text.apply(value);
      return redacted.equals(value) ? node : TextNode.valueOf(redacted);
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonNode child = node.get(i);
        JsonNode r = redact(child, text, bytes);
        if (r != child) {
          ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, r);
        }
      }
      return node;
    }
    if (node.isObject()) {
      ObjectNode object = (ObjectNode) node;
      boolean keysNeedRedaction = false;
      for (Map.Entry<String, JsonNode> e : object.properties()) {
        if (!text.apply(e.getKey()).equals(e.getKey())) {
          keysNeedRedaction = true;
        }
        JsonNode r =
            BASE64_FIELDS.contains(e.getKey())
                ? redactEncoded(e.getValue(), text, bytes)
                : redact(e.getValue(), text, bytes);
        if (r != e.getValue()) {
          e.setValue(r);
        }
      }
      if (keysNeedRedaction) {
        ObjectNode copy = NODES.objectNode();
        object.properties().forEach(e -> copy.set(text.apply(e.getKey()), e.getValue()));
        return copy;
      }
      return node;
    }
    return node;
  }

  /**
   * Redacts a value that may be base64: as text first, then, if it decodes (standard or URL-safe
   * alphabet), the decoded bytes, re-encoded in the same alphabet when a token was found.
   */
  private static JsonNode redactEncoded(
      JsonNode value, UnaryOperator<String> text, UnaryOperator<OutputStream> redacting) {
    JsonNode asText = redact(value, text, redacting);
    if (asText != value || !value.isTextual()) {
      return asText;
    }
    String encoded = value.textValue();
    Base64.Encoder encoder = Base64.getEncoder();
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException notStandard) {
      try {
        bytes = Base64.getUrlDecoder().decode(encoded);
        encoder = Base64.getUrlEncoder();
      } catch (IllegalArgumentException notBase64) {
        return value;
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    try (OutputStream r = redacting.apply(out)) {
      r.write(bytes);
    } catch (IOException e) {
      throw new IllegalStateException("in-memory stream failed", e);
    }
    byte[] redacted = out.toByteArray();
    return Arrays.equals(redacted, bytes)
        ? value
        : TextNode.valueOf(encoder.encodeToString(redacted));
  }
}
