package dev.mandate.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Policy#lint(java.nio.file.Path)} found. Errors make the file unusable (the authority
 * would refuse to load it); warnings point at choices that are legal but probably unsafe.
 *
 * @param errors located problems that make the policy invalid
 * @param warnings located advice
 */
public record LintReport(List<String> errors, List<String> warnings) {

  /** Copies the lists. */
  public LintReport {
    errors = List.copyOf(errors);
    warnings = List.copyOf(warnings);
  }

  /** Whether the policy is valid (warnings allowed). */
  public boolean ok() {
    return errors.isEmpty();
  }

  /** Every finding as one line each, errors first: {@code error: ...} / {@code warning: ...}. */
  public List<String> lines() {
    List<String> out = new ArrayList<>(errors.size() + warnings.size());
    errors.forEach(e -> out.add("error: " + e));
    warnings.forEach(w -> out.add("warning: " + w));
    return out;
  }

  /** The findings followed by a one-line summary, newline-separated, for a terminal. */
  public String render() {
    StringBuilder s = new StringBuilder();
    for (String line : lines()) {
      s.append(line).append('\n');
    }
    s.append(
        ok()
            ? "OK: the policy is valid"
                + (warnings.isEmpty() ? "" : " (" + warnings.size() + " warnings)")
            : "INVALID: " + errors.size() + " errors, " + warnings.size() + " warnings");
    return s.append('\n').toString();
  }
}
