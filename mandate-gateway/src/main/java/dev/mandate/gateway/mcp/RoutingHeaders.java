package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.BodyRead;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MCP 2026-07-28's routing headers (basic/transports, "Standard headers"): {@code
 * MCP-Protocol-Version}, {@code Mcp-Method} and, for a request that names a tool, prompt or
 * resource, {@code Mcp-Name}, each repeating what the JSON-RPC body says. The gateway checks that
 * they agree with the body before deciding anything ({@link StatelessRequest}) and sets them on
 * what it sends upstream; {@code mandate proxy} sets them for a stdio client, which has no headers.
 */
public final class RoutingHeaders {
  /** The header naming the request's protocol revision. */
  public static final String VERSION = "MCP-Protocol-Version";

  /** The header repeating the JSON-RPC method. */
  public static final String METHOD = "Mcp-Method";

  /** The header repeating the tool or prompt name or the resource URI. */
  public static final String NAME = "Mcp-Name";

  /** The prefix of the headers that repeat a tool's arguments a server asked to see. */
  public static final String PARAM_PREFIX = "Mcp-Param-";

  /** The methods whose name or URI {@code Mcp-Name} carries, and that parameter. */
  static final Map<String, String> NAME_BEARING =
      Map.of("tools/call", "name", "prompts/get", "name", "resources/read", "uri");

  private static final Pattern SENTINEL = Pattern.compile("=\\?base64\\?(.*)\\?=");
  private static final Pattern HEADER_SAFE = Pattern.compile("[\\x20-\\x7E]*");

  private RoutingHeaders() {}

  /**
   * The routing headers of a 2026-07-28 message: one whose {@code params._meta} names a protocol
   * version. Empty for any other message (a 2025-11-25 one, a response, a notification without the
   * envelope), which then travels with the headers it had.
   */
  public static Map<String, String> of(JsonNode message) {
    JsonNode version = message.path("params").path("_meta").path(Revisions.META_PROTOCOL_VERSION);
    JsonNode method = message.get("method");
    if (!version.isTextual() || method == null || !method.isTextual()) {
      return Map.of();
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(VERSION, version.textValue());
    headers.put(METHOD, method.textValue());
    String name = name(method.textValue(), message);
    if (name != null) {
      headers.put(NAME, encode(name));
    }
    return headers;
  }

  /** The name or URI {@code Mcp-Name} repeats for {@code method}, or null. */
  static String name(String method, JsonNode message) {
    String key = NAME_BEARING.get(method);
    JsonNode name = key == null ? null : message.path("params").get(key);
    return name != null && name.isTextual() ? name.textValue() : null;
  }

  /**
   * A header value as the revision encodes it: plain printable ASCII without edge spaces, or the
   * UTF-8 bytes in {@code =?base64?...?=}; null for a malformed sentinel (bad or non-canonical
   * base64, bad UTF-8), which then matches nothing.
   */
  static String decode(String value) {
    if (value == null) {
      return null;
    }
    Matcher m = SENTINEL.matcher(value);
    if (!m.matches()) {
      return value;
    }
    try {
      byte[] bytes = Base64.getDecoder().decode(m.group(1));
      if (!Base64.getEncoder().encodeToString(bytes).equals(m.group(1))) {
        return null;
      }
      return BodyRead.strictUtf8(bytes);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A value for a header, encoded as the revision prescribes (the inverse of {@link #decode}). */
  static String encode(String value) {
    if (HEADER_SAFE.matcher(value).matches()
        && value.equals(value.strip())
        && !SENTINEL.matcher(value).matches()) {
      return value;
    }
    return "=?base64?"
        + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))
        + "?=";
  }
}
