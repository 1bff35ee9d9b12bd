package dev.mandate.policy;

import dev.mandate.policy.YamlTree.ListNode;
import dev.mandate.policy.YamlTree.MapNode;
import dev.mandate.policy.YamlTree.Node;
import dev.mandate.token.Grant;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs policy test cases, the way {@code opa test} runs Rego tests, for {@code mandate policy test
 * POLICY TESTS}. The tests file is YAML:
 *
 * <pre>{@code
 * tests:
 *   - name: invoice agent may read 2024 invoices          # required, shown in the report
 *     request:                                             # a MintRequest
 *       client: invoice-agent                              # required
 *       grants: ["fs:read_text_file:/data/invoices/2024/**"]  # required
 *       ttl: 15m                                           # optional (default: the client's maxTtl)
 *       holder: true                                       # optional, default false
 *       audience: gateway-1                                # optional
 *       maxUses: 10                                        # optional
 *       maxDepth: 1                                        # optional
 *       indirect: false                                    # optional, default false
 *       requireApproval: [finance]                         # optional approver groups
 *       constrainedGrants:                                 # optional: grants with constraints
 *         - grant: "bank:send_money:*"                     #   of their own, as in the mint API
 *           arguments: ["/amount=range:0..100"]
 *           conditions: ["args.subject != ''"]
 *       parameters: {max: "500"}                           # optional template parameter values
 *       arguments: ["/to=glob:*@example.com"]              # optional, on every call
 *       conditions: ["size(args.body) < 10000"]            # optional, on every call
 *     expect: allow                                        # required: allow or deny
 *     reason: "not normalised"   # optional: a substring the decision's reason must contain
 *     minted:                    # optional (allow only): the grants the authority would mint,
 *       - grant: "bank:send_money:*"                       #   in order, each with exactly these
 *         arguments: ["/amount=range:0..100", "/amount=range:0..500"]   # constraints in any
 *         conditions: ["args.subject != ''"]               #   order (the request's and its
 *                                                          #   template's)
 * }</pre>
 *
 * <p>The file is read as strictly as a policy: unknown keys and wrong types are errors; constraints
 * use the mint API's {@code POINTER=KIND:VALUE} form and are checked as it checks them. Call-wide
 * {@code arguments} and {@code conditions} are checked but do not change the decision: the policy
 * never judges what only narrows a capability, and the authority adds them as asked.
 */
public final class PolicyTestRunner {
  /** Most test cases in one file. */
  public static final int MAX_TESTS = 10_000;

  private static final Set<String> ROOT_KEYS = Set.of("tests");
  private static final Set<String> TEST_KEYS =
      Set.of("name", "request", "expect", "reason", "minted");
  private static final Set<String> GRANT_KEYS = Set.of("grant", "arguments", "conditions");
  private static final Set<String> REQUEST_KEYS =
      Set.of(
          "client",
          "grants",
          "ttl",
          "holder",
          "audience",
          "maxUses",
          "maxDepth",
          "indirect",
          "requireApproval",
          "constrainedGrants",
          "parameters",
          "arguments",
          "conditions");

  private PolicyTestRunner() {}

  /**
   * Reads a tests file and runs every case against the policy.
   *
   * @param policy the policy under test
   * @param testsFile the YAML tests file (at most 1 MiB)
   * @return one result per case
   * @throws PolicyException if the tests file cannot be read or is malformed; the message lists
   *     every problem with its location
   */
  public static PolicyTestReport run(Policy policy, Path testsFile) {
    Problems problems = new Problems(testsFile.toString());
    String text = PolicyParser.read(testsFile, problems);
    problems.throwIfErrors();
    return run(policy, text, testsFile.toString());
  }

