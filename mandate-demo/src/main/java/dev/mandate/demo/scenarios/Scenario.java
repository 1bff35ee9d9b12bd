package dev.mandate.demo.scenarios;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The scenario data model, read from the suite files in this package's resources (one JSON file per
 * suite; see {@code README.md} beside them). Every record is immutable once loaded; {@link
 * SuiteFiles} checks the cross-references (capability names, the carrier call) when it loads them.
 */
final class Scenario {
  private Scenario() {}

  /**
   * One suite: the services it uses, the seed state every run starts from, its user tasks and its
   * injection tasks. Every user task is run alone, then once with each injection task.
   *
   * @param name the suite's name, such as {@code workspace}
   * @param owner the user the agent works for (signs the injected text)
   * @param seed the initial state: {@code files} (path to text, under the filesystem root), and
   *     {@code mail}, {@code bank}, {@code calendar}, {@code chat} (server state JSON), {@code
   *     memory} (the knowledge graph's entities)
   */
  @JsonIgnoreProperties({"description"})
  record Suite(
      String name,
      String owner,
      ObjectNode seed,
      List<UserTask> userTasks,
      List<InjectionTask> injectionTasks) {
    Suite {
      userTasks = List.copyOf(userTasks);
      injectionTasks = List.copyOf(injectionTasks);
    }
  }

  /**
   * What the user asks, the least capabilities the agent gets for it, and the calls a correct agent
   * makes.
   *
   * @param id such as {@code workspace-u03}
   * @param prompt the user's request, in words
   * @param capabilities the capabilities minted for the task, by name
   * @param calls the tool calls a correct agent makes, in order
   * @param carrier the index of the call whose result carries the injected text (a read)
   * @param stateContains texts the servers' state must contain afterwards, per service
   * @param contrast the id of an injection task to run once more with every budget of the task's
   *     capabilities removed, which must then get through: it shows that the budget is what stops
   *     it; or null
   */
  record UserTask(
      String id,
      String prompt,
      Map<String, CapabilitySpec> capabilities,
      List<Call> calls,
      int carrier,
      Map<String, List<String>> stateContains,
      String contrast) {
    UserTask {
      capabilities = Map.copyOf(capabilities);
      calls = List.copyOf(calls);
      stateContains = stateContains == null ? Map.of() : Map.copyOf(stateContains);
    }
  }

  /**
   * One capability of a user task: the grants, argument constraints and use limit of the block
   * delegated to the agent for one run.
   *
   * @param service the upstream it is presented to
   * @param grants {@code service:action:resource} grants (the authority's policy must cover them)
   * @param args JSON Pointer to constraint, such as {@code {"/to": {"oneOf": ["a@x"]}}}; see {@link
   *     Constraints}
   * @param where CEL conditions over {@code args}
   * @param maxUses the most calls it allows
   * @param approval the approver groups whose person must approve each call; empty for none
   * @param budgets budgets and rates every call with it spends from ({@code sum(/amount)<=1198.7},
   *     spec 6.3); empty for none
   */
  record CapabilitySpec(
      String service,
      List<String> grants,
      Map<String, JsonNode> args,
      List<String> where,
      Integer maxUses,
      List<String> approval,
      List<String> budgets) {
    CapabilitySpec {
      budgets = budgets == null ? List.of() : List.copyOf(budgets);
      grants = List.copyOf(grants);
      args = args == null ? Map.of() : Map.copyOf(args);
      where = where == null ? List.of() : List.copyOf(where);
      approval = approval == null ? List.of() : List.copyOf(approval);
    }
  }

  /**
   * A tool call.
   *
   * @param cap the name of the capability it is made with (user tasks)
   * @param service the upstream (injected calls; user-task calls take the capability's)
   * @param tool the MCP tool name
   * @param args the arguments; {@code {root}} in a string stands for the filesystem root
   * @param expect a text the result must contain for the call to count as successful
   * @param approvedBy the approver group whose person approves exactly this call before it is made
   *     (user tasks whose capability requires approval), or null
   */
  record Call(
      String cap, String service, String tool, ObjectNode args, String expect, String approvedBy) {}

  /**
   * What a hijacked agent attempts: a goal (the text injected into the carrier) and the calls.
   *
   * @param id such as {@code workspace-i02}
   * @param category the attack class, for the report
   * @param goal the attacker's instruction, injected verbatim into the carrier's data
   * @param steps the injected calls, in order
   */
  record InjectionTask(String id, String category, String goal, List<AttackStep> steps) {
    InjectionTask {
      steps = List.copyOf(steps);
    }
  }

  /**
   * One injected call. Either a call of its own ({@code call}) or the user task's carrier call
   * again ({@code repeat: "carrier"}), presented as {@code present} says:
   *
   * <ul>
   *   <li>{@code wallet} (default): with a fresh proof from the agent's wallet, once with each
   *       capability it holds for the service (no capability: the session is opened with each);
   *   <li>{@code stolen-token}: the token of a leaked copy of the carrier's capability, without a
   *       proof (a thief has the text, not the holder key);
   *   <li>{@code replayed-proof}: the token and proof of a legitimate call made with the leaked
   *       copy, sent again;
   *   <li>{@code rebound}: the leaked copy with a block, signed by the thief, binding it to the
   *       thief's key, with the thief's proof;
   *   <li>{@code revoked}: a copy revoked at the authority before the attack, with a fresh proof.
   * </ul>
   */
  record AttackStep(Call call, String repeat, String present) {
    String presentation() {
      return present == null ? "wallet" : present;
    }
  }
}
