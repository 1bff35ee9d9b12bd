package dev.mandate.bench;

import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * The authority under test for {@link AuthorityLoad}, in a JVM of its own: what {@code mandate
 * serve} runs ({@link AuthorityServer#start}, the same Jetty server, store and request log), on a
 * free port of 127.0.0.1.
 *
 * <p>Usage: {@code AuthorityProcess DATA_DIR POLICY_FILE [JDBC_URL]}. Once listening it writes one
 * line to standard output, {@code ready <url> <admin secret>}, so the load generator can create its
 * client; the secret belongs to a throwaway benchmark data directory. It stops gracefully when its
 * standard input closes (the load generator finished or died), so it never outlives the run.
 */
public final class AuthorityProcess {
  private AuthorityProcess() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: AuthorityProcess DATA_DIR POLICY_FILE [JDBC_URL]");
      System.exit(2);
    }
    AuthorityConfig.Builder config =
        AuthorityConfig.builder(Path.of(args[0]))
            .port(0)
            .policyFile(Path.of(args[1]))
            .environment(Map.of());
    if (args.length == 3) {
      config.jdbcUrl(args[2]);
    }
    try (AuthorityServer server = AuthorityServer.start(config.build())) {
      String admin =
          server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow();
      System.out.println("ready " + server.url() + " " + admin);
      System.out.flush();
      InputStream in = System.in;
      while (in.read() >= 0) {
        // Wait for the load generator to close the pipe.
      }
    }
  }
}