  /**
   * Runs the cases in tests text against the policy.
   *
   * @param policy the policy under test
   * @param yaml the tests, in the format documented on this class
   * @param sourceName the name used in problem locations
   * @return one result per case
   * @throws PolicyException if the tests text is malformed
   */
  public static PolicyTestReport run(Policy policy, String yaml, String sourceName) {
    Problems problems = new Problems(sourceName);
    List<Case> cases = parse(yaml, problems);
    problems.throwIfErrors();
    List<PolicyTestReport.Result> results = new ArrayList<>(cases.size());
    Map<String, int[]> exercised = new LinkedHashMap<>();
    for (String clientId : policy.clientIds()) {
      exercised.put(clientId, new int[policy.client(clientId).orElseThrow().grants().size()]);
    }
    for (Case c : cases) {
      PolicyDecision d = policy.evaluate(c.request());
      if (d.allowed()) {
        // Each template counts once per test, however many of the test's grants it covered.
        Set<Integer> used = new HashSet<>();
        for (Grant g : d.grants()) {
          int t = policy.coveringTemplate(d.clientId(), g);
          if (t >= 0 && used.add(t)) {
            exercised.get(d.clientId())[t]++;
          }
        }
      }
      String got = d.allowed() ? "allow" : "deny";
      String message = "";
      if (d.allowed() != c.allow()) {
        message =
            "expected " + (c.allow() ? "allow" : "deny") + ", got " + got + " (" + d.reason() + ")";
      } else if (c.minted() != null && d.allowed() && !sameGrants(c.minted(), d.grants())) {
        message =
            "expected the grants minted to be "
                + describe(c.minted())
                + ", got "
                + describe(d.grants());
      } else if (c.reason() != null && !d.reason().contains(c.reason())) {
        message =
            "expected "
                + got
                + " with a reason containing '"
                + c.reason()
                + "', got: "
                + d.reason();
      }
      results.add(new PolicyTestReport.Result(c.name(), message.isEmpty(), message, d));
    }
    List<PolicyTestReport.TemplateCoverage> coverage = new ArrayList<>();
    exercised.forEach(
        (clientId, counts) -> {
          List<String> templates = policy.client(clientId).orElseThrow().grants();
          for (int i = 0; i < counts.length; i++) {
            coverage.add(
                new PolicyTestReport.TemplateCoverage(clientId, templates.get(i), counts[i]));
          }
        });
    return new PolicyTestReport(results, coverage);
  }

  private record Case(
      String name, MintRequest request, boolean allow, String reason, List<Grant> minted) {}

  /**
   * Whether two lists name the same grants in the same order, each with the same constraints and
   * conditions in any order (they all must hold, so their order means nothing).
   */
  private static boolean sameGrants(List<Grant> expected, List<Grant> actual) {
    if (expected.size() != actual.size()) {
      return false;
    }
    for (int i = 0; i < expected.size(); i++) {
      Grant e = expected.get(i);
      Grant a = actual.get(i);
      if (!e.withoutCaveats().equals(a.withoutCaveats())
          || !sorted(e.caveats()).equals(sorted(a.caveats()))) {
        return false;
      }
    }
    return true;
  }

  private static List<String> sorted(List<dev.mandate.caveat.Caveat> caveats) {
    List<String> out = new ArrayList<>();
    for (dev.mandate.caveat.Caveat c : caveats) {
      out.add(caveatText(c));
    }
    out.sort(null);
    return out;
  }

  private static String caveatText(dev.mandate.caveat.Caveat c) {
    return c instanceof dev.mandate.caveat.Caveat.Argument a
        ? "argument " + a.text()
        : "condition " + ((dev.mandate.caveat.Caveat.Condition) c).expression();
  }

  /** Grants with their own constraints and conditions, for a failing case's message. */
  private static String describe(List<Grant> grants) {
    List<String> out = new ArrayList<>(grants.size());
    for (Grant g : grants) {
      StringBuilder b = new StringBuilder(g.toString());
      for (dev.mandate.caveat.Caveat c : g.caveats()) {
        b.append(" [")
            .append(
                c instanceof dev.mandate.caveat.Caveat.Argument a
                    ? a.text()
                    : ((dev.mandate.caveat.Caveat.Condition) c).expression())
            .append(']');
      }
      out.add(b.toString());
    }
    return out.toString();
  }

