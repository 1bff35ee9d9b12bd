package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.mcp.McpConfig.FromArguments;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Part of the response redaction stage for MCP upstreams with a configured root: an error an
 * upstream answers (a JSON-RPC error, or a tool result with {@code isError}) is the upstream's own
 * wording and often names the path it failed on as it is on its host ({@code ENOENT: no such file
 * or directory, open '/srv/files/data/x'}). Such errors reach the agent with every root (and host
 * root, and their real paths) rewritten to the grant-relative form the capability uses ({@code
 * /data/x}), so a denial or an error never tells the agent where the upstream's files are.
 * Successful results are left as they are (the agent named those paths itself).
 */
final class HostPaths {
  /** After a whole path: its end, a separator, a delimiter, or a full stop ending a sentence. */
  private static final String WHOLE = "(?=$|[/\\s'\"`:,;)\\]}>]|\\.(?:$|\\s))";

  private static final HostPaths NONE = new HostPaths(List.of());

  /** The host paths to hide, longest first, each with the pattern finding it as a whole path. */
  private final List<Pattern> roots;

  private HostPaths(List<Pattern> roots) {
    this.roots = roots;
  }

  /** The roots and host roots of an upstream's tools, and their real paths where they exist. */
  static HostPaths of(Upstream upstream) {
    Set<String> paths = new LinkedHashSet<>();
    upstream
        .tools()
        .values()
        .forEach(
            rule -> {
              if (rule instanceof FromArguments from) {
                addWithRealPath(from.root(), paths);
                addWithRealPath(from.hostRoot(), paths);
              }
            });
    return of(paths);
  }

  /** For the given absolute directories ({@code /} and empty ones are ignored: nothing to hide). */
  static HostPaths of(Set<String> directories) {
    List<String> sorted = new ArrayList<>();
    for (String d : directories) {
      String trimmed = d == null ? "" : d.replaceAll("/+$", "");
      if (!trimmed.isEmpty() && !sorted.contains(trimmed)) {
        sorted.add(trimmed);
      }
    }
    if (sorted.isEmpty()) {
      return NONE;
    }
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    // A root as a whole path: followed by a separator or by something that cannot continue a name.
    return new HostPaths(
        sorted.stream().map(r -> Pattern.compile(Pattern.quote(r) + WHOLE)).toList());
  }

  private static void addWithRealPath(String directory, Set<String> into) {
    if (directory == null || directory.isEmpty()) {
      return;
    }
    into.add(directory);
    try {
      into.add(Path.of(directory).toRealPath().toString());
    } catch (IOException | RuntimeException e) {
      // not on this host, or not readable: only the configured path is looked for
    }
  }

  /**
   * The message with host roots rewritten in it if it is an error answer (every string and key but
   * the id); any other message as it is.
   */
  JsonNode inErrors(JsonNode message) {
    if (roots.isEmpty() || !isError(message)) {
      return message;
    }
    return JsonRpc.redactKeepingId(message, this::relative, out -> out);
  }

  /**
   * A text with each whole host root replaced: {@code ROOT/x} becomes {@code /x}, {@code ROOT}
   * {@code /}.
   */
  String relative(String text) {
    String out = text;
    for (Pattern root : roots) {
      Matcher m = root.matcher(out);
      if (m.find()) {
        StringBuilder b = new StringBuilder();
        do {
          boolean followedBySeparator = m.end() < out.length() && out.charAt(m.end()) == '/';
          m.appendReplacement(b, followedBySeparator ? "" : "/");
        } while (m.find());
        m.appendTail(b);
        out = b.toString();
      }
    }
    return out;
  }

  private static boolean isError(JsonNode message) {
    return message.isObject()
        && (message.has("error") || message.path("result").path("isError").asBoolean(false));
  }
}
