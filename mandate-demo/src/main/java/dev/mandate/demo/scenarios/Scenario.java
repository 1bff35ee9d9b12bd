package dev.mandate.demo.scenarios;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
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
   * @param templates constraints the authority's policy attaches to a grant template, by the
   *     template's grant (the orchestrator's own mint gets them; spec §5.3); empty for none
   * @param parameters the template parameters: name to {@code {"regex", "value"}}, the regex the
   *     policy checks and the value the orchestrator asks for; empty for none
   */
  @JsonIgnoreProperties({"description"})
  record Suite(
      String name,
      String owner,
      ObjectNode seed,
      List<UserTask> userTasks,
      List<InjectionTask> injectionTasks,
      Map<String, TemplateSpec> templates,
      Map<String, Parameter> parameters) {
    Suite {
      userTasks = List.copyOf(userTasks);
      injectionTasks = List.copyOf(injectionTasks);
      templates = templates == null ? Map.of() : Map.copyOf(templates);
      parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    }
  }

  /**
   * What a policy template carries besides its grant.
   *
   * @param arguments constraints in the {@code POINTER=KIND:VALUE} form, such as {@code
   *     /amount=range:0..{max}}
   * @param conditions CEL conditions
   */
  record TemplateSpec(List<String> arguments, List<String> conditions) {
    TemplateSpec {
      arguments = arguments == null ? List.of() : List.copyOf(arguments);
      conditions = conditions == null ? List.of() : List.copyOf(conditions);
    }
  }

  /**
   * A template parameter.
   *
   * @param regex what the policy accepts for it
   * @param value what the orchestrator's mint request gives
   */
  record Parameter(String regex, String value) {}

  /**
   * One grant of a capability, with argument constraints and conditions of its own that apply only
   * to the calls it matches (spec §5.3). In a suite file, a plain string is a grant without any.
   *
   * @param grant the {@code service:action:resource} pattern
   * @param args JSON Pointer to constraint, as in {@link CapabilitySpec#args()}
   * @param where CEL conditions over {@code args}
   */
  record GrantSpec(String grant, Map<String, JsonNode> args, List<String> where) {
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    GrantSpec(
        @JsonProperty("grant") String grant,
        @JsonProperty("args") Map<String, JsonNode> args,
        @JsonProperty("where") List<String> where) {
      this.grant = java.util.Objects.requireNonNull(grant, "grant");
      this.args = args == null ? Map.of() : Map.copyOf(args);
      this.where = where == null ? List.of() : List.copyOf(where);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static GrantSpec of(String grant) {
      return new GrantSpec(grant, null, null);
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
   * @param grants {@code service:action:resource} grants (the authority's policy must cover them),
   *     each perhaps with constraints of its own
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
      List<GrantSpec> grants,
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