  private static List<Case> parse(String yaml, Problems problems) {
    List<Case> cases = new ArrayList<>();
    Node root = YamlTree.read(yaml == null ? "" : yaml, problems);
    if (root == null) {
      return cases;
    }
    NodeReader r = new NodeReader(problems);
    MapNode top = r.map(root, "");
    if (top == null) {
      return cases;
    }
    r.allowKeys(top, "", ROOT_KEYS);
    Node testsNode = r.required(top, "tests", "");
    ListNode tests = testsNode == null ? null : r.list(testsNode, "tests");
    if (tests == null) {
      return cases;
    }
    if (tests.items().isEmpty()) {
      problems.error(tests.line(), "tests", "there are no tests");
    }
    if (tests.items().size() > MAX_TESTS) {
      problems.error(tests.line(), "tests", "more than " + MAX_TESTS + " tests; split the file");
      return cases;
    }
    for (int i = 0; i < tests.items().size(); i++) {
      String path = NodeReader.index("tests", i);
      MapNode t = r.map(tests.items().get(i), path);
      if (t == null) {
        continue;
      }
      r.allowKeys(t, path, TEST_KEYS);
      Node n = r.required(t, "name", path);
      String name = n == null ? null : r.string(n, NodeReader.child(path, "name"));
      n = r.required(t, "expect", path);
      String expect = n == null ? null : r.string(n, NodeReader.child(path, "expect"));
      if (expect != null && !expect.equals("allow") && !expect.equals("deny")) {
        problems.error(
            n.line(),
            NodeReader.child(path, "expect"),
            "expected allow or deny, got '" + expect + "'");
        expect = null;
      }
      String reason = null;
      n = NodeReader.optional(t, "reason");
      if (n != null) {
        reason = r.string(n, NodeReader.child(path, "reason"));
      }
      n = r.required(t, "request", path);
      MintRequest request = n == null ? null : request(r, n, NodeReader.child(path, "request"));
      List<Grant> minted = null;
      n = NodeReader.optional(t, "minted");
      if (n != null) {
        int before = r.problems().errors().size();
        minted = constrainedGrants(r, n, NodeReader.child(path, "minted"));
        if ("deny".equals(expect)) {
          problems.error(n.line(), NodeReader.child(path, "minted"), "only an allowed case mints");
        }
        if (r.problems().errors().size() != before) {
          minted = null;
        }
      }
      if (name != null && expect != null && request != null) {
        cases.add(new Case(name, request, expect.equals("allow"), reason, minted));
      }
    }
    return cases;
  }

