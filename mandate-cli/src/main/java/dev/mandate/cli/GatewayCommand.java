package dev.mandate.cli;

import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayConfigException;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.GatewayStartupException;
import dev.mandate.gateway.mcp.McpConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mandate gateway --config FILE}: runs the gateway in front of the configured HTTP APIs and
 * MCP servers until SIGTERM or Ctrl-C, then stops gracefully (calls in flight finish, the audit
 * spool is uploaded within the shutdown timeout and fsynced).
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run the Mandate gateway: checks the capability on every call to the HTTP APIs and MCP"
          + " servers behind it, and records every decision in the authority's audit trail.",
      "Stops gracefully on SIGTERM or Ctrl-C: calls in flight finish and the audit spool is"
          + " uploaded (what is left stays on disk for the next start)."
    },
    footer = {
      "",
      "Example:",
      "  MANDATE_GATEWAY_SECRET=... mandate gateway --config gateway.yaml",
      "",
      "The configuration format is described in docs/architecture.md (gateway section)."
    })
final class GatewayCommand extends CliCommand {
  /** What to do once the gateway listens; the default waits for the process to be stopped. */
  @FunctionalInterface
  interface Lifetime {
    void runUntilStopped(GatewayServer gateway) throws InterruptedException;
  }

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "The gateway configuration (YAML).")
  Path config;

  /** Replaced by tests, which return once they have looked at the running gateway. */
  Lifetime lifetime = GatewayCommand::untilShutdown;

  @Override
  public Integer call() throws InterruptedException {
    GatewayConfig loaded;
    GatewayServer gateway;
    try {
      loaded = GatewayConfig.load(config);
      gateway = GatewayServer.start(loaded);
    } catch (GatewayConfigException e) {
      throw new BadInputException("invalid gateway configuration: " + e.getMessage());
    } catch (GatewayStartupException e) {
      throw new BadInputException("the gateway did not start: " + e.getMessage());
    }
    try {
      PrintWriter out = terminal().out();
      printScreen(out, gateway, loaded);
      out.flush();
      lifetime.runUntilStopped(gateway);
    } finally {
      gateway.close();
    }
    return Mandate.OK;
  }

  /** Waits until a shutdown hook (SIGTERM, Ctrl-C) has closed the gateway gracefully. */
  private static void untilShutdown(GatewayServer gateway) throws InterruptedException {
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "mandate-gateway-shutdown"));
    gateway.join();
  }

  /** Where the gateway listens and what it serves; never a secret (headers, env are omitted). */
  static void printScreen(PrintWriter out, GatewayServer gateway, GatewayConfig config) {
    out.println("Mandate gateway '" + config.audience() + "' listening on " + gateway.url());
    out.println("  authority      " + config.authority().url());
    out.println(
        "  audit spool    "
            + config.spool().dir()
            + " (sync "
            + config.spool().sync().name().toLowerCase(java.util.Locale.ROOT)
            + ")");
    out.println(
        "  shared state   "
            + (config.redis() != null ? "Redis (usage counters, proof replay)" : "in memory"));
    Map<String, GatewayConfig.Upstream> upstreams = config.upstreams();
    if (!upstreams.isEmpty()) {
      out.println("  HTTP upstreams");
      for (GatewayConfig.Upstream u : upstreams.values()) {
        out.println("    " + u.name() + "  " + u.url() + "  (service " + u.service() + ")");
      }
      out.println("  HTTP routes");
      for (GatewayConfig.HttpRoute r : config.routes()) {
        out.println(
            "    "
                + r.method()
                + " "
                + r.pathTemplate()
                + "  -> "
                + r.upstream()
                + "  as "
                + r.service()
                + ":"
                + r.action()
                + ":"
                + (r.resourceTemplate() == null ? "" : r.resourceTemplate()));
      }
    }
    for (String line : mcpLines(config, gateway.url())) {
      out.println(line);
    }
    out.println(
        "  health         " + gateway.url() + "/health   metrics " + gateway.url() + "/metrics");
    out.println("Stop with Ctrl-C or SIGTERM (graceful).");
  }

  /** The MCP upstreams as configured: service, where agents reach it, how, and its tools. */
  private static List<String> mcpLines(GatewayConfig config, String base) {
    List<String> lines = new ArrayList<>();
    McpConfig mcp = config.mcp();
    if (mcp == null) {
      return lines;
    }
    lines.add("  MCP servers");
    for (McpConfig.Upstream u : mcp.upstreams()) {
      String how =
          u.transport() instanceof McpConfig.Stdio stdio
              ? "stdio: " + Path.of(stdio.command()).getFileName()
              : "http: " + ((McpConfig.Http) u.transport()).url();
      lines.add(
          "    "
              + u.service()
              + "  "
              + base
              + u.path()
              + "  ("
              + how
              + "; tools: "
              + (u.tools().isEmpty()
                  ? "none"
                  : String.join(", ", new TreeSet<>(u.tools().keySet())))
              + ")");
    }
    return lines;
  }
}
