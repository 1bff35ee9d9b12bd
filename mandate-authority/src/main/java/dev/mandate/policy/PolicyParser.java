package dev.mandate.policy;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.mandate.caveat.Caveat;
import dev.mandate.config.Durations;
import dev.mandate.internal.Utf8;
import dev.mandate.policy.ClientPolicy.Requirement;
import dev.mandate.policy.ClientPolicy.Role;
import dev.mandate.policy.GrantTemplate.Parameter;
import dev.mandate.policy.YamlTree.Entry;
import dev.mandate.policy.YamlTree.MapNode;
import dev.mandate.policy.YamlTree.Node;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns policy text into a {@link Policy}, collecting every problem with its location. */
final class PolicyParser {
  static final int SUPPORTED_VERSION = 1;
  static final int DEFAULT_MAX_DEPTH = 2;
  static final int MAX_DEPTH_LIMIT = 31;
  static final int MAX_CLIENTS = 10_000;
  static final int MAX_TEMPLATES_PER_CLIENT = 256;
  static final int MAX_PARAMETERS_PER_CLIENT = 64;
  static final int MAX_AUDIENCES_PER_CLIENT = 256;
  static final int MAX_TEXT = 256;
  static final int MAX_APPROVER_GROUPS = 64;
  static final int MAX_APPROVAL_GROUPS = 16;
  static final Duration LONG_TTL = Duration.ofHours(24);

  private static final java.util.regex.Pattern CLIENT_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
  private static final java.util.regex.Pattern PARAMETER_NAME =
      java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
  // Every key the parser accepts; docs/config-reference.md and the policy schema are checked
  // against these (PolicyReferenceTest).
  static final Set<String> ROOT_KEYS = Set.of("version", "clients", "approvals");
  static final Set<String> APPROVALS_KEYS = Set.of("requestTtl", "groups");
  static final Set<String> APPROVAL_GROUP_KEYS = Set.of("required");
  static final Set<String> CLIENT_KEYS =
      Set.of(
          "description",
          "grants",
          "parameters",
          "maxTtl",
          "require",
          "audiences",
          "maxDepth",
          "maxUses",
          "indirect",
          "admin",
          "approves",
          "approval",
          "role",
          "budgets");
  static final Set<String> BUDGET_KEYS = Set.of("service", "max");
  private static final String[] SLASH_PROBES = {"/", "a/b", "2024/01"};

  private PolicyParser() {}

  /** The result of parsing: the policy (null if there were errors) and every finding. */
  record Parsed(Policy policy, Problems problems) {}

  /** Reads a file, refusing more than {@link YamlTree#MAX_BYTES} and invalid UTF-8. */
  static String read(Path file, Problems problems) {
    if (Files.isDirectory(file)) {
      problems.error(0, "", "it is a directory; name the file");
      return null;
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(YamlTree.MAX_BYTES + 1);
    } catch (java.nio.file.NoSuchFileException e) {
      problems.error(0, "", "the file does not exist");
      return null;
    } catch (java.nio.file.AccessDeniedException e) {
      problems.error(0, "", "cannot read the file: permission denied");
      return null;
    } catch (IOException e) {
      // The reason only: the exception's class name means nothing to the person reading this.
      String why =
          e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null
              ? fs.getReason()
              : e.getMessage();
      problems.error(0, "", "cannot read the file: " + (why == null ? "input/output error" : why));
      return null;
    }
    if (bytes.length > YamlTree.MAX_BYTES) {
      problems.error(
          0, "", "the file is larger than " + YamlTree.MAX_BYTES + " bytes (1 MiB); refusing it");
      return null;
    }
    String text = Utf8.strict(bytes);
    if (text == null) {
      problems.error(0, "", "the file is not valid UTF-8");
    }
    return text;
  }

