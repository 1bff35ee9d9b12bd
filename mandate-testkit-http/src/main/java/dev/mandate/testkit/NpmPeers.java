package dev.mandate.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real MCP servers from npm (filesystem, everything, memory) and the TypeScript SDK client
 * script, installed by mandate-testkit-http's build in its {@code src/main/node}. Tests find that
 * directory through the system property {@value #PROPERTY}, which the parent pom's surefire
 * configuration sets.
 */
public final class NpmPeers {
  /** The system property naming the installed directory. */
  public static final String PROPERTY = "mandate.npmPeers";

  private NpmPeers() {}

  /** The directory holding {@code node_modules} and the client script. */
  public static Path dir() {
    String dir = System.getProperty(PROPERTY);
    if (dir == null) {
      throw new IllegalStateException(
          "system property " + PROPERTY + " is not set (the parent pom's surefire sets it)");
    }
    return Path.of(dir).toAbsolutePath().normalize();
  }

  /**
   * The entry point of {@code @modelcontextprotocol/<server>}.
   *
   * @throws IllegalStateException if it is not installed
   */
  public static Path server(String server) {
    Path p = dir().resolve("node_modules/@modelcontextprotocol/" + server + "/dist/index.js");
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException(
          p + " is missing: build mandate-testkit-http (it runs npm ci in src/main/node)");
    }
    return p;
  }

  /**
   * Starts {@code server} serving MCP over Streamable HTTP on {@code port} of 127.0.0.1 and waits
   * until it listens; its output goes to {@code log}.
   */
  public static Process startOverHttp(String server, int port, Path log, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of("node", server(server).toString()));
    command.addAll(List.of(args));
    ProcessBuilder b =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .directory(log.getParent().toFile());
    b.environment().put("PORT", String.valueOf(port));
    Process p = b.start();
    try {
      Await.listening(port, p, Duration.ofSeconds(60));
    } catch (IllegalStateException e) {
      p.destroy();
      throw new IllegalStateException(server + " did not start over HTTP; see " + log, e);
    }
    return p;
  }
}
