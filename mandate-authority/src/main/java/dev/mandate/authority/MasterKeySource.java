package dev.mandate.authority;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the authority's master key comes from: the AES-256 key that seals root private keys in the
 * database. Keep it apart from the database, so that a copy of one is useless without the other.
 *
 * <ul>
 *   <li>{@link #file(Path)}: a 0600 file, created on the first start (back it up once, offline);
 *   <li>{@link #environment(String, Map)}: an environment variable, filled by the service manager
 *       or a secret store;
 *   <li>{@link #command(List, Duration)}: a command that prints the key, for a key wrapped by a KMS
 *       or kept in a secret manager (the command unwraps it; the authority never stores it).
 * </ul>
 *
 * The key's text form is {@code mndmk1_} followed by 32 base64url bytes; {@link #newKey} makes one.
 */
public interface MasterKeySource {
  /**
   * Reads the key's text form.
   *
   * @return the text, or empty when the source holds no key yet (a file that does not exist, an
   *     unset variable, a command that printed nothing)
   * @throws AuthorityStartupException if the source exists but cannot be read; the message says
   *     why, without the key
   */
  Optional<String> read();

  /** Whether {@link #store} can keep a key generated on the first start. */
  default boolean canStore() {
    return false;
  }

  /**
   * Keeps a newly generated key (only called when {@link #canStore()}).
   *
   * @throws IOException if it cannot be written
   */
  default void store(String keyText) throws IOException {
    throw new UnsupportedOperationException(describe() + " cannot store a key");
  }

  /** Where the key is, in words, for messages and the first-start screen; never the key. */
  String describe();

  /** A 0600 file; created with a new key on the first start if it does not exist. */
  static MasterKeySource file(Path file) {
    return new MasterKeySources.FileSource(file);
  }

  /** The environment variable {@code name} of {@code environment}; never written. */
  static MasterKeySource environment(String name, Map<String, String> environment) {
    return new MasterKeySources.EnvironmentSource(name, environment);
  }

  /**
   * A command whose standard output is the key, e.g. {@code ["sh", "-c", "aws kms decrypt ... |
   * base64 -d"]}. It runs without input, must exit 0 within {@code timeout}, and may print at most
   * 4 KiB. Its standard error is not shown (it could quote the key); only its exit status is.
   */
  static MasterKeySource command(List<String> command, Duration timeout) {
    return new MasterKeySources.CommandSource(command, timeout);
  }

  /** A new random master key in its text form, for sources the authority cannot write itself. */
  static String newKey(SecureRandom random) {
    return MasterKey.generate(random, "a new master key").toText().strip();
  }
}
