package dev.mandate.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Objects;

/**
 * One turn of a {@link ScriptedChatModel}: either the model asks for one or more tool calls, or it
 * gives its final answer. Immutable.
 */
public sealed interface ScriptStep permits ScriptStep.ToolCalls, ScriptStep.Answer {

  /**
   * The model asks for these tool calls in one message (LangChain4j runs them all before asking the
   * model again).
   *
   * @param invocations the calls, at least one
   */
  record ToolCalls(List<Invocation> invocations) implements ScriptStep {
    /**
     * @throws IllegalArgumentException if there is no call
     */
    public ToolCalls {
      invocations = List.copyOf(invocations);
      if (invocations.isEmpty()) {
        throw new IllegalArgumentException("a tool-call step needs at least one call");
      }
    }
  }

  /**
   * The model's final answer; the conversation ends with it.
   *
   * @param text the answer
   */
  record Answer(String text) implements ScriptStep {
    /**
     * @throws NullPointerException if the text is null
     */
    public Answer {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * One tool call as a model would write it.
   *
   * @param tool the tool name (need not be one the model was offered: that is how a hijacked model
   *     behaves)
   * @param arguments the arguments, a JSON object as text
   */
  record Invocation(String tool, String arguments) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @throws IllegalArgumentException if the tool name is empty or the arguments are not a JSON
     *     object
     */
    public Invocation {
      if (tool == null || tool.isEmpty()) {
        throw new IllegalArgumentException("a tool call needs a tool name");
      }
      try {
        JsonNode parsed = JSON.readTree(arguments == null ? "{}" : arguments);
        if (parsed == null || !parsed.isObject()) {
          throw new IllegalArgumentException(
              "the arguments of " + tool + " must be a JSON object, got " + arguments);
        }
        arguments = JSON.writeValueAsString(parsed);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            "the arguments of " + tool + " are not valid JSON: " + e.getOriginalMessage(), e);
      }
    }
  }

  /**
   * A step that calls one tool.
   *
   * @param tool the tool name
   * @param arguments a JSON object as text, such as {@code {"path":"/srv/a.txt"}}
   * @throws IllegalArgumentException if the name is empty or the arguments not a JSON object
   */
  static ScriptStep call(String tool, String arguments) {
    return new ToolCalls(List.of(new Invocation(tool, arguments)));
  }

  /**
   * A step that calls several tools in one model message.
   *
   * @throws IllegalArgumentException if there is no call
   */
  static ScriptStep calls(Invocation... invocations) {
    return new ToolCalls(List.of(invocations));
  }

  /**
   * The final answer.
   *
   * @throws NullPointerException if the text is null
   */
  static ScriptStep answer(String text) {
    return new Answer(text);
  }
}
