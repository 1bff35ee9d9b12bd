package dev.mandate.gateway.mcp;

import dev.mandate.gateway.mcp.McpConfig.ResourceRule;
import dev.mandate.gateway.mcp.McpConfig.Stdio;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Upstreams for the unit tests that need one but no process behind it. */
final class TestUpstreams {
  private TestUpstreams() {}

  /**
   * A stdio upstream ({@code node}, never started) with the default session shares, no roots, the
   * standard methods only, speaking 2025-11-25.
   */
  static Upstream stdio(
      String service,
      String path,
      Map<String, ResourceRule> tools,
      boolean resources,
      boolean prompts,
      int maxSessions) {
    return new Upstream(
        service,
        path,
        new Stdio("node", List.of(), Map.of(), null),
        tools,
        resources,
        prompts,
        maxSessions,
        Upstream.defaultPerOwner(maxSessions),
        Upstream.defaultPerClient(maxSessions),
        List.of(),
        Set.of(),
        Set.of(Revisions.SESSIONS),
        McpConfig.ToolDenials.BY_REVISION);
  }
}
