package dev.mandate.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The {@code --json} output: one JSON value per line, so results can be piped to jq. */
final class JsonOut {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonOut() {}

  /** A new, empty JSON object to fill. */
  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /**
   * Copies these fields of an authority's answer into {@code to} as text, in this order; a field
   * the answer does not have, or has as null, as null.
   */
  static ObjectNode texts(ObjectNode to, JsonNode from, String... fields) {
    for (String f : fields) {
      to.put(f, from.hasNonNull(f) ? from.get(f).asText() : null);
    }
    return to;
  }

  /** {@code value} (a tree, a map, a list or a record) as one line of JSON. */
  static String line(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the result as JSON: " + e.getMessage(), e);
    }
  }
}
