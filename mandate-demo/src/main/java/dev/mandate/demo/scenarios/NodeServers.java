package dev.mandate.demo.scenarios;

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
 * Where the MCP servers are installed: {@code mandate-demo/src/main/node}, with {@code
 * node_modules} from {@code npm ci} (the Maven build runs it in generate-resources). Looked for as
 * the demo does ({@code dev.mandate.demo.NodeInstall}): the system property {@value #PROPERTY} or
 * the environment variable {@value #ENV}; the directory the build recorded; the repository holding
 * the running jar; the working directory and its parents.
 */
record NodeServers(Path dir) {
  static final String PROPERTY = "mandate.nodeDir";
  static final String ENV = "MANDATE_NODE_DIR";
  private static final String MAIL_SERVER = "servers/mail.mjs";

  /**
   * @throws IllegalStateException if no installed directory is found; the message says how to fix
   */
  static NodeServers locate() {
    List<Path> candidates = candidates();
    for (Path dir : candidates) {
      if (Files.isRegularFile(dir.resolve(MAIL_SERVER))) {
        if (!Files.isDirectory(dir.resolve("node_modules/@modelcontextprotocol/sdk"))) {
          throw new IllegalStateException(
              "the MCP servers in "
                  + dir
                  + " are not installed; run 'npm ci' there, or build once from the repository"
                  + " root with 'mvn -q -Dmaven.test.skip=true -pl mandate-cli -am package'");
        }
        return new NodeServers(dir);
      }
    }
    throw new IllegalStateException(
        "cannot find the MCP servers (looked in "
            + candidates
            + "); run from the repository, or set "
            + ENV
            + " to mandate-demo/src/main/node");
  }

  Path npmServer(String name) {
    return dir.resolve("node_modules/@modelcontextprotocol/" + name + "/dist/index.js");
  }

  Path ownServer(String service) {
    return dir.resolve("servers/" + service + ".mjs");
  }

  private static List<Path> candidates() {
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
    try (InputStream in =
        NodeServers.class.getResourceAsStream("/dev/mandate/demo/build.properties")) {
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
      CodeSource source = NodeServers.class.getProtectionDomain().getCodeSource();
      return source == null ? null : Path.of(source.getLocation().toURI()).toAbsolutePath();
    } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
      return null;
    }
  }
}
