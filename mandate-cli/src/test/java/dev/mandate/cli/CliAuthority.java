package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.demo.Housekeeping;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Capability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The authority a command talks to: a {@link Stack} (SQLite in a temporary directory) whose policy
 * lets an {@code agent} client mint 'invoices' grants and knows a {@code finance-desk} client that
 * approves for group finance (created on demand), with the secrets of admin and agent in 0600
 * files, as the commands' {@code --secret-file} reads them.
 */
final class CliAuthority implements AutoCloseable, BeforeEachCallback, AfterEachCallback {
  static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants:
            - "fs:read_text_file:/data/invoices/{year}/**"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 1h
          indirect: true
        finance-desk:
          approves: [finance]
          maxTtl: 5m
        gateway:
          role: gateway
      """;

  static final ObjectMapper JSON = new ObjectMapper();

  Path dir;
  Stack stack;
  Path adminSecret;
  Path agentSecret;

  /**
   * One for {@code @RegisterExtension}: started before each test in a temporary directory of its
   * own, stopped and deleted after it.
   */
  CliAuthority() {}

  /** Starts one in {@code dir}. */
  static CliAuthority start(Path dir) throws IOException {
    CliAuthority a = new CliAuthority();
    a.open(dir);
    return a;
  }

  private void open(Path dir) throws IOException {
    this.dir = dir;
    this.stack =
        Stack.builder(dir)
            .policy(POLICY)
            .clients("agent")
            .shutdownTimeout(Duration.ofSeconds(5))
            .start();
    try {
      this.adminSecret = secretFile(dir.resolve("admin.secret"), stack.secret("admin"));
      this.agentSecret = secretFile(dir.resolve("agent.secret"), stack.secret("agent"));
    } catch (IOException | RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    open(Files.createTempDirectory("mandate-cli-authority"));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      close();
    } finally {
      Housekeeping.deleteTree(dir);
    }
  }

  /** Runs {@code mandate mint} as the agent with these options. */
  CliRun.Result mint(CliRun cli, String... options) {
    return cli.run(args(new String[] {"mint"}, asAgent(), options));
  }

  /** Mints as the agent with these options, expecting success; the capability. */
  Capability minted(CliRun cli, String... options) {
    CliRun.Result r = mint(cli, options);
    if (r.exit() != 0) {
      throw new AssertionError("mandate mint failed: " + r.err());
    }
    return Capability.decode(r.value());
  }

  static Path secretFile(Path file, String secret) throws IOException {
    Files.writeString(file, secret + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /** Creates a client through the API; returns the 0600 file holding its secret. */
  Path createClient(String clientId) throws IOException {
    String secret = stack.api().createClient(stack.admin(), clientId);
    return secretFile(dir.resolve(clientId + ".secret"), secret);
  }

  /** The options that make a command call this authority as {@code clientId}. */
  String[] as(String clientId, Path secret) {
    return new String[] {
      "--authority", url(), "--client", clientId, "--secret-file", secret.toString()
    };
  }

  String url() {
    return stack.url();
  }

  String jdbcUrl() {
    return "jdbc:sqlite:" + dir.resolve("data").resolve("mandate.db");
  }

  /** The options that make a command call this authority as the admin. */
  String[] asAdmin() {
    return as("admin", adminSecret);
  }

  /** The options that make a command call this authority as the agent. */
  String[] asAgent() {
    return as("agent", agentSecret);
  }

  /** GET a path of the authority's API, unauthenticated; its JSON (expecting 200). */
  JsonNode get(String path) {
    return stack.api().get(path, null).expect(200);
  }

  @Override
  public void close() {
    stack.close();
  }

  /** Concatenates option arrays. */
  static String[] args(String[]... parts) {
    return Arrays.stream(parts).flatMap(Arrays::stream).toArray(String[]::new);
  }
}
