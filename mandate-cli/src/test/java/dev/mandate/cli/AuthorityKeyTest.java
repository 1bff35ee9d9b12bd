package dev.mandate.cli;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up of the offline command tests: an authority key pair made with {@code mandate keygen}
 * in a fresh temporary directory before each test.
 */
abstract class AuthorityKeyTest {
  final CliRun cli = new CliRun();
  @TempDir Path dir;

  /** The authority's private key file. */
  String key;

  /** The authority's public key file. */
  String pub;

  @BeforeEach
  void keys() {
    cli.keygen(dir, "authority");
    key = dir.resolve("authority.key").toString();
    pub = dir.resolve("authority.pub").toString();
  }
}
