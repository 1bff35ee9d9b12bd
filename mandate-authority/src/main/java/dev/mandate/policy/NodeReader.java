package dev.mandate.policy;

import dev.mandate.config.Durations;
import dev.mandate.policy.YamlTree.Kind;
import dev.mandate.policy.YamlTree.ListNode;
import dev.mandate.policy.YamlTree.MapNode;
import dev.mandate.policy.YamlTree.Node;
import dev.mandate.policy.YamlTree.Scalar;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Typed, strict access to a {@link YamlTree}: every wrong type or unknown key becomes a located
 * problem, and the accessor returns null so the caller can carry on and report more.
 */
final class NodeReader {
  /** The longest duration a policy may name. */
  static final Duration MAX_DURATION = Duration.ofDays(366);

  private final Problems problems;

  NodeReader(Problems problems) {
    this.problems = problems;
  }

  Problems problems() {
    return problems;
  }

  static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  static String index(String path, int i) {
    return path + "[" + i + "]";
  }

  MapNode map(Node node, String path) {
    if (node instanceof MapNode m) {
      return m;
    }
    problems.error(
        node.line(), path, "expected a mapping (key: value lines), got " + node.describe());
    return null;
  }

  ListNode list(Node node, String path) {
    if (node instanceof ListNode l) {
      return l;
    }
    problems.error(node.line(), path, "expected a list, got " + node.describe());
    return null;
  }

  /** Reports every key not in allowed, suggesting the nearest allowed key. */
  void allowKeys(MapNode map, String path, Set<String> allowed) {
    for (YamlTree.Entry e : map.entries().values()) {
      if (!allowed.contains(e.key())) {
        String hint = nearest(e.key(), allowed);
        problems.error(
            e.line(),
            child(path, e.key()),
            "unknown key '"
                + e.key()
                + "'"
                + (hint == null ? "" : " (did you mean '" + hint + "'?)")
                + "; allowed here: "
                + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
  }

  /** A mapping in a list, with its path ({@code budgets[2]}). */
  record Item(MapNode map, String path) {}

  /**
   * The mappings of a list with their paths, each with its keys checked against {@code allowed}; an
   * item that is not a mapping is reported and skipped. Each is checked when the iteration reaches
   * it, so problems are reported in the file's order.
   */
  Iterable<Item> maps(ListNode list, String path, Set<String> allowed) {
    return () ->
        IntStream.range(0, list.items().size())
            .mapToObj(i -> item(list.items().get(i), index(path, i), allowed))
            .filter(Objects::nonNull)
            .iterator();
  }

  private Item item(Node node, String path, Set<String> allowed) {
    MapNode m = map(node, path);
    if (m == null) {
      return null;
    }
    allowKeys(m, path, allowed);
    return new Item(m, path);
  }

  /** The string under a required key, or null with the missing key or wrong type reported. */
  String requiredString(MapNode map, String key, String path) {
    Node n = required(map, key, path);
    return n == null ? null : string(n, child(path, key));
  }

  /** Reports a missing required key; returns its value or null. */
  Node required(MapNode map, String key, String path) {
    YamlTree.Entry e = map.entries().get(key);
    if (e == null) {
      problems.error(map.line(), path, "missing required key '" + key + "'");
      return null;
    }
    return e.value();
  }

  static Node optional(MapNode map, String key) {
    YamlTree.Entry e = map.entries().get(key);
    return e == null ? null : e.value();
  }

  String string(Node node, String path) {
    if (node instanceof Scalar s && s.kind() == Kind.STRING) {
      return s.text();
    }
    problems.error(node.line(), path, "expected a string, got " + node.describe());
    return null;
  }

  Boolean bool(Node node, String path) {
    if (node instanceof Scalar s && s.kind() == Kind.BOOLEAN) {
      return Boolean.valueOf(s.text());
    }
    problems.error(node.line(), path, "expected true or false, got " + node.describe());
    return null;
  }

  /** An optional boolean under {@code key}: true only if present and true. */
  boolean flag(MapNode map, String key, String path) {
    Node n = optional(map, key);
    if (n == null) {
      return false;
    }
    Boolean b = bool(n, child(path, key));
    return b != null && b;
  }

  Integer integer(Node node, String path, int min, int max) {
    if (node instanceof Scalar s && s.kind() == Kind.INT) {
      long value;
      try {
        value = Long.decode(s.text().replace("_", ""));
      } catch (NumberFormatException e) {
        value = Long.MIN_VALUE;
      }
      if (value >= min && value <= max) {
        return (int) value;
      }
      problems.error(
          node.line(),
          path,
          "must be a whole number from " + min + " to " + max + ", got " + s.text());
      return null;
    }
    problems.error(node.line(), path, "expected a whole number, got " + node.describe());
    return null;
  }

  /** Durations in a policy: at least one second, at most {@link #MAX_DURATION}. */
  Duration duration(Node node, String path) {
    if (node instanceof Scalar s && (s.kind() == Kind.STRING || s.kind() == Kind.INT)) {
      try {
        return Durations.parse(s.text(), Duration.ofSeconds(1), MAX_DURATION);
      } catch (IllegalArgumentException e) {
        problems.error(node.line(), path, e.getMessage());
        return null;
      }
    }
    problems.error(
        node.line(),
        path,
        "expected a duration such as 30s, 15m, 1h30m or 7d, got " + node.describe());
    return null;
  }

  /** A list of strings; null entries are reported and skipped. */
  List<String> strings(Node node, String path) {
    ListNode list = list(node, path);
    if (list == null) {
      return null;
    }
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < list.items().size(); i++) {
      String s = string(list.items().get(i), index(path, i));
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  private static String nearest(String key, Set<String> allowed) {
    String best = null;
    int bestDistance = 3;
    for (String candidate : allowed) {
      int d = distance(key.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance, for suggestions on short keys only. */
  private static int distance(String a, String b) {
    if (a.length() > 64 || b.length() > 64) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
