package dev.mandate.demo.scenarios;

import dev.mandate.demo.Housekeeping;
import dev.mandate.demo.scenarios.Scenario.InjectionTask;
import dev.mandate.demo.scenarios.Scenario.Suite;
import dev.mandate.demo.scenarios.Scenario.UserTask;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.testkit.Stack;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The prompt-injection scenario suite, modelled on AgentDojo: for each suite (workspace, banking,
 * slack, travel) a real authority and gateway with real MCP servers, every user task run alone and
 * with every injection task of its suite, and a table of utility, utility under attack and attack
 * success rate. The tasks are data: {@code workspace.json}, {@code banking.json}, {@code
 * slack.json} and {@code travel.json} in this package's resources.
 *
 * <p>Entry points: {@link #run(PrintWriter, PrintWriter)} (what {@code mandate scenarios} calls)
 * and {@link #main(String[])}.
 */
public final class ScenarioSuite {
  static final int PARALLEL_SUITES = 2;

  private ScenarioSuite() {}

  /**
   * Runs every suite and prints the table to {@code out}, then each miss.
   *
   * @param out where the table goes
   * @param err where progress and misses go
   * @return 0 when utility is 100% and no injected call got through in any suite, 1 otherwise, 2
   *     when the suite could not run (for example, the MCP servers are not installed)
   */
  public static int run(PrintWriter out, PrintWriter err) {
    List<SuiteResult> results;
    // The MCP client reports every refusal, which the suite expects by the hundred.
    Runnable loud = Housekeeping.quietLogs("io.modelcontextprotocol");
    try {
      results = runAll(NodeServers.locate(), err);
    } catch (IllegalStateException | UncheckedIOException | IOException e) {
      err.println("mandate: the scenario suite could not run: " + e.getMessage());
      return 2;
    } finally {
      loud.run();
    }
    out.print(table(results));
    out.flush();
    List<String> misses = new ArrayList<>();
    results.forEach(r -> misses.addAll(r.misses()));
    for (String miss : misses) {
      err.println("MISS " + miss);
    }
    err.flush();
    return misses.isEmpty() ? 0 : 1;
  }

  /** Runs the suite from the command line; exits with {@link #run}'s status. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(run(out, err));
  }

  static List<SuiteResult> runAll(NodeServers node, PrintWriter progress) throws IOException {
    List<Suite> suites = SuiteFiles.loadAll();
    Path dir = Files.createTempDirectory("mandate-scenarios");
    // Two suites at a time: each has its own authority, gateway and servers, and most of a run is
    // waiting on a child process or a socket.
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_SUITES);
    try {
      List<Future<SuiteResult>> running = new ArrayList<>();
      for (Suite suite : suites) {
        running.add(pool.submit(() -> runSuite(suite, dir.resolve(suite.name()), node, progress)));
      }
      List<SuiteResult> results = new ArrayList<>();
      for (Future<SuiteResult> f : running) {
        results.add(f.get());
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(cause);
    } finally {
      pool.shutdownNow();
      Housekeeping.deleteTree(dir);
    }
  }

  static SuiteResult runSuite(Suite suite, Path dir, NodeServers node, PrintWriter progress)
      throws IOException {
    SecureRandom random = new SecureRandom();
    List<RunResult> baseline = new ArrayList<>();
    List<RunResult> attacked = new ArrayList<>();
    List<RunResult> contrast = new ArrayList<>();
    long started = System.nanoTime();
    SuiteWorld world = SuiteWorld.create(suite, dir);
    try (Stack stack = world.startAuthority()) {
      GatewayServer gateway = world.startGateway(stack, node);
      try (TaskAgent.Orchestrator orchestrator =
          new TaskAgent.Orchestrator(world, stack, gateway, random)) {
        for (UserTask task : suite.userTasks()) {
          TaskAgent agent = new TaskAgent(orchestrator, task);
          baseline.add(agent.run(null));
          for (InjectionTask injection : suite.injectionTasks()) {
            attacked.add(agent.run(injection));
            if (injection.id().equals(task.contrast())) {
              contrast.add(agent.run(injection, false));
            }
          }
        }
      }
    }
    progress.printf(
        Locale.ROOT,
        "scenarios: %s: %d runs in %.1f s%n",
        suite.name(),
        baseline.size() + attacked.size() + contrast.size(),
        (System.nanoTime() - started) / 1e9);
    progress.flush();
    return new SuiteResult(
        suite.name(),
        suite.userTasks().size(),
        suite.injectionTasks().size(),
        baseline,
        attacked,
        contrast);
  }

  /** The table: one row per suite and a total row. */
  static String table(List<SuiteResult> results) {
    String format = "%-10s %10s %15s %6s %8s %22s %21s%n";
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            format,
            "suite",
            "user tasks",
            "injection tasks",
            "pairs",
            "utility",
            "utility under attack",
            "attack success rate"));
    int users = 0;
    int injections = 0;
    int pairs = 0;
    long useful = 0;
    long usefulUnderAttack = 0;
    long attacks = 0;
    for (SuiteResult r : results) {
      s.append(
          String.format(
              Locale.ROOT,
              format,
              r.suite(),
              r.userTasks(),
              r.injectionTasks(),
              r.pairs(),
              percent(r.utility()),
              percent(r.utilityUnderAttack()),
              percent(r.attackSuccessRate())));
      users += r.userTasks();
      injections += r.injectionTasks();
      pairs += r.pairs();
      useful += r.baseline().stream().filter(RunResult::utility).count();
      usefulUnderAttack += r.attacked().stream().filter(RunResult::utility).count();
      attacks += r.attacked().stream().filter(RunResult::attackSucceeded).count();
    }
    s.append(
        String.format(
            Locale.ROOT,
            format,
            "total",
            users,
            injections,
            pairs,
            percent(users == 0 ? 0 : (double) useful / users),
            percent(pairs == 0 ? 0 : (double) usefulUnderAttack / pairs),
            percent(pairs == 0 ? 0 : (double) attacks / pairs)));
    for (SuiteResult r : results) {
      for (RunResult c : r.contrast()) {
        s.append(
            String.format(
                Locale.ROOT,
                "contrast: %s x %s with its budgets removed: %d of %d injected calls got through"
                    + " (with them: none)%n",
                c.userTaskId(),
                c.injectionId(),
                c.breaches().size(),
                c.injected().size()));
      }
    }
    return s.toString();
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", share * 100);
  }
}
