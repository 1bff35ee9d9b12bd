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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
      "The first start with an empty data directory creates a master key, a root key, an SQLite"
          + " database, a starter policy and an admin credential, and prints where everything is.",
      "The admin secret is shown only on a terminal; otherwise it is written to"
          + " --admin-secret-out FILE, or, without it, the admin is left to be created with"
          + " 'mandate admin reset-secret'. A second authority on the same data directory refuses"
          + " to start.",
      "With --gateway FILE a gateway runs in the same process (one-machine use); it talks to the"
          + " authority over HTTP exactly as a separate 'mandate gateway' would.",
      "Stops gracefully on SIGTERM or Ctrl-C: acknowledged requests are finished first."
    },
    footer = {
      "",
      "Examples:",
      "  mandate serve                        # ./mandate-data, port 7700",
      "  mandate serve --data /var/lib/mandate --admin-secret-out admin.secret \\",
      "    --master-key-file /etc/mandate/master.key",
      "  MANDATE_DB_PASSWORD_FILE=/etc/mandate/db.password mandate serve \\",
      "    --db 'jdbc:postgresql://127.0.0.1:5432/mandate?user=mandate'",
      "  mandate serve --gateway gateway.yaml # and a gateway, in-process",
      "  MANDATE_METRICS_TOKEN_FILE=/etc/mandate/metrics.token \\",
      "    MANDATE_OTLP_ENDPOINT=http://127.0.0.1:4318/v1/traces mandate serve",
      "",
      "The master key: --master-key-file, --master-key-command,",
      "MANDATE_MASTER_KEY_FILE, MANDATE_MASTER_KEY (the key itself) or",
      "MANDATE_MASTER_KEY_COMMAND; else DATA/master.key if it exists; else",
      "~/.config/mandate/master.key. Back it up apart from the database: without it",
      "the root keys in the database cannot be used.",
    })
final class ServeCommand extends CliCommand {
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

  @Mixin DatabaseOptions db;

  @Mixin MasterKeyOptions masterKey;

  @Mixin ObservabilityOptions observability;

