package dev.mandate.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptedChatModelTest {

  @Test
  void replaysToolCallsThenTheAnswer_andRecordsWhatItWasShown() {
    ScriptedChatModel model =
        ScriptedChatModel.of(
            ScriptStep.calls(
                new ScriptStep.Invocation("a", "{\"x\":1}"), new ScriptStep.Invocation("b", null)),
            ScriptStep.answer("done"));
    UserMessage task = UserMessage.from("go");
    ToolSpecification a = ToolSpecification.builder().name("a").build();

    ChatResponse first =
        model.chat(ChatRequest.builder().messages(task).toolSpecifications(a).build());
    AiMessage calls = first.aiMessage();
    ChatResponse second =
        model.chat(
            ChatRequest.builder()
                .messages(
                    task,
                    calls,
                    ToolExecutionResultMessage.from(
                        calls.toolExecutionRequests().get(0), "result a"),
                    ToolExecutionResultMessage.from(
                        calls.toolExecutionRequests().get(1), "result b"))
                .build());

    assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
    assertThat(calls.toolExecutionRequests())
        .extracting(r -> r.name() + " " + r.arguments())
        .containsExactly("a {\"x\":1}", "b {}");
    assertThat(calls.toolExecutionRequests().get(0).id())
        .isNotEqualTo(calls.toolExecutionRequests().get(1).id());
    assertThat(second.aiMessage().text()).isEqualTo("done");
    assertThat(model.toolResults())
        .extracting(ToolExecutionResultMessage::text)
        .containsExactly("result a", "result b");
    assertThat(model.offeredTools()).containsExactly(List.of("a"), List.of());
    assertThat(model.finished()).isTrue();
  }

  @Test
  void askingMoreOftenThanScripted_fails() {
    ScriptedChatModel model = ScriptedChatModel.of(ScriptStep.answer("only this"));
    model.chat("one");

    assertThatThrownBy(() -> model.chat("two"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("1 steps and all were used");
  }

  @Test
  void argumentsMustBeAJsonObject() {
    assertThatThrownBy(() -> ScriptStep.call("a", "[1]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JSON object");
    assertThatThrownBy(() -> ScriptStep.call("a", "{nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> ScriptedChatModel.of(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