  static String digest(String text) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return "sha256:"
          + HexFormat.of().formatHex(sha.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  static Parsed parse(String text, String source) {
    Problems problems = new Problems(source);
    if (text == null) {
      problems.error(0, "", "no policy text");
      return new Parsed(null, problems);
    }
    String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
    Node root = YamlTree.read(body, problems);
    if (root == null) {
      return new Parsed(null, problems);
    }
    NodeReader r = new NodeReader(problems);
    MapNode top = r.map(root, "");
    if (top == null) {
      return new Parsed(null, problems);
    }
    r.allowKeys(top, "", ROOT_KEYS);
    Node version = r.required(top, "version", "");
    if (version != null) {
      Integer v = r.integer(version, "version", 0, Integer.MAX_VALUE);
      if (v != null && v != SUPPORTED_VERSION) {
        problems.error(
            version.line(),
            "version",
            "version "
                + v
                + " is not supported; this authority reads version "
                + SUPPORTED_VERSION);
      }
    }
    Map<String, Policy.ClientRules> clients = new LinkedHashMap<>();
    Node clientsNode = r.required(top, "clients", "");
    MapNode clientsMap = clientsNode == null ? null : r.map(clientsNode, "clients");
    if (clientsMap != null) {
      if (clientsMap.entries().size() > MAX_CLIENTS) {
        problems.error(
            clientsMap.line(), "clients", "more than " + MAX_CLIENTS + " clients; split the file");
      } else {
        if (clientsMap.entries().isEmpty()) {
          problems.warning(clientsMap.line(), "clients", "no clients: nobody may mint anything");
        }
        for (Entry e : clientsMap.entries().values()) {
          Policy.ClientRules c = client(r, e);
          if (c != null) {
            clients.put(e.key(), c);
          }
        }
      }
    }
    ApprovalSettings approvals = approvals(r, top);
    if (problems.hasErrors()) {
      return new Parsed(null, problems);
    }
    warnUnapprovable(clientsMap, clients, problems);
    return new Parsed(
        new Policy(source, digest(text), clients, approvals, problems.warnings()), problems);
  }

  /** The optional {@code approvals} section ({@link ApprovalSettings}); defaults without it. */
  private static ApprovalSettings approvals(NodeReader r, MapNode top) {
    Node n = NodeReader.optional(top, "approvals");
    if (n == null) {
      return ApprovalSettings.DEFAULTS;
    }
    MapNode m = r.map(n, "approvals");
    if (m == null) {
      return ApprovalSettings.DEFAULTS;
    }
    r.allowKeys(m, "approvals", APPROVALS_KEYS);
    Duration ttl = ApprovalSettings.DEFAULT_REQUEST_TTL;
    Node t = NodeReader.optional(m, "requestTtl");
    if (t != null) {
      Duration d = r.duration(t, "approvals.requestTtl");
      if (d != null
          && (d.compareTo(ApprovalSettings.MIN_REQUEST_TTL) < 0
              || d.compareTo(ApprovalSettings.MAX_REQUEST_TTL) > 0)) {
        r.problems()
            .error(
                t.line(),
                "approvals.requestTtl",
                "a request waits 1m to 24h for an answer, got " + Durations.format(d));
      } else if (d != null) {
        ttl = d;
      }
    }
    Map<String, Integer> required = new LinkedHashMap<>();
    Node g = NodeReader.optional(m, "groups");
    MapNode groups = g == null ? null : r.map(g, "approvals.groups");
    if (groups != null) {
      if (groups.entries().size() > MAX_APPROVER_GROUPS * 4) {
        r.problems()
            .error(
                groups.line(),
                "approvals.groups",
                "more than " + MAX_APPROVER_GROUPS * 4 + " approver groups");
        return new ApprovalSettings(ttl, required);
      }
      for (Entry e : groups.entries().values()) {
        String path = NodeReader.child("approvals.groups", e.key());
        if (!Caveat.ApprovalRequired.GROUP.matcher(e.key()).matches()) {
          r.problems()
              .error(
                  e.line(),
                  path,
                  "'"
                      + (e.key().length() > 80 ? e.key().substring(0, 80) + "..." : e.key())
                      + "' is not an approver group: use 1 to 64 of a-z 0-9 . _ -, starting with"
                      + " a letter or digit");
          continue;
        }
        MapNode settings = r.map(e.value(), path);
        if (settings == null) {
          continue;
        }
        r.allowKeys(settings, path, APPROVAL_GROUP_KEYS);
        Node req = r.required(settings, "required", path);
        Integer count =
            req == null
                ? null
                : r.integer(
                    req, NodeReader.child(path, "required"), 1, ApprovalSettings.MAX_REQUIRED);
        if (count != null) {
          required.put(e.key(), count);
        }
      }
    }
    return new ApprovalSettings(ttl, required);
  }

  /** The keys of a grant template written as a mapping. */
  static final Set<String> TEMPLATE_KEYS = Set.of("grant", "arguments", "conditions");

  /** Most constraints and conditions one template carries. */
  static final int MAX_TEMPLATE_CONSTRAINTS = 16;

  /**
   * The {@code arguments} and {@code conditions} of a template written as a mapping, or null when
   * one is invalid (reported).
   */
  private static List<ConstraintTemplate> constraintTemplates(
      NodeReader r, MapNode m, String path, Map<String, GrantTemplate.Parameter> parameters) {
    List<ConstraintTemplate> out = new ArrayList<>();
    boolean ok = true;
    for (String key : List.of("arguments", "conditions")) {
      Node n = NodeReader.optional(m, key);
      String keyPath = NodeReader.child(path, key);
      List<String> texts = n == null ? List.of() : r.strings(n, keyPath);
      if (texts == null) {
        ok = false;
        continue;
      }
      for (int i = 0; i < texts.size(); i++) {
        String text = texts.get(i);
        try {
          out.add(
              key.equals("arguments")
                  ? ConstraintTemplate.argument(text, parameters)
                  : ConstraintTemplate.condition(text, parameters));
        } catch (IllegalArgumentException e) {
          r.problems()
              .error(
                  n.line(),
                  NodeReader.index(keyPath, i),
                  "'"
                      + text
                      + "' is not a valid "
                      + key.substring(0, key.length() - 1)
                      + ": "
                      + e.getMessage());
          ok = false;
        }
      }
    }
    if (out.size() > MAX_TEMPLATE_CONSTRAINTS) {
      r.problems()
          .error(
              m.line(),
              path,
              "more than "
                  + MAX_TEMPLATE_CONSTRAINTS
                  + " arguments and conditions on one template");
      ok = false;
    }
    return ok ? out : null;
  }

  private static Policy.ClientRules client(NodeReader r, Entry entry) {
    Problems problems = r.problems();
    String id = entry.key();
    String path = NodeReader.child("clients", id);
    int errorsBefore = problems.errors().size();
    if (!CLIENT_ID.matcher(id).matches()) {
      problems.error(
          entry.line(),
          path,
          "'"
              + id
              + "' is not a valid client id: use 1 to 128 letters, digits, '.', '_', '@' or '-',"
              + " starting with a letter or digit");
    }
    MapNode m = r.map(entry.value(), path);
    if (m == null) {
      return null;
    }
    r.allowKeys(m, path, CLIENT_KEYS);

    String description = "";
    Node n = NodeReader.optional(m, "description");
    if (n != null) {
      String d = r.string(n, NodeReader.child(path, "description"));
      description = d == null ? "" : d;
    }

    Map<String, Parameter> parameters = new LinkedHashMap<>();
    Map<String, Integer> parameterLines = new LinkedHashMap<>();
    Set<String> invalidParameters = new LinkedHashSet<>();
    n = NodeReader.optional(m, "parameters");
    if (n != null) {
      String pPath = NodeReader.child(path, "parameters");
      MapNode pm = r.map(n, pPath);
      if (pm != null) {
        if (pm.entries().size() > MAX_PARAMETERS_PER_CLIENT) {
          problems.error(
              pm.line(), pPath, "more than " + MAX_PARAMETERS_PER_CLIENT + " parameters");
        }
        for (Entry pe : pm.entries().values()) {
          Parameter p = parameter(r, pe, NodeReader.child(pPath, pe.key()));
          if (p != null) {
            parameters.put(p.name(), p);
            parameterLines.put(p.name(), pe.line());
          } else {
            invalidParameters.add(pe.key());
          }
        }
      }
    }

    List<String> grantTexts = new ArrayList<>();
    List<GrantTemplate> templates = new ArrayList<>();
    Set<String> usedParameters = new LinkedHashSet<>();
    n = NodeReader.optional(m, "grants");
    String gPath = NodeReader.child(path, "grants");
    if (n != null) {
      YamlTree.ListNode list = r.list(n, gPath);
      if (list != null) {
        if (list.items().size() > MAX_TEMPLATES_PER_CLIENT) {
          problems.error(
              list.line(), gPath, "more than " + MAX_TEMPLATES_PER_CLIENT + " grant templates");
        } else {
          for (int i = 0; i < list.items().size(); i++) {
            Node item = list.items().get(i);
            String itemPath = NodeReader.index(gPath, i);
            MapNode withConstraints = item instanceof MapNode im ? im : null;
            Node grantNode = item;
            if (withConstraints != null) {
              r.allowKeys(withConstraints, itemPath, TEMPLATE_KEYS);
              grantNode = r.required(withConstraints, "grant", itemPath);
              if (grantNode == null) {
                continue;
              }
              itemPath = NodeReader.child(itemPath, "grant");
            }
            String text = r.string(grantNode, itemPath);
            if (text == null) {
              continue;
            }
            try {
              GrantTemplate t = GrantTemplate.parse(text, parameters);
              if (withConstraints != null) {
                List<ConstraintTemplate> required =
                    constraintTemplates(r, withConstraints, NodeReader.index(gPath, i), parameters);
                if (required == null) {
                  continue;
                }
                required.forEach(c -> usedParameters.addAll(c.parameters()));
                t = t.withConstraints(required);
              }
              templates.add(t);
              grantTexts.add(text);
              usedParameters.addAll(t.parameters());
              if (t.allowsEverything()) {
                problems.warning(
                    item.line(),
                    itemPath,
                    "'" + text + "' lets client '" + id + "' mint access to everything");
              }
            } catch (GrantTemplate.UnknownParameter e) {
              // A parameter whose declaration is invalid was reported there; say it once.
              if (!invalidParameters.contains(e.parameter)) {
                problems.error(
                    item.line(),
                    itemPath,
                    "'" + text + "' is not a valid grant: " + e.getMessage());
              }
            } catch (IllegalArgumentException e) {
              problems.error(
                  item.line(), itemPath, "'" + text + "' is not a valid grant: " + e.getMessage());
            }
          }
        }
      }
    }
    for (Map.Entry<String, Integer> p : parameterLines.entrySet()) {
      if (!usedParameters.contains(p.getKey())) {
        problems.warning(
            p.getValue(),
            NodeReader.child(NodeReader.child(path, "parameters"), p.getKey()),
            "parameter '" + p.getKey() + "' is declared but no grant template uses it");
      }
    }

    Role role = Role.CLIENT;
    n = NodeReader.optional(m, "role");
    if (n != null) {
      String text = r.string(n, NodeReader.child(path, "role"));
      if (text != null) {
        role = Role.fromKey(text);
        if (role == null) {
          problems.error(
              n.line(),
              NodeReader.child(path, "role"),
              "unknown role '" + text + "'; allowed: client, gateway");
          role = Role.CLIENT;
        }
      }
    }

    Duration maxTtl = null;
    // A gateway that mints nothing needs no lifetime; every other client states one.
    boolean mintsNothing = role == Role.GATEWAY && NodeReader.optional(m, "grants") == null;
    n = mintsNothing ? NodeReader.optional(m, "maxTtl") : r.required(m, "maxTtl", path);
    if (mintsNothing && n == null) {
      maxTtl = Duration.ZERO;
    }
    if (n != null) {
      maxTtl = r.duration(n, NodeReader.child(path, "maxTtl"));
      if (maxTtl != null && maxTtl.compareTo(LONG_TTL) > 0) {
        problems.warning(
            n.line(),
            NodeReader.child(path, "maxTtl"),
            "maxTtl "
                + Durations.format(maxTtl)
                + " is over 24h; long-lived capabilities are harder to contain if stolen");
      }
    }

    Set<Requirement> require = EnumSet.noneOf(Requirement.class);
    n = NodeReader.optional(m, "require");
    if (n != null) {
      String rPath = NodeReader.child(path, "require");
      List<String> names = r.strings(n, rPath);
      if (names != null) {
        for (int i = 0; i < names.size(); i++) {
          Requirement req = Requirement.fromKey(names.get(i));
          if (req == null) {
            problems.error(
                n.line(),
                NodeReader.index(rPath, i),
                "unknown requirement '" + names.get(i) + "'; allowed: holder, audience, maxUses");
          } else {
            require.add(req);
          }
        }
      }
    }

    List<String> audiences = new ArrayList<>();
    n = NodeReader.optional(m, "audiences");
    if (n != null) {
      String aPath = NodeReader.child(path, "audiences");
      List<String> list = r.strings(n, aPath);
      if (list != null) {
        if (list.size() > MAX_AUDIENCES_PER_CLIENT) {
          problems.error(n.line(), aPath, "more than " + MAX_AUDIENCES_PER_CLIENT + " audiences");
        }
        for (int i = 0; i < list.size(); i++) {
          String a = list.get(i);
          if (a.isBlank() || a.length() > MAX_TEXT) {
            problems.error(
                n.line(), NodeReader.index(aPath, i), "an audience is 1 to " + MAX_TEXT + " chars");
          } else if (!audiences.contains(a)) {
            audiences.add(a);
          }
        }
        if (((YamlTree.ListNode) n).items().isEmpty()) {
          problems.error(
              n.line(), aPath, "an empty audiences list allows nothing; remove the key instead");
        }
      }
    }

    int maxDepth = DEFAULT_MAX_DEPTH;
    n = NodeReader.optional(m, "maxDepth");
    if (n != null) {
      Integer d = r.integer(n, NodeReader.child(path, "maxDepth"), 0, MAX_DEPTH_LIMIT);
      maxDepth = d == null ? DEFAULT_MAX_DEPTH : d;
    }
    Integer maxUses = null;
    n = NodeReader.optional(m, "maxUses");
    if (n != null) {
      maxUses = r.integer(n, NodeReader.child(path, "maxUses"), 1, Integer.MAX_VALUE);
    }
    boolean indirect = r.flag(m, "indirect", path);
    boolean admin = r.flag(m, "admin", path);
    List<String> approves = groups(r, m, "approves", path, MAX_APPROVER_GROUPS);
    List<String> approval = groups(r, m, "approval", path, MAX_APPROVAL_GROUPS);
    List<ClientPolicy.BudgetRule> budgets = budgets(r, m, path, problems);

    if (templates.isEmpty()
        && !admin
        && approves.isEmpty()
        && role != Role.GATEWAY
        && problems.errors().size() == errorsBefore) {
      problems.warning(m.line(), path, "client '" + id + "' has no grants and can mint nothing");
    }
    if (role == Role.GATEWAY && (!templates.isEmpty() || admin || !approves.isEmpty())) {
      problems.warning(
          m.line(),
          path,
          "client '"
              + id
              + "' is a gateway and may also mint, approve or administer; its credential sits on"
              + " the gateway's host, so give those rights to another client");
    }
    if (!templates.isEmpty() && !require.contains(Requirement.HOLDER)) {
      problems.warning(
          m.line(),
          path,
          "client '"
              + id
              + "' may mint bearer tokens (no 'holder' in require); a stolen bearer token works"
              + " for anyone until it expires");
    }
    if (!templates.isEmpty() && audiences.isEmpty() && !require.contains(Requirement.AUDIENCE)) {
      problems.warning(
          m.line(),
          path,
          "client '"
              + id
              + "' may mint tokens without an audience, which every gateway accepts; add"
              + " 'audience' to require or list audiences");
    }
    if (problems.errors().size() != errorsBefore || maxTtl == null) {
      return null;
    }
    ClientPolicy policy =
        new ClientPolicy(
            id,
            description,
            grantTexts,
            regexSources(parameters),
            maxTtl,
            require,
            audiences,
            maxDepth,
            maxUses,
            indirect,
            admin,
            approves,
            approval,
            role,
            budgets);
    return new Policy.ClientRules(policy, List.copyOf(templates), Map.copyOf(parameters));
  }

  /** Whether a service name is one literal name: no glob syntax, no colon, slash or space. */
  private static boolean literalService(String name) {
    if (name.isEmpty() || name.length() > 128) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c == 0x7f || "*?{},\\:/".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }

  /** The optional {@code budgets} list: {@code {service: NAME, max: "sum(/amount)<=5000"}} each. */
  private static List<ClientPolicy.BudgetRule> budgets(
      NodeReader r, MapNode m, String path, Problems problems) {
    Node n = NodeReader.optional(m, "budgets");
    if (n == null) {
      return List.of();
    }
    String bPath = NodeReader.child(path, "budgets");
    YamlTree.ListNode list = r.list(n, bPath);
    if (list == null) {
      return List.of();
    }
    List<ClientPolicy.BudgetRule> out = new java.util.ArrayList<>();
    for (NodeReader.Item item : r.maps(list, bPath, BUDGET_KEYS)) {
      String serviceName = r.requiredString(item.map(), "service", item.path());
      String maxText = r.requiredString(item.map(), "max", item.path());
      if (serviceName == null || maxText == null) {
        continue;
      }
      if (!literalService(serviceName)) {
        problems.error(
            NodeReader.optional(item.map(), "service").line(),
            NodeReader.child(item.path(), "service"),
            "a budget names one service, literally (no glob), got '" + serviceName + "'");
        continue;
      }
      try {
        out.add(
            new ClientPolicy.BudgetRule(
                serviceName, dev.mandate.caveat.Caveat.Budget.parse(maxText)));
      } catch (IllegalArgumentException e) {
        problems.error(
            NodeReader.optional(item.map(), "max").line(),
            NodeReader.child(item.path(), "max"),
            e.getMessage());
      }
    }
    return out;
  }

  /**
   * An optional list of approver group names under {@code key}: each matching {@link
   * dev.mandate.caveat.Caveat.ApprovalRequired#GROUP}, 1 to {@code max} of them, duplicates
   * dropped.
   */
  private static List<String> groups(NodeReader r, MapNode m, String key, String path, int max) {
    Node n = NodeReader.optional(m, key);
    if (n == null) {
      return List.of();
    }
    String gPath = NodeReader.child(path, key);
    List<String> names = r.strings(n, gPath);
    if (names == null) {
      return List.of();
    }
    Problems problems = r.problems();
    if (((YamlTree.ListNode) n).items().isEmpty()) {
      problems.error(
          n.line(), gPath, "an empty " + key + " list means nothing; remove the key instead");
    }
    if (names.size() > max) {
      problems.error(n.line(), gPath, "more than " + max + " approver groups");
      return List.of();
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String g = names.get(i);
      if (!Caveat.ApprovalRequired.GROUP.matcher(g).matches()) {
        problems.error(
            n.line(),
            NodeReader.index(gPath, i),
            "'"
                + (g.length() > 80 ? g.substring(0, 80) + "..." : g)
                + "' is not an approver group: use 1 to 64 of a-z 0-9 . _ -, starting with a"
                + " letter or digit");
      } else {
        out.add(g);
      }
    }
    return List.copyOf(out);
  }

  /**
   * Warns about approval groups no client may approve for: every call of such a capability would be
   * refused.
   */
  private static void warnUnapprovable(
      MapNode clientsMap, Map<String, Policy.ClientRules> clients, Problems problems) {
    Set<String> approvable = new LinkedHashSet<>();
    clients.values().forEach(c -> approvable.addAll(c.policy().approves()));
    for (Policy.ClientRules c : clients.values()) {
      for (String group : c.policy().approval()) {
        if (!approvable.contains(group)) {
          String path = NodeReader.child(NodeReader.child("clients", c.policy().id()), "approval");
          Node n =
              NodeReader.optional(
                  (MapNode) clientsMap.entries().get(c.policy().id()).value(), "approval");
          problems.warning(
              n.line(),
              path,
              "no client approves for group '"
                  + group
                  + "' (approves), so calls needing its approval will always be refused");
        }
      }
    }
  }

  private static Parameter parameter(NodeReader r, Entry pe, String path) {
    Problems problems = r.problems();
    String name = pe.key();
    if (!PARAMETER_NAME.matcher(name).matches()) {
      problems.error(
          pe.line(),
          path,
          "'"
              + name
              + "' is not a valid parameter name: use letters, digits and '_', not starting"
              + " with a digit");
      return null;
    }
    String regex = r.string(pe.value(), path);
    if (regex == null) {
      return null;
    }
    Pattern pattern;
    try {
      if (regex.isEmpty() || regex.length() > 1024) {
        throw new IllegalArgumentException("a parameter regex is 1 to 1024 chars");
      }
      pattern = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      problems.error(
          pe.value().line(),
          path,
          "'" + regex + "' is not a valid RE2 regular expression: " + e.getDescription());
      return null;
    } catch (IllegalArgumentException e) {
      problems.error(pe.value().line(), path, e.getMessage());
      return null;
    }
    for (String probe : SLASH_PROBES) {
      if (pattern.matches(probe)) {
        problems.warning(
            pe.value().line(),
            path,
            "the regex '"
                + regex
                + "' accepts values with '/' (such as '"
                + probe
                + "'), which are always refused: a parameter value is one path segment;"
                + " narrow it, e.g. [A-Za-z0-9_-]+");
        break;
      }
    }
    return new Parameter(name, regex, pattern);
  }

  private static Map<String, String> regexSources(Map<String, Parameter> parameters) {
    Map<String, String> out = new LinkedHashMap<>();
    parameters.forEach((k, v) -> out.put(k, v.regex()));
    return out;
  }
}
