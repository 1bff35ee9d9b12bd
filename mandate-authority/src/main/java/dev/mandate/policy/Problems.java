package dev.mandate.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the errors and warnings found in one source file, each prefixed with its location
 * ({@code source:line: path: message}), so that a policy author sees every problem at once.
 */
final class Problems {
  /** Stop collecting after this many errors: a hostile file must not make the report huge. */
  static final int MAX_ERRORS = 200;

  private final String source;
  private final List<String> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private int dropped;

  Problems(String source) {
    this.source = source;
  }

  String source() {
    return source;
  }

  void error(int line, String path, String message) {
    if (errors.size() >= MAX_ERRORS) {
      dropped++;
      return;
    }
    errors.add(locate(line, path, message));
  }

  void warning(int line, String path, String message) {
    if (warnings.size() < MAX_ERRORS) {
      warnings.add(locate(line, path, message));
    }
  }

  boolean hasErrors() {
    return !errors.isEmpty();
  }

  List<String> errors() {
    List<String> all = new ArrayList<>(errors);
    if (dropped > 0) {
      all.add(source + ": " + dropped + " more problems not shown");
    }
    return List.copyOf(all);
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** Throws a {@link PolicyException} listing every error, if there is any. */
  void throwIfErrors() {
    if (hasErrors()) {
      throw new PolicyException(errors());
    }
  }

  private String locate(int line, String path, String message) {
    StringBuilder s = new StringBuilder(source);
    if (line > 0) {
      s.append(':').append(line);
    }
    s.append(": ");
    if (!path.isEmpty()) {
      s.append(path).append(": ");
    }
    return s.append(message).toString();
  }
}
