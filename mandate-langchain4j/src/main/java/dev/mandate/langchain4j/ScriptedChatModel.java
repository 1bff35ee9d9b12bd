package dev.mandate.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link ChatModel} that replays a fixed script instead of asking a language model:
 * each time it is called it answers with the next {@link ScriptStep}, tool calls or a final answer.
 * With it the whole LangChain4j tool loop ({@code AiServices}, tool providers, tool executors) runs
 * for real and deterministically, for tests and demos where no model can be downloaded; a scripted
 * "hijacked" agent is simply a script that, after reading injected data, calls what the injection
 * asked for.
 *
 * <p>It records what it was shown: every request, the names of the tools it was offered on each
 * turn, and every tool result handed back to it, so a test can assert what reached the model.
 *
 * <pre>{@code
 * ScriptedChatModel model =
 *     ScriptedChatModel.of(
 *         ScriptStep.call("read_text_file", "{\"path\":\"/srv/invoices/2024/a.txt\"}"),
 *         ScriptStep.answer("One invoice, 120 EUR."));
 * }</pre>
 *
 * <p>A script is consumed once, across conversations, in order. Thread-safe.
 */
public final class ScriptedChatModel implements ChatModel {
  private final List<ScriptStep> steps;
  private int next; // guarded by this
  private int callIds; // guarded by this
  private final List<ChatRequest> requests = new ArrayList<>(); // guarded by this
  private final List<List<String>> offered = new ArrayList<>(); // guarded by this
  private final List<ToolExecutionResultMessage> toolResults = new ArrayList<>(); // guarded by this

  private ScriptedChatModel(List<ScriptStep> steps) {
    this.steps = steps;
  }

  /**
   * Returns a model that replays these steps in order.
   *
   * @throws IllegalArgumentException if there is no step
   * @throws NullPointerException if a step is null
   */
  public static ScriptedChatModel of(List<ScriptStep> steps) {
    List<ScriptStep> copy = List.copyOf(steps);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("a script needs at least one step");
    }
    return new ScriptedChatModel(copy);
  }

  /**
   * Returns a model that replays these steps in order.
   *
   * @throws IllegalArgumentException if there is no step
   * @throws NullPointerException if a step is null
   */
  public static ScriptedChatModel of(ScriptStep... steps) {
    return of(List.of(steps));
  }

  /**
   * Records the request and answers with the next step.
   *
   * @throws IllegalStateException if the script has no step left (the conversation asked the model
   *     more often than the script foresaw)
   */
  @Override
  public synchronized ChatResponse doChat(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    requests.add(request);
    List<ToolSpecification> tools = request.toolSpecifications();
    offered.add(tools == null ? List.of() : tools.stream().map(ToolSpecification::name).toList());
    toolResults.addAll(latestToolResults(request.messages()));
    if (next >= steps.size()) {
      throw new IllegalStateException(
          "the script has "
              + steps.size()
              + " steps and all were used; the conversation asked the model once more");
    }
    ScriptStep step = steps.get(next++);
    if (step instanceof ScriptStep.ToolCalls calls) {
      List<ToolExecutionRequest> out = new ArrayList<>();
      for (ScriptStep.Invocation call : calls.invocations()) {
        out.add(
            ToolExecutionRequest.builder()
                .id("call_" + ++callIds)
                .name(call.tool())
                .arguments(call.arguments())
                .build());
      }
      return ChatResponse.builder()
          .aiMessage(AiMessage.from(out))
          .finishReason(FinishReason.TOOL_EXECUTION)
          .modelName("scripted")
          .build();
    }
    return ChatResponse.builder()
        .aiMessage(AiMessage.from(((ScriptStep.Answer) step).text()))
        .finishReason(FinishReason.STOP)
        .modelName("scripted")
        .build();
  }

  /** The tool results after the last AI message: the answers to the model's previous turn. */
  private static List<ToolExecutionResultMessage> latestToolResults(List<ChatMessage> messages) {
    List<ToolExecutionResultMessage> out = new ArrayList<>();
    for (int i = messages.size() - 1; i >= 0 && !(messages.get(i) instanceof AiMessage); i--) {
      if (messages.get(i) instanceof ToolExecutionResultMessage result) {
        out.add(0, result);
      }
    }
    return out;
  }

  /** Returns every tool result the model was shown, in order. */
  public synchronized List<ToolExecutionResultMessage> toolResults() {
    return List.copyOf(toolResults);
  }

  /** Returns, for each time the model was asked, the names of the tools it was offered. */
  public synchronized List<List<String>> offeredTools() {
    return List.copyOf(offered);
  }

  /** Returns every request the model received, in order. */
  public synchronized List<ChatRequest> requests() {
    return List.copyOf(requests);
  }

  /** Returns true once every step has been played. */
  public synchronized boolean finished() {
    return next == steps.size();
  }

  @Override
  public synchronized String toString() {
    return "ScriptedChatModel[step " + next + " of " + steps.size() + "]";
  }
}
