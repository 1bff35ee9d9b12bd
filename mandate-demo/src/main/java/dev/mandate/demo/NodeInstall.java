package dev.mandate.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Finds the npm MCP servers the demo starts: {@code mandate-demo/src/main/node/node_modules}, which
 * the Maven build installs with {@code npm ci} (in generate-resources, so also for the jar that
 * {@code bin/mandate} builds). Looked for, in order: the system property {@value #PROPERTY} or the
 * environment variable {@value #ENV}; the directory the build recorded in {@code build.properties};
 * the repository holding the running jar; the working directory and its parents.
 */
public final class NodeInstall {
  /** System property naming the installed node directory. */
  public static final String PROPERTY = "mandate.nodeDir";

  /** Environment variable naming the installed node directory. */
  public static final String ENV = "MANDATE_NODE_DIR";

  static final String FILESYSTEM_SERVER =
      "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js";

  private NodeInstall() {}

  /**
   * Returns the entry point of the filesystem MCP server.
   *
   * @throws DemoException if it is not installed anywhere looked at; the message says how to fix
   */
  static Path filesystemServer() {
    List<Path> candidates = candidates();
    for (Path dir : candidates) {
      Path entry = dir.resolve(FILESYSTEM_SERVER);
      if (Files.isRegularFile(entry)) {
        return entry;
      }
    }
    throw new DemoException(
        "the MCP filesystem server is not installed (looked in "
            + candidates
            + "); build once from the repository root with 'mvn -q -Dmaven.test.skip=true -pl"
            + " mandate-cli -am package' (it runs npm ci in mandate-demo/src/main/node), or set "
            + ENV
            + " to an installed copy of that directory");
  }

  /**
   * Returns the directories that may hold the installed node packages, in the order they are looked
   * at (see the class comment). The directories need not exist.
   */
  public static List<Path> candidates() {
    Set<Path> out = new LinkedHashSet<>();
    String configured = System.getProperty(PROPERTY, System.getenv(ENV));
    if (configured != null && !configured.isBlank()) {
      out.add(Path.of(configured).toAbsolutePath().normalize());
    }
    String built = builtNodeDir();
    if (built != null) {
      out.add(Path.of(built).toAbsolutePath().normalize());
    }
    Path jar = runningJar();
    if (jar != null) {
      // <repo>/mandate-cli/target/mandate.jar or <repo>/mandate-demo/target/classes
      for (Path d = jar.getParent(); d != null; d = d.getParent()) {
        out.add(d.resolve("mandate-demo/src/main/node"));
      }
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      out.add(d.resolve("mandate-demo/src/main/node"));
      out.add(d.resolve("src/main/node"));
    }
    return new ArrayList<>(out);
  }

  private static String builtNodeDir() {
    try (InputStream in = NodeInstall.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        return null;
      }
      Properties p = new Properties();
      p.load(in);
      String dir = p.getProperty("nodeDir");
      return dir == null || dir.contains("${") ? null : dir;
    } catch (IOException e) {
      return null;
    }
  }

  private static Path runningJar() {
    try {
      CodeSource source = NodeInstall.class.getProtectionDomain().getCodeSource();
      return source == null ? null : Path.of(source.getLocation().toURI()).toAbsolutePath();
    } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
      return null;
    }
  }
}
