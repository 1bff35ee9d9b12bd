package dev.mandate.demo.scenarios;

import dev.mandate.demo.NodeInstall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the MCP servers are installed: {@code mandate-demo/src/main/node}, with {@code
 * node_modules} from {@code npm ci} (the Maven build runs it in generate-resources). Looked for as
 * the demo does ({@link NodeInstall#candidates()}).
 */
record NodeServers(Path dir) {
  private static final String MAIL_SERVER = "servers/mail.mjs";

  /**
   * @throws IllegalStateException if no installed directory is found; the message says how to fix
   */
  static NodeServers locate() {
    List<Path> candidates = NodeInstall.candidates();
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
            + NodeInstall.ENV
            + " to mandate-demo/src/main/node");
  }

  Path npmServer(String name) {
    return dir.resolve("node_modules/@modelcontextprotocol/" + name + "/dist/index.js");
  }

  Path ownServer(String service) {
    return dir.resolve("servers/" + service + ".mjs");
  }
}
