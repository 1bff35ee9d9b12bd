package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.ClientRecord;
import dev.mandate.authority.store.PersonRecord.Role;
import dev.mandate.config.Durations;
import dev.mandate.policy.ClientPolicy;
import dev.mandate.policy.Policy;
import dev.mandate.policy.PolicyException;
import dev.mandate.policy.PolicyTestReport;
import dev.mandate.policy.PolicyTestRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The clients and policy page ({@code /console/clients}), read-only: every client (registered, in
 * the policy, or both), what each may mint in plain language, and the policy's test cases run
 * against the policy in force. The policy stays code: it is changed in its file, not here.
 */
final class ClientsPage {
  static final String PATH = Console.ROOT + "/clients";

  private final AuthorityStore store;
  private final PolicyReloader policy;
  private final Path policyFile;
  private final Path testsFile;

  /** One template, in words: the tool, the service, the resources, and what else applies. */
  record Permission(
      String template, String tool, String service, String resources, List<String> notes) {}

  /** A client as the page shows it. */
  record Client(
      String id,
      String description,
      boolean registered,
      boolean disabled,
      boolean admin,
      boolean inPolicy,
      String role,
      List<Permission> permissions,
      List<String> rules) {}

  /** One test case's result. */
  record TestRow(String name, boolean passed, String message, String decision) {}

  /**
   * The policy's tests.
   *
   * @param file the tests file looked for
   * @param found whether it exists
   * @param error why it could not run, or null
   */
  record Tests(
      String file,
      boolean found,
      String error,
      long passed,
      int total,
      List<TestRow> results,
      List<String> notExercised) {}

  record Model(
      String policyFile, String digest, List<String> warnings, List<Client> clients, Tests tests) {}

  ClientsPage(AuthorityStore store, PolicyReloader policy, Path policyFile, Path testsFile) {
    this.store = store;
    this.policy = policy;
    this.policyFile = policyFile;
    this.testsFile = testsFile != null ? testsFile : testsBeside(policyFile);
  }

  List<ConsolePage> pages() {
    return List.of(ConsolePage.get(PATH, Role.OPERATOR, this::show));
  }

  /**
   * The tests file when none is configured: beside the policy, {@code policy} in its name replaced
   * by {@code tests} ({@code invoice-policy.yaml}: {@code invoice-tests.yaml}), else {@code
   * NAME-tests.yaml}.
   */
  static Path testsBeside(Path policyFile) {
    String name = policyFile.getFileName().toString();
    Path dir = policyFile.toAbsolutePath().getParent();
    if (name.contains("policy")) {
      return dir.resolve(name.replace("policy", "tests"));
    }
    int dot = name.lastIndexOf('.');
    return dir.resolve((dot > 0 ? name.substring(0, dot) : name) + "-tests.yaml");
  }

  private Reply show(ConsoleCall call) {
    Policy current = policy.current();
    TreeSet<String> ids = new TreeSet<>(current.clientIds());
    Map<String, ClientRecord> registered = new java.util.HashMap<>();
    for (ClientRecord r : store.clients()) {
      registered.put(r.clientId(), r);
      ids.add(r.clientId());
    }
    List<Client> clients = new ArrayList<>();
    for (String id : ids) {
      ClientRecord r = registered.get(id);
      Optional<ClientPolicy> p = current.client(id);
      clients.add(
          new Client(
              id,
              p.map(ClientPolicy::description).orElse(""),
              r != null,
              r != null && r.disabled(),
              (r != null && r.admin()) || p.map(ClientPolicy::admin).orElse(false),
              p.isPresent(),
              p.map(c -> c.role().key()).orElse(null),
              p.map(ClientsPage::permissions).orElse(List.of()),
              p.map(ClientsPage::rules).orElse(List.of())));
    }
    return call.page(
        "clients.jte",
        "Clients and policy",
        new Model(
            policyFile.toString(), current.digest(), current.warnings(), clients, tests(current)));
  }

  private Tests tests(Policy current) {
    String file = testsFile.toString();
    if (!Files.isRegularFile(testsFile)) {
      return new Tests(file, false, null, 0, 0, List.of(), List.of());
    }
    PolicyTestReport report;
    try {
      report = PolicyTestRunner.run(current, testsFile);
    } catch (PolicyException e) {
      return new Tests(file, true, e.getMessage(), 0, 0, List.of(), List.of());
    }
    List<TestRow> rows = new ArrayList<>();
    for (PolicyTestReport.Result r : report.results()) {
      rows.add(
          new TestRow(
              r.name(),
              r.passed(),
              r.message(),
              r.decision().allowed() ? "allowed" : "denied: " + r.decision().reason()));
    }
    List<String> missed = new ArrayList<>();
    for (PolicyTestReport.TemplateCoverage c : report.notExercised()) {
      missed.add(c.clientId() + ": " + c.template());
    }
    return new Tests(file, true, null, report.passed(), report.results().size(), rows, missed);
  }

  /** Each template of a client, in words. */
  static List<Permission> permissions(ClientPolicy p) {
    List<Permission> out = new ArrayList<>();
    for (String t : p.grants()) {
      String[] parts = t.split(":", 3);
      if (parts.length != 3) {
        out.add(new Permission(t, t, "", "", List.of()));
        continue;
      }
      List<String> notes = new ArrayList<>();
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(p.parameters()).entrySet()) {
        if (t.contains("{" + e.getKey() + "}")) {
          notes.add("{" + e.getKey() + "} is any value matching " + e.getValue());
        }
      }
      out.add(
          new Permission(
              t,
              words(parts[1], "any tool"),
              words(parts[0], "any service"),
              words(parts[2], "anything"),
              notes));
    }
    return out;
  }

  private static String words(String glob, String any) {
    return glob.equals("*") || glob.equals("**") ? any : glob;
  }

  /** The client's other rules, one sentence each. */
  static List<String> rules(ClientPolicy p) {
    List<String> out = new ArrayList<>();
    if (p.role() == ClientPolicy.Role.GATEWAY) {
      out.add("Is a gateway: may add decision records to the audit trail.");
    }
    if (p.maxTtl() != null) {
      out.add("Capabilities live at most " + Durations.format(p.maxTtl()) + ".");
    }
    if (p.maxUses() != null) {
      out.add("Each capability allows at most " + p.maxUses() + " calls.");
    }
    for (ClientPolicy.Requirement r : p.require()) {
      out.add(
          switch (r) {
            case HOLDER -> "Every capability must be bound to a holder key.";
            case AUDIENCE -> "Every capability must name its audience (gateway).";
            case MAX_USES -> "Every capability must cap its number of calls.";
          });
    }
    if (!p.audiences().isEmpty()) {
      out.add("Audiences allowed: " + String.join(", ", p.audiences()) + ".");
    }
    out.add("Holders may attenuate at most " + p.maxDepth() + " more times.");
    if (p.indirect()) {
      out.add("May mint indirect (switchable) capabilities.");
    }
    if (!p.approval().isEmpty()) {
      out.add(
          "Every call needs a person's approval from group "
              + String.join(" or ", p.approval())
              + ".");
    }
    if (!p.approves().isEmpty()) {
      out.add("May approve calls for group " + String.join(", ", p.approves()) + ".");
    }
    for (ClientPolicy.BudgetRule b : p.budgets()) {
      out.add("Service " + b.service() + " must carry a budget of at most " + b.maxText() + ".");
    }
    if (p.admin()) {
      out.add("May use the administrative endpoints.");
    }
    return out;
  }
}