  @Option(
      names = "--admin-secret-out",
      paramLabel = "FILE",
      description =
          "When the first start creates the admin client, write its secret to FILE (mode 0600)"
              + " instead of showing it; needed when stdout is not a terminal.")
  Path adminSecretOut;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description =
          "The policy file; it must exist. Default: DATA/policy.yaml (a starter policy is written"
              + " on first start).")
  Path policy;

  @Option(
      names = "--oauth",
      paramLabel = "FILE",
      description =
          "Also serve as an OAuth 2.1 authorization server for MCP clients, with the issuer,"
              + " resources, people and limits in FILE (docs/config-reference.md, 'OAuth')."
              + " A person's passwordHash comes from 'mandate policy hash-password'.")
  Path oauth;

  @Option(
      names = "--console-url",
      paramLabel = "URL",
      description =
          "The https URL people open the console at, behind a TLS proxy: its session cookie is"
              + " then Secure (__Host-) and forms must come from that origin (docs/console.md).")
  String consoleUrl;

  @Option(
      names = "--policy-tests",
      paramLabel = "FILE",
      description =
          "The policy's tests file, run on the console's clients and policy page. Default: beside"
              + " the policy, 'policy' in its name replaced by 'tests'.")
  Path policyTests;

  @Option(names = "--no-console", description = "Serve no console (/console) at all.")
  boolean noConsole;

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
    Terminal t = terminal();
    if (adminSecretOut != null) {
      // Replaced if it exists: a restart with the same command line must not fail.
      SecretFiles.checkWritable(adminSecretOut, "--admin-secret-out", true);
    }
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
      Optional<String> secret = server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce);
      if (secret.isPresent() && adminSecretOut != null) {
        try {
          SecretFiles.write(adminSecretOut, secret.get(), "--admin-secret-out", true);
        } catch (BadInputException e) {
          throw new BadInputException(
              e.getMessage()
                  + "; the admin client exists now, so give it a new secret with 'mandate admin"
                  + " reset-secret --data "
                  + config.dataDir()
                  + " --secret-out FILE'");
        }
      }
      printScreen(t.out(), server, config, adminSecretOut, !config.createAdminClient());
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
    Terminal t = terminal();
    AuthorityConfig.Builder b;
    try {
      b = AuthorityConfig.builder(data).port(port).host(host);
      String url = db.url();
      if (url != null) {
        b.jdbcUrl(url);
      }
      char[] password = db.password(spec);
      if (password != null) {
        b.databasePassword(password);
        java.util.Arrays.fill(password, '\0');
      }
      if (policy != null) {
        b.policyFile(policy);
      }
      if (oauth != null) {
        b.oauth(dev.mandate.authority.OAuthSettings.load(oauth));
      }
      var console = dev.mandate.authority.ConsoleSettings.builder().enabled(!noConsole);
      if (consoleUrl != null) {
        console.publicUrl(consoleUrl);
      }
      if (policyTests != null) {
        console.policyTests(policyTests);
      }
      b.console(console.build());
      b.masterKeySource(masterKey.source(spec, data));
      observability.apply(spec, b);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    // Nowhere safe to show a new admin secret: leave the admin to 'mandate admin reset-secret'.
    boolean createAdmin = adminSecretOut != null || t.interactive();
    return b.clock(t.clock())
        .random(t.random())
        .environment(t.environment())
        .createAdminClient(createAdmin)
        .build();
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

  /**
   * The first start's screen (where everything is, what to do next) or a later start's few lines.
   * The admin secret is in it only when {@code secretFile} is null, which the caller allows only on
   * a terminal.
   */
  static void printScreen(
      PrintWriter out,
      AuthorityServer server,
      AuthorityConfig config,
      Path secretFile,
      boolean adminLeftToHost) {
    Optional<BootstrapReport> created = server.bootstrapReport();
    if (created.isPresent()) {
      BootstrapReport report = created.get();
      boolean secretShown = report.adminSecretOnce().isPresent() && secretFile == null;
      out.print(secretShown ? report.render() : withoutSecret(report).render());
      if (report.adminSecretOnce().isPresent() && secretFile != null) {
        out.println();
        out.println("  admin client    " + report.adminClientId());
        out.println("  admin secret    written to " + secretFile + " (mode 0600)");
      }
      out.println("  6. After each edit, check the policy (and run its tests) before it reloads:");
      out.println("       mandate policy check " + config.policyFile());
      out.println("       mandate policy test " + config.policyFile() + " TESTS.yaml");
      if (report.adminSecretOnce().isPresent()) {
        out.println();
        out.println(
            "  To use the admin credential with the CLI, keep the secret in a file only you");
        out.println("  can read (mode 0600) and name it in the environment, for example:");
        out.println("       export MANDATE_AUTHORITY=" + server.url() + " MANDATE_CLIENT=admin");
        out.println(
            "       export MANDATE_SECRET_FILE="
                + (secretFile != null ? secretFile.toString() : "admin.secret"));
        out.println("       mandate clients list");
        out.println("       mandate audit verify");
      } else if (adminLeftToHost && report.adminClientId() != null) {
        out.println();
        out.println("  The admin client was NOT created: stdout is not a terminal, so its secret");
        out.println(
            "  had nowhere safe to go. Create it on this host, into a file only you can read:");
        out.println(
            "       mandate admin reset-secret --data "
                + config.dataDir()
                + " --secret-out admin.secret");
        out.println("  (or start again with --admin-secret-out FILE).");
      }
      if (MasterKeyOptions.nextToTheDatabase(config.masterKeySource(), config.dataDir())) {
        out.println();
        out.println(
            "  The master key is next to the database. Move it elsewhere (and name it with");
        out.println(
            "  --master-key-file), so that a copy of the data directory does not carry it.");
      }
      out.println();
      out.println("Stop with Ctrl-C or SIGTERM; requests already acknowledged are finished first.");
    } else {
      out.println("Mandate authority listening on " + server.url());
      out.println("  data directory  " + config.dataDir());
      out.println("  master key      " + config.masterKeySource().describe());
      out.println("  database        " + JdbcUrls.redact(config.jdbcUrl()));
      out.println("  policy          " + config.policyFile() + " (reloads on save)");
      out.println("Stop with Ctrl-C or SIGTERM; requests already acknowledged are finished first.");
    }
  }

  private static BootstrapReport withoutSecret(BootstrapReport r) {
    return new BootstrapReport(
        r.dataDir(),
        r.masterKeyLocation(),
        r.databaseUrl(),
        r.policyFile(),
        r.rootKeyId(),
        r.adminClientId(),
        null,
        r.url(),
        r.created());
  }
}
