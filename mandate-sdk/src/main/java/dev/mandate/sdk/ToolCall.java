package dev.mandate.sdk;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One MCP tool call an agent wants to make: the tool name and its arguments. The wallet signs it as
 * the {@code tools/call} it is ({@link RequestShape#callFor}). Immutable: the arguments are copied
 * in and out.
 *
 * @param name the tool name, such as {@code read_text_file}
 * @param arguments the call's arguments, a JSON object (empty when null)
 */
public record ToolCall(String name, ObjectNode arguments) {

  /**
   * @throws IllegalArgumentException if the name is null or empty
   */
  public ToolCall {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a tool call needs a tool name");
    }
    arguments = arguments == null ? JsonNodeFactory.instance.objectNode() : arguments.deepCopy();
  }

  /** Returns a copy of the arguments. */
  @Override
  public ObjectNode arguments() {
    return arguments.deepCopy();
  }
}
