package dev.mandate.demo.scenarios;

/**
 * What happened to one tool call at the gateway.
 *
 * @param call a short description of the call (tool, arguments, how it was presented)
 * @param denied whether Mandate refused it (JSON-RPC error -32003, or 401/403 when the session was
 *     opened)
 * @param toolError whether it got through and the tool answered with an error
 * @param text the result text or the refusal's reason
 */
record Outcome(String call, boolean denied, boolean toolError, String text) {
  /** Whether the call got through to the tool, whatever the tool answered. */
  boolean gotThrough() {
    return !denied;
  }

  /** Whether it got through and the tool did what was asked. */
  boolean succeeded() {
    return !denied && !toolError;
  }

  @Override
  public String toString() {
    String shown = text.length() > 160 ? text.substring(0, 160) + "..." : text;
    return call
        + " -> "
        + (denied ? "DENIED" : toolError ? "TOOL ERROR" : "OK")
        + ": "
        + shown.replace('\n', ' ');
  }
}
