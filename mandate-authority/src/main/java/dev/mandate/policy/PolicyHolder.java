package dev.mandate.policy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Holds the authority's current {@link Policy} and replaces it when the policy file changes. It
 * never starts threads: the server calls {@link #reloadIfChanged()} on its own schedule. Reads of
 * {@link #current()} are lock-free; reloads are serialised.
 *
 * <p>A change is detected by the SHA-256 of the file's content, not its timestamp. An invalid new
 * file (or an unreadable one) never replaces a valid policy: the old one stays in force and the
 * result says why, so the server can log and audit it. The same invalid content is reported as
 * {@link Outcome#REJECTED} once; later checks of that unchanged content say {@link
 * Outcome#UNCHANGED} until the file changes again.
 */
public final class PolicyHolder {

  /** What a reload check did. */
  public enum Outcome {
    /** The file's content is what was last seen; nothing changed. */
    UNCHANGED,
    /** The file changed and the new policy is now in force. */
    RELOADED,
    /** The file changed but is invalid or unreadable; the previous policy stays in force. */
    REJECTED
  }

  /**
   * The result of {@link #reloadIfChanged()}.
   *
   * @param outcome what happened
   * @param message one sentence for the log; for {@link Outcome#REJECTED} it lists every problem
   * @param policy the policy in force after the check
   * @param previousDigest the digest of the policy in force before the check
   * @param fileDigest the digest of the file's content now, or null if it could not be read
   * @param checkedAt when the check ran, by the holder's clock
   */
  public record Reload(
      Outcome outcome,
      String message,
      Policy policy,
      String previousDigest,
      String fileDigest,
      Instant checkedAt) {}

  private final Path file;
  private final Clock clock;
  private volatile Policy current;
  private volatile Instant loadedAt;
  // Digest of the content last looked at (loaded or rejected); guarded by this.
  private String lastSeenDigest;

  private PolicyHolder(Path file, Clock clock, Policy initial) {
    this.file = file;
    this.clock = clock;
    this.current = initial;
    this.loadedAt = clock.instant();
    this.lastSeenDigest = initial.digest();
  }

  /**
   * Loads the policy file; the authority cannot start without a valid policy.
   *
   * @param file the policy file
   * @param clock the clock for {@link #loadedAt()} and {@link Reload#checkedAt()}
   * @return the holder
   * @throws PolicyException if the file is unreadable or invalid
   * @throws NullPointerException if file or clock is null
   */
  public static PolicyHolder load(Path file, Clock clock) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(clock, "clock");
    return new PolicyHolder(file, clock, Policy.load(file));
  }

  /** The policy in force. */
  public Policy current() {
    return current;
  }

  /** When the policy in force was loaded. */
  public Instant loadedAt() {
    return loadedAt;
  }

  /** The policy file this holder watches. */
  public Path file() {
    return file;
  }

  /**
   * Re-reads the policy file and, if its content changed and is valid, puts the new policy in
   * force. Never throws for a bad or missing file.
   *
   * @return what happened, with the reason when the new content was rejected
   */
  public synchronized Reload reloadIfChanged() {
    Instant now = clock.instant();
    Policy before = current;
    Problems problems = new Problems(file.toString());
    String text = PolicyParser.read(file, problems);
    if (text == null) {
      String seen = "unreadable:" + String.join("\n", problems.errors());
      if (seen.equals(lastSeenDigest)) {
        return new Reload(
            Outcome.UNCHANGED,
            "the policy file is still unreadable; keeping policy " + before.digest(),
            before,
            before.digest(),
            null,
            now);
      }
      lastSeenDigest = seen;
      return new Reload(
          Outcome.REJECTED,
          "the policy file could not be read, keeping the policy loaded at "
              + loadedAt
              + " ("
              + before.digest()
              + "): "
              + String.join("; ", problems.errors()),
          before,
          before.digest(),
          null,
          now);
    }
    String digest = PolicyParser.digest(text);
    if (digest.equals(lastSeenDigest)) {
      String message =
          digest.equals(before.digest())
              ? "the policy file is unchanged"
              : "the policy file is still the invalid version "
                  + digest
                  + "; keeping policy "
                  + before.digest();
      return new Reload(Outcome.UNCHANGED, message, before, before.digest(), digest, now);
    }
    lastSeenDigest = digest;
    PolicyParser.Parsed parsed = PolicyParser.parse(text, file.toString());
    if (parsed.policy() == null) {
      return new Reload(
          Outcome.REJECTED,
          "the changed policy file is invalid, keeping the policy loaded at "
              + loadedAt
              + " ("
              + before.digest()
              + "):\n"
              + String.join("\n", parsed.problems().errors()),
          before,
          before.digest(),
          digest,
          now);
    }
    current = parsed.policy();
    loadedAt = now;
    return new Reload(
        Outcome.RELOADED,
        "loaded the changed policy file "
            + file
            + " ("
            + before.digest()
            + " -> "
            + digest
            + ", "
            + current.clientIds().size()
            + " clients"
            + (current.warnings().isEmpty() ? "" : ", " + current.warnings().size() + " warnings")
            + ")",
        current,
        before.digest(),
        digest,
        now);
  }
}
