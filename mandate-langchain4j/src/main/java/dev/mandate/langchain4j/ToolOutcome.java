package dev.mandate.langchain4j;

import dev.mandate.wire.JsonRpcErrors;
import java.util.Objects;

/**
 * What became of one tool call a model made through a {@link MandateToolProvider}: the tool, the
 * arguments as the model wrote them, whether the gateway let it through, and the text the model is
 * shown in the tool result. For observers (a trace, a log, a test); it carries no token text.
 *
 * @param tool the tool name the model asked for
 * @param arguments the arguments as the model wrote them (JSON text, possibly malformed)
 * @param verdict whether Mandate allowed the call, denied it, or it failed for another reason
 * @param resultText the tool result text the model sees; for a denial {@code "denied by Mandate:
 *     <reason>"}
 * @param toolError whether the result is an error result (every denial and failure; for an allowed
 *     call, the tool's own {@code isError})
 */
public record ToolOutcome(
    String tool, String arguments, Verdict verdict, String resultText, boolean toolError) {

  /** Whether the gateway let the call through to the tool. */
  public enum Verdict {
    /** The gateway checked the capability and forwarded the call; the tool answered. */
    ALLOWED,
    /** The gateway refused the call; the result text says why. */
    DENIED,
    /** The call did not complete for another reason (gateway unreachable, tool timeout, ...). */
    FAILED
  }

  /**
   * @throws NullPointerException if the tool, verdict or result text is null
   */
  public ToolOutcome {
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(resultText, "resultText");
    arguments = arguments == null ? "" : arguments;
  }

  /** Returns true if the gateway refused the call. */
  public boolean denied() {
    return verdict == Verdict.DENIED;
  }

  /**
   * Returns the gateway's reason for a denial (the result text without {@link
   * JsonRpcErrors#DENIED_MESSAGE_PREFIX}), or the result text for any other outcome.
   */
  public String reason() {
    return resultText.startsWith(JsonRpcErrors.DENIED_MESSAGE_PREFIX)
        ? resultText.substring(JsonRpcErrors.DENIED_MESSAGE_PREFIX.length())
        : resultText;
  }
}
