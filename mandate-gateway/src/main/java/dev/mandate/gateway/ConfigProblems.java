package dev.mandate.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything wrong with a configuration file, collected so that one run reports all of it. Each
 * problem names where it is ({@link ConfigPath}); the loader adds the line and column.
 */
final class ConfigProblems {
  /** One problem; {@code message} starts with the path, as printed. */
  record Problem(ConfigPath path, String message) {}

  private final List<Problem> problems = new ArrayList<>();
  private final List<ConfigPath> unreadable = new ArrayList<>();

  /**
   * Records that the value at {@code path} is wrong. {@code detail} follows the path in the
   * message, such as {@code " is required"} or {@code ": not a header name"}. Nothing is recorded
   * inside a value that could not be read at all: that problem is already reported.
   */
  void add(ConfigPath path, String detail) {
    for (ConfigPath u : unreadable) {
      if (path.within(u)) {
        return;
      }
    }
    problems.add(new Problem(path, path + detail));
  }

  /**
   * Records that the value at {@code path} could not be read (an unknown key, a list where a map
   * belongs); it is then left out, and what would follow from its absence is not reported again.
   */
  void addUnreadable(ConfigPath path, String message) {
    unreadable.add(path);
    problems.add(new Problem(path, message));
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  List<Problem> all() {
    return List.copyOf(problems);
  }
}
