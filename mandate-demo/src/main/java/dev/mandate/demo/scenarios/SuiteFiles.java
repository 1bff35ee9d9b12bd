package dev.mandate.demo.scenarios;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.demo.scenarios.Scenario.AttackStep;
import dev.mandate.demo.scenarios.Scenario.Call;
import dev.mandate.demo.scenarios.Scenario.InjectionTask;
import dev.mandate.demo.scenarios.Scenario.Suite;
import dev.mandate.demo.scenarios.Scenario.UserTask;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Loads the suites from this package's resources and checks what JSON alone cannot. */
final class SuiteFiles {
  /** The suites, in report order. */
  static final List<String> NAMES = List.of("workspace", "banking", "slack", "travel");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private SuiteFiles() {}

  static List<Suite> loadAll() {
    List<Suite> out = new ArrayList<>();
    for (String name : NAMES) {
      out.add(load(name));
    }
    return out;
  }

  /**
   * @throws IllegalStateException if the file is missing or inconsistent
   */
  static Suite load(String name) {
    String resource = name + ".json";
    try (InputStream in = SuiteFiles.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no scenario file " + resource + " on the class path");
      }
      Suite suite = JSON.readValue(in, Suite.class);
      check(suite);
      return suite;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read scenario file " + resource, e);
    }
  }

  private static void check(Suite suite) {
    Set<String> ids = new HashSet<>();
    for (UserTask task : suite.userTasks()) {
      require(ids.add(task.id()), task.id(), "is used twice");
      require(!task.calls().isEmpty(), task.id(), "has no calls");
      require(
          task.carrier() >= 0 && task.carrier() < task.calls().size(),
          task.id(),
          "carrier " + task.carrier() + " is not a call index");
      for (Call call : task.calls()) {
        require(
            task.capabilities().containsKey(call.cap()),
            task.id(),
            "calls " + call.tool() + " with unknown capability '" + call.cap() + "'");
        List<String> approvers = task.capabilities().get(call.cap()).approval();
        require(
            approvers.isEmpty() ? call.approvedBy() == null : approvers.contains(call.approvedBy()),
            task.id(),
            "call of "
                + call.tool()
                + " needs approvedBy one of "
                + approvers
                + " exactly when its capability requires approval");
        require(
            call.approvedBy() == null || call.approvedBy().equals(ScenarioBed.APPROVER),
            task.id(),
            "calls are approved by the suite's user, group '" + ScenarioBed.APPROVER + "'");
      }
      // Over-use attacks repeat the carrier call, which must then find its capability used up.
      String carrierCap = task.calls().get(task.carrier()).cap();
      long uses = task.calls().stream().filter(c -> c.cap().equals(carrierCap)).count();
      Integer max = task.capabilities().get(carrierCap).maxUses();
      require(
          max != null && max == uses,
          task.id(),
          "carrier capability '" + carrierCap + "' must allow exactly its " + uses + " uses");
      for (int i = task.carrier() + 1; i < task.calls().size(); i++) {
        require(
            !task.calls().get(i).cap().equals(carrierCap),
            task.id(),
            "the carrier must be the last call made with capability '" + carrierCap + "'");
      }
      task.capabilities()
          .forEach(
              (n, c) ->
                  require(
                      c.grants().stream().allMatch(g -> g.startsWith(c.service() + ":")),
                      task.id(),
                      "capability '" + n + "' grants another service than " + c.service()));
    }
    for (UserTask task : suite.userTasks()) {
      if (task.contrast() != null) {
        require(
            suite.injectionTasks().stream().anyMatch(i -> i.id().equals(task.contrast())),
            task.id(),
            "contrast names no injection task of the suite: " + task.contrast());
        require(
            task.capabilities().values().stream().anyMatch(c -> !c.budgets().isEmpty()),
            task.id(),
            "has a contrast run but no budget to remove");
      }
    }
    for (InjectionTask injection : suite.injectionTasks()) {
      require(ids.add(injection.id()), injection.id(), "is used twice");
      require(!injection.steps().isEmpty(), injection.id(), "has no steps");
      for (AttackStep step : injection.steps()) {
        require(
            (step.call() == null) != (step.repeat() == null),
            injection.id(),
            "a step is either a call or repeat: carrier");
        require(
            step.repeat() == null || step.repeat().equals("carrier"),
            injection.id(),
            "repeat must be 'carrier'");
        require(
            Set.of("wallet", "stolen-token", "replayed-proof", "rebound", "revoked")
                .contains(step.presentation()),
            injection.id(),
            "unknown presentation '" + step.presentation() + "'");
        require(
            step.call() == null || step.call().service() != null,
            injection.id(),
            "an injected call names its service");
      }
    }
  }

  private static void require(boolean ok, String where, String problem) {
    if (!ok) {
      throw new IllegalStateException("scenario " + where + " " + problem);
    }
  }
}