  private static MintRequest request(NodeReader r, Node node, String path) {
    int errorsBefore = r.problems().errors().size();
    MapNode m = r.map(node, path);
    if (m == null) {
      return null;
    }
    r.allowKeys(m, path, REQUEST_KEYS);
    Node n = r.required(m, "client", path);
    String client = n == null ? null : r.string(n, NodeReader.child(path, "client"));
    n = r.required(m, "grants", path);
    List<String> grants = n == null ? null : r.strings(n, NodeReader.child(path, "grants"));
    Duration ttl = null;
    n = NodeReader.optional(m, "ttl");
    if (n != null) {
      ttl = r.duration(n, NodeReader.child(path, "ttl"));
    }
    boolean holder = r.flag(m, "holder", path);
    String audience = null;
    n = NodeReader.optional(m, "audience");
    if (n != null) {
      audience = r.string(n, NodeReader.child(path, "audience"));
    }
    Integer maxUses = null;
    n = NodeReader.optional(m, "maxUses");
    if (n != null) {
      maxUses =
          r.integer(n, NodeReader.child(path, "maxUses"), Integer.MIN_VALUE, Integer.MAX_VALUE);
    }
    Integer maxDepth = null;
    n = NodeReader.optional(m, "maxDepth");
    if (n != null) {
      maxDepth =
          r.integer(n, NodeReader.child(path, "maxDepth"), Integer.MIN_VALUE, Integer.MAX_VALUE);
    }
    boolean indirect = r.flag(m, "indirect", path);
    List<String> requireApproval = null;
    n = NodeReader.optional(m, "requireApproval");
    if (n != null) {
      requireApproval = r.strings(n, NodeReader.child(path, "requireApproval"));
    }
    List<List<dev.mandate.caveat.Caveat>> grantCaveats = new ArrayList<>();
    if (grants != null) {
      grants = new ArrayList<>(grants);
      grants.forEach(g -> grantCaveats.add(List.of()));
      n = NodeReader.optional(m, "constrainedGrants");
      if (n != null) {
        List<Grant> constrained =
            constrainedGrants(r, n, NodeReader.child(path, "constrainedGrants"));
        for (Grant g : constrained == null ? List.<Grant>of() : constrained) {
          grants.add(g.withoutCaveats().toString());
          grantCaveats.add(g.caveats());
        }
      }
    }
    Map<String, String> parameters = null;
    n = NodeReader.optional(m, "parameters");
    if (n != null) {
      parameters = stringMap(r, n, NodeReader.child(path, "parameters"));
    }
    // Checked like the mint API checks them; the policy's decision does not depend on them.
    for (String key : List.of("arguments", "conditions")) {
      n = NodeReader.optional(m, key);
      if (n != null) {
        withCaveats(r, new Grant("any", "any", "*"), n, key, NodeReader.child(path, key));
      }
    }
    if (r.problems().errors().size() != errorsBefore) {
      return null;
    }
    return new MintRequest(
        client,
        grants,
        ttl,
        holder,
        audience,
        maxUses,
        maxDepth,
        indirect,
        requireApproval,
        grantCaveats,
        parameters,
        null);
  }

  /** A list of {@code {grant, arguments, conditions}} as grants carrying those caveats. */
  private static List<Grant> constrainedGrants(NodeReader r, Node node, String path) {
    ListNode list = r.list(node, path);
    if (list == null) {
      return null;
    }
    List<Grant> out = new ArrayList<>();
    for (NodeReader.Item g : r.maps(list, path, GRANT_KEYS)) {
      String text = r.requiredString(g.map(), "grant", g.path());
      if (text == null) {
        continue;
      }
      Grant grant;
      try {
        grant = Grant.parse(text);
      } catch (IllegalArgumentException e) {
        r.problems()
            .error(
                NodeReader.optional(g.map(), "grant").line(),
                NodeReader.child(g.path(), "grant"),
                e.getMessage());
        continue;
      }
      for (String key : List.of("arguments", "conditions")) {
        Node n = NodeReader.optional(g.map(), key);
        if (n != null && grant != null) {
          grant = withCaveats(r, grant, n, key, NodeReader.child(g.path(), key));
        }
      }
      if (grant != null) {
        out.add(grant);
      }
    }
    return out;
  }

  /**
   * The grant with the constraints ({@code key} arguments) or conditions listed at {@code node}
   * added; null (with the problems reported) if one is malformed.
   */
  private static Grant withCaveats(NodeReader r, Grant grant, Node node, String key, String path) {
    List<String> texts = r.strings(node, path);
    if (texts == null) {
      return null;
    }
    Grant out = grant;
    for (int i = 0; i < texts.size(); i++) {
      try {
        out =
            key.equals("arguments")
                ? out.with(dev.mandate.caveat.Caveat.Argument.parse(texts.get(i)))
                : out.where(texts.get(i));
      } catch (IllegalArgumentException e) {
        r.problems().error(node.line(), NodeReader.index(path, i), e.getMessage());
        out = null;
        break;
      }
    }
    return out;
  }

  /** A map of names to strings. */
  private static Map<String, String> stringMap(NodeReader r, Node node, String path) {
    MapNode m = r.map(node, path);
    if (m == null) {
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (YamlTree.Entry e : m.entries().values()) {
      String value = r.string(e.value(), NodeReader.child(path, e.key()));
      if (value != null) {
        out.put(e.key(), value);
      }
    }
    return out;
  }
}
