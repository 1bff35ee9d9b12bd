package dev.mandate.cli;

import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.AuthorityStartupException;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.authority.store.JdbcUrls;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayConfigException;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.GatewayStartupException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code mandate serve}: runs the authority until SIGTERM or Ctrl-C. On the first start with an
 * empty data directory the authority creates its root key, database, starter policy and admin
 * client, and this command prints one screen that says where everything is and what to do next.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run the Mandate authority: minting under policy, revocation feed, audit trail.",
      "The first start with an empty data directory creates a root key, an SQLite database, a"
          + " starter policy and an admin credential, and prints where everything is.",
      "With --gateway FILE a gateway runs in the same process (one-machine use); it talks to the"
          + " authority over HTTP exactly as a separate 'mandate gateway' would.",
      "Stops gracefully on SIGTERM or Ctrl-C: acknowledged requests are finished first."
    },
    footer = {
      "",
      "Examples:",
      "  mandate serve                                   # ./mandate-data, port 7700",
      "  mandate serve --data /var/lib/mandate --policy /etc/mandate/policy.yaml",
      "  mandate serve --db 'jdbc:postgresql://127.0.0.1:5432/mandate?user=mandate'",
      "  mandate serve --gateway gateway.yaml            # and a gateway, in-process",
      "",
      "The master key is read from MANDATE_MASTER_KEY if set, else from DATA/master.key.",
    })
final class ServeCommand implements Callable<Integer> {
  /**
   * What to do once the authority (and the embedded gateway, if any) listens; the default waits for
   * the process to be stopped.
   */
  @FunctionalInterface
  interface Lifetime {
    /**
     * @param gateway the embedded gateway, or null when {@code --gateway} was not given
     */
    void runUntilStopped(AuthorityServer server, GatewayServer gateway) throws InterruptedException;
  }

  @ParentCommand Mandate parent;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "The data directory (created 0700 on first start). Default: ${DEFAULT-VALUE}.")
  Path data = Path.of("mandate-data");

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "The port to listen on; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  int port = AuthorityConfig.DEFAULT_PORT;

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      description =
          "The interface to listen on. Default: ${DEFAULT-VALUE} (this machine only); 0.0.0.0 for"
              + " all.")
  String host = "127.0.0.1";

  @Option(
      names = "--db",
      paramLabel = "JDBC-URL",
      description =
          "The database: jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB?user=... ."
              + " Default: SQLite in DATA/mandate.db.")
  String db;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description =
          "The policy file; it must exist. Default: DATA/policy.yaml (a starter policy is written"
              + " on first start).")
  Path policy;

  @Option(
      names = "--gateway",
      paramLabel = "FILE",
      description =
          "Also run a gateway in this process, configured by FILE (the format of 'mandate gateway"
              + " --config'); its authority.url should name this authority.")
  Path gateway;

  /** Replaced by tests, which return once they have looked at the running authority. */
  Lifetime lifetime = ServeCommand::untilShutdown;

  @Override
  public Integer call() throws InterruptedException {
    AuthorityConfig config = config();
    // A bad gateway file is reported before anything starts.
    GatewayConfig gatewayConfig = gateway == null ? null : gatewayConfig();
    AuthorityServer server;
    try {
      server = AuthorityServer.start(config);
    } catch (AuthorityStartupException e) {
      throw new BadInputException("the authority did not start: " + e.getMessage());
    }
    GatewayServer embedded = null;
    try {
      Terminal t = parent.terminal();
      printScreen(t.out(), server, config);
      if (gatewayConfig != null) {
        embedded = startGateway(gatewayConfig);
        t.out().println();
        GatewayCommand.printScreen(t.out(), embedded, gatewayConfig);
      }
      t.out().flush();
      lifetime.runUntilStopped(server, embedded);
    } finally {
      // The gateway first, so that its last audit batches still reach the authority.
      if (embedded != null) {
        embedded.close();
      }
      server.close();
    }
    return Mandate.OK;
  }

  private GatewayConfig gatewayConfig() {
    try {
      return GatewayConfig.load(gateway);
    } catch (GatewayConfigException e) {
      throw new BadInputException("invalid gateway configuration: " + e.getMessage());
    }
  }

  private static GatewayServer startGateway(GatewayConfig config) {
    try {
      return GatewayServer.start(config);
    } catch (GatewayStartupException e) {
      throw new BadInputException("the gateway did not start: " + e.getMessage());
    }
  }

  private AuthorityConfig config() {
    AuthorityConfig.Builder b;
    try {
      b = AuthorityConfig.builder(data).port(port).host(host);
      if (db != null) {
        b.jdbcUrl(db);
      }
      if (policy != null) {
        b.policyFile(policy);
      }
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    Terminal t = parent.terminal();
    return b.clock(t.clock()).random(t.random()).build();
  }

  /**
   * Waits until a shutdown hook (SIGTERM, Ctrl-C) has closed the gateway, if any, and then the
   * authority gracefully.
   */
  private static void untilShutdown(AuthorityServer server, GatewayServer gateway)
      throws InterruptedException {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (gateway != null) {
                    gateway.close();
                  }
                  server.close();
                },
                "mandate-shutdown"));
    server.join();
  }

  static void printScreen(PrintWriter out, AuthorityServer server, AuthorityConfig config) {
    Optional<BootstrapReport> created = server.bootstrapReport();
    if (created.isPresent()) {
      BootstrapReport report = created.get();
      out.print(report.render());
      out.println("  6. After each edit, check the policy (and run its tests) before it reloads:");
      out.println("       mandate policy check " + config.policyFile());
      out.println("       mandate policy test " + config.policyFile() + " TESTS.yaml");
      if (report.adminSecretOnce().isPresent()) {
        out.println();
        out.println(
            "  To use the admin credential with the CLI, save the secret in a file only you");
        out.println("  can read (chmod 600 admin.secret), then for example:");
        out.println(
            "       mandate keys list --authority "
                + server.url()
                + " --client "
                + report.adminClientId()
                + " --secret-file admin.secret");
        out.println(
            "       mandate audit verify --authority "
                + server.url()
                + " --client "
                + report.adminClientId()
                + " --secret-file admin.secret");
      }
      out.println();
      out.println("Stop with Ctrl-C or SIGTERM; requests already acknowledged are finished first.");
    } else {
      out.println("Mandate authority listening on " + server.url());
      out.println("  data directory  " + config.dataDir());
      out.println("  database        " + JdbcUrls.redact(config.jdbcUrl()));
      out.println("  policy          " + config.policyFile() + " (reloads on save)");
      out.println("Stop with Ctrl-C or SIGTERM; requests already acknowledged are finished first.");
    }
  }
}
