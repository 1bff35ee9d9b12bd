package dev.mandate.policy;

import dev.mandate.caveat.Caveat;
import dev.mandate.config.Durations;
import dev.mandate.internal.match.ResourcePaths;
import dev.mandate.policy.ClientPolicy.Requirement;
import dev.mandate.policy.GrantTemplate.Coverage;
import dev.mandate.policy.GrantTemplate.Parameter;
import dev.mandate.token.Grant;
import dev.mandate.token.Limits;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Policy-as-code: which client may mint which grants, for how long and with which caveats. A policy
 * is immutable and thread-safe; {@link PolicyHolder} swaps in a new one when the file changes.
 *
 * <h2>The file</h2>
 *
 * <pre>{@code
 * version: 1                       # required; the only version there is
 * clients:                         # required; client id -> rules
 *   invoice-agent:                 # id: 1-128 of A-Z a-z 0-9 . _ @ -, starting alphanumeric
 *     description: Summarises invoices              # optional, for people
 *     grants:                      # templates; {name} is a parameter
 *       - "fs:read_text_file:/data/invoices/{year}/**"
 *       - "fs:list_directory:/data/invoices/{year}"
 *       - grant: "bank:send_money:*"                # a template with constraints of its own:
 *         arguments: ["/amount=range:0..{max}"]     #   every grant minted under it carries them
 *         conditions: ["args.currency == 'EUR'"]    #   (spec 5.3), parameters and all
 *     parameters:                  # name -> RE2 regex a value must fully match
 *       year: "20[0-9]{2}"
 *       max: "[0-9]{1,4}"
 *     maxTtl: 1h                   # required: 30s, 15m, 1h30m, 7d (1s to 366d)
 *     require: [holder, audience]  # caveats a mint request must include: holder, audience, maxUses
 *     audiences: [gateway-1]       # optional; if present the request must name one of these
 *     maxDepth: 2                  # optional, 0-31, default 2: further attenuation blocks allowed
 *     maxUses: 1000                # optional cap on the token's uses
 *     indirect: false              # optional, default false: may mint indirect capabilities
 *     admin: false                 # optional, default false: may use administrative endpoints
 *     approval: [finance]          # optional: every capability it mints needs each call approved
 *                                  #   by one of these approver groups (1-16)
 *   finance-desk:
 *     approves: [finance]          # optional: the approver groups it may approve calls for
 *     maxTtl: 1h
 *   gateway-1:
 *     role: gateway                # optional, default client: only a gateway may add decision
 *                                  #   records to the audit trail; maxTtl is then optional
 * approvals:                       # optional (ApprovalSettings)
 *   requestTtl: 15m                # optional, 1m to 24h: how long an approval request waits
 *   groups:
 *     finance: {required: 2}       # M of N: distinct approvers of the group who must approve
 * }</pre>
 *
 * <p>An approver group name is 1 to 64 of a-z 0-9 . _ - starting with a letter or digit. A client
 * that {@code approves} for a group may ask the authority for an approval of one call ({@code POST
 * /v1/approvals}) of any capability whose approval caveat names that group, except a capability it
 * minted itself. A policy that forces {@code approval} by a group no client {@code approves} gets a
 * warning: every call of such a capability would be refused.
 *
 * <p>Parsing is strict, because a typo must never silently weaken a policy: unknown keys, wrong
 * types, duplicate keys, unknown or unused parameters (a warning), invalid templates or regexes,
 * several YAML documents, anchors, aliases and tags are all reported, every one with its location.
 * Files over 1 MiB are refused.
 *
 * <p>A <b>template</b> is a grant, {@code service:action:resource}, with globs as in {@link Grant},
 * in which {@code {name}} (an identifier alone in braces) refers to a declared parameter; braces
 * with a comma, {@code {a,b}}, are glob alternatives, and a parameter may not appear inside them.
 * Every parameter used must be declared and every declared parameter should be used.
 *
 * <h3>Templates that carry constraints</h3>
 *
 * <p>A template written as a mapping carries argument constraints ({@code POINTER=KIND:VALUE}, as
 * {@code mandate mint --arg} takes them) and CEL conditions, at most {@value
 * PolicyParser#MAX_TEMPLATE_CONSTRAINTS} in all, which may use parameters too. Every grant minted
 * under such a template carries them as its own caveats (spec 5.3), added by the authority whether
 * the request asked for them or not, so they are both fixed and required. A parameter of a
 * constraint takes the value the grant's pattern binds it to, or else the value the mint request
 * gives in {@code parameters} (which must then be given); each value must fully match the
 * parameter's regex and consist of letters, digits and {@code . _ @ + -} only, so that it can never
 * change the structure of the constraint (in a condition, it becomes an integer or a string
 * literal). Caveats the request asks for on a grant are kept as well: they only narrow. When a
 * grant is covered alternative by alternative by templates that carry constraints, each alternative
 * is minted as a grant of its own with its template's constraints. So a minted grant is never wider
 * than the instantiation of the template that covers it, constraints included.
 *
 * <h2>Deciding a mint request</h2>
 *
 * <p>{@link #evaluate(MintRequest)} never throws on bad input; it checks, in this order, and denies
 * on the first failure: the client is in the policy; there are 1 to 64 grants; the ttl is positive
 * and at most {@code maxTtl} (a ttl above it is refused, not capped; a missing ttl means {@code
 * maxTtl}); {@code holder}, {@code audience} and {@code maxUses} are present when required; the
 * audience is one of {@code audiences} when that list is present (then an audience is needed even
 * if not in {@code require}); {@code maxUses} is at most the cap (a missing value gets the cap);
 * the requested {@code maxDepth} is at most the policy's (a missing value gets the policy's);
 * {@code indirect} is allowed; the requested approver groups ({@code requireApproval}), if any, are
 * 1 to 16 valid group names and, when the policy forces {@code approval}, each is one of its groups
 * (no request means the policy's groups); and every grant is covered by a template. An allowed
 * request with approver groups gets one approval caveat naming them.
 *
 * <h2>Coverage: the rule that keeps minting sound</h2>
 *
 * <p>A requested grant may be minted only if it allows nothing beyond what the client's templates
 * allow. First the requested grant must be valid (see {@link Grant#parse}), at most 1024 chars, and
 * its resource, if it starts with '/', must be a normalised path as {@link ResourcePaths#normalise}
 * defines it (no {@code .} or {@code ..} segments, no {@code //}, no trailing '/', no encoded
 * separators, no backslash); other resources may not contain {@code .} or {@code ..} segments
 * either. Then it is covered by a template when there is one binding σ of the template's parameters
 * such that, for each part (service, action, resource), every string the requested part P matches
 * is matched by T[σ], the template part T with each {@code {name}} textually replaced by σ(name):
 * matches(P) ⊆ matches(T[σ]), as sets of strings, with the glob meaning of {@link Grant} ({@code
 * ?}, {@code *}, {@code **}, nested {@code {a,b}} alternatives and {@code \} escapes included). So
 * {@code banking:send_money:{A,B}}, {@code banking:send_*:acct-?} and {@code fs:read:/data/a\*b}
 * are all covered by {@code banking:*:**} or {@code fs:read:/data/**}. The inclusion is decided
 * exactly, on finite automata over code points ({@link GlobLanguage}), within work bounds; a
 * question beyond them is refused. Textual equality, a literal the template's glob matches, and
 * {@code L/**} below a template {@code G/**} are fast cases of the same rule.
 *
 * <p>A grant with brace alternatives that no template covers under one binding is spelled out into
 * its alternatives ({@code fs:{read,list}:/a/{b,c}} is four grants, at most {@value
 * #MAX_ALTERNATIVES}), and it is covered when each of them is, perhaps by different templates or
 * bindings: the grant matches exactly the union of what its alternatives match. So {@code
 * chat:read:{general,random}} is covered by {@code chat:read:{channel}}.
 *
 * <p>Every value in σ must be non-empty, at most 256 chars, fully match its parameter's regex, and
 * contain no '/' and no control character, and not be {@code .} or {@code ..}. A parameter stands
 * for literal text within one path segment: T[σ] escapes each glob character of a value ({@link
 * Grant#escape}), so {@code {year}} can never become the wildcard {@code *} (only, if its regex
 * allows, a literal '*', as asked for with {@link Grant#literal}) nor {@code 2024/../2023}. Then
 * matches(T[σ]) is something the policy allows, hence so is the grant. Everything else is refused.
 *
 * <p>Parameter bindings are proposed by regex matching against the requested text and against a
 * shortest string it matches, and then verified by the inclusion above, so the proposal step can
 * only cause a refusal, never an allowance. When a split of that text into values is ambiguous (two
 * adjacent parameters, or a loose regex next to a glob) the first found is used, which may refuse a
 * grant another split would allow.
 */
public final class Policy {
  /** Longest accepted policy file, in bytes. */
  public static final int MAX_FILE_BYTES = YamlTree.MAX_BYTES;

  /** Most grants one mint request may ask for (the token format's per-block limit). */
  public static final int MAX_GRANTS_PER_REQUEST = Limits.DEFAULTS.maxGrantsPerBlock();

  /** Default {@code maxDepth} when a client entry omits it. */
  public static final int DEFAULT_MAX_DEPTH = PolicyParser.DEFAULT_MAX_DEPTH;

  private static final String STARTER = "starter-policy.yaml";

  /** A client's rules with its compiled templates. */
  record ClientRules(
      ClientPolicy policy, List<GrantTemplate> templates, Map<String, Parameter> parameters) {}

  private final String source;
  private final String digest;
  private final Map<String, ClientRules> clients;
  private final ApprovalSettings approvals;
  private final List<String> warnings;

  Policy(
      String source,
      String digest,
      Map<String, ClientRules> clients,
      ApprovalSettings approvals,
      List<String> warnings) {
    this.source = source;
    this.digest = digest;
    this.clients = Collections.unmodifiableMap(new LinkedHashMap<>(clients));
    this.approvals = approvals;
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Reads and parses a policy file.
   *
   * @param file the policy file (UTF-8, at most {@value #MAX_FILE_BYTES} bytes)
   * @return the policy
   * @throws PolicyException if the file cannot be read, is too large, or is not a valid policy; the
   *     message lists every problem with its location
   */
  public static Policy load(Path file) {
    Problems problems = new Problems(file.toString());
    String text = PolicyParser.read(file, problems);
    problems.throwIfErrors();
    return parse(text, file.toString());
  }

  /**
   * Parses policy text.
   *
   * @param yaml the policy, in the format documented on this class
   * @param sourceName the name used in problem locations, such as the file name
   * @return the policy
   * @throws PolicyException if the text is not a valid policy; the message lists every problem
   */
  public static Policy parse(String yaml, String sourceName) {
    PolicyParser.Parsed parsed = PolicyParser.parse(yaml, sourceName);
    parsed.problems().throwIfErrors();
    return parsed.policy();
  }

  /**
   * Checks a policy file the way {@code mandate policy check FILE} reports it: every error that
   * makes it invalid and every warning about legal but risky choices (a template that allows
   * everything, maxTtl over 24h, bearer tokens without {@code require: holder}, no audience, a
   * parameter declared but unused or with a regex that accepts '/'). Never throws for a bad file.
   *
   * @param file the policy file
   * @return the findings; {@link LintReport#ok()} tells whether the policy is valid
   */
  public static LintReport lint(Path file) {
    Problems problems = new Problems(file.toString());
    String text = PolicyParser.read(file, problems);
    if (text == null) {
      return new LintReport(problems.errors(), problems.warnings());
    }
    Problems found = PolicyParser.parse(text, file.toString()).problems();
    return new LintReport(found.errors(), found.warnings());
  }

  /**
   * Returns the starter policy the authority writes on first start: one example client, with every
   * key explained in comments.
   *
   * @return the YAML text
   * @throws UncheckedIOException if the resource is missing from the jar (a packaging bug)
   */
  public static String starterPolicyText() {
    try (InputStream in = Policy.class.getResourceAsStream(STARTER)) {
      if (in == null) {
        throw new UncheckedIOException(new IOException(STARTER + " is missing from the jar"));
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The name this policy was loaded from, as used in messages. */
  public String sourceName() {
    return source;
  }

  /** SHA-256 of the policy text, {@code sha256:<hex>}, for audit records of policy changes. */
  public String digest() {
    return digest;
  }

  /** Warnings found while parsing (the policy is valid regardless), each with its location. */
  public List<String> warnings() {
    return warnings;
  }

  /** How approval requests wait and how many approvers each group needs ({@code approvals}). */
  public ApprovalSettings approvals() {
    return approvals;
  }

  /** The client ids, in file order. */
  public Set<String> clientIds() {
    return clients.keySet();
  }

  /** The client's compiled rules, or null; for tests in this package. */
  ClientRules rules(String clientId) {
    return clients.get(clientId);
  }

  /**
   * Returns one client's rules.
   *
   * @param clientId the id; null gives empty
   * @return the rules, or empty if the client is not in the policy
   */
  public Optional<ClientPolicy> client(String clientId) {
    ClientRules rules = clientId == null ? null : clients.get(clientId);
    return rules == null ? Optional.empty() : Optional.of(rules.policy());
  }

  /**
   * The index, in file order, of the first of the client's grant templates that covers {@code
   * grant} (the one {@link #evaluate} would use), or -1; for test coverage.
   */
  int coveringTemplate(String clientId, Grant grant) {
    ClientRules rules = clientId == null ? null : clients.get(clientId);
    if (rules == null) {
      return -1;
    }
    for (int i = 0; i < rules.templates().size(); i++) {
      if (rules.templates().get(i).covers(grant).covered()) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Decides whether the request may be minted, following the rules documented on this class.
   *
   * @param request the mint request; null is denied
   * @return the decision, with the exact values to mint with when allowed; never null, never throws
   *     on bad input
   */
  public PolicyDecision evaluate(MintRequest request) {
    if (request == null) {
      return PolicyDecision.deny(null, "no mint request was given");
    }
    String clientId = request.clientId();
    ClientRules rules = clientId == null ? null : clients.get(clientId);
    if (rules == null) {
      return PolicyDecision.deny(
          clientId, "client " + quoted(clientId) + " is not in the policy (" + source + ")");
    }
    ClientPolicy c = rules.policy();
    String who = "client '" + clientId + "'";

    List<String> texts = request.grants();
    if (texts.isEmpty()) {
      return PolicyDecision.deny(clientId, who + " asked for no grants; ask for at least one");
    }
    if (texts.size() > MAX_GRANTS_PER_REQUEST) {
      return PolicyDecision.deny(
          clientId,
          who
              + " asked for "
              + texts.size()
              + " grants; at most "
              + MAX_GRANTS_PER_REQUEST
              + " fit in one capability");
    }

    Duration ttl = request.ttl() == null ? c.maxTtl() : request.ttl();
    if (ttl.isZero() || ttl.isNegative()) {
      return PolicyDecision.deny(
          clientId,
          who + " asked for a lifetime of " + Durations.format(ttl) + "; it must be positive");
    }
    if (ttl.compareTo(c.maxTtl()) > 0) {
      return PolicyDecision.deny(
          clientId,
          who
              + " asked for a lifetime of "
              + Durations.format(ttl)
              + ", but its policy allows at most "
              + Durations.format(c.maxTtl())
              + " (maxTtl); ask for "
              + Durations.format(c.maxTtl())
              + " or less");
    }

    if (c.require().contains(Requirement.HOLDER) && !request.holderBound()) {
      return PolicyDecision.deny(
          clientId,
          who + " must mint holder-bound tokens (require: holder); bind the token to a holder key");
    }

    String audience = request.audience();
    if (audience == null
        && (c.require().contains(Requirement.AUDIENCE) || !c.audiences().isEmpty())) {
      return PolicyDecision.deny(
          clientId,
          who
              + " must name an audience"
              + (c.audiences().isEmpty()
                  ? " (require: audience)"
                  : ", one of " + String.join(", ", c.audiences()) + " (audiences)"));
    }
    if (audience != null && !c.audiences().isEmpty() && !c.audiences().contains(audience)) {
      return PolicyDecision.deny(
          clientId,
          who
              + " may not use audience "
              + quoted(audience)
              + "; its policy allows only "
              + String.join(", ", c.audiences())
              + " (audiences)");
    }

    Integer maxUses = request.maxUses();
    if (maxUses == null && c.require().contains(Requirement.MAX_USES)) {
      return PolicyDecision.deny(clientId, who + " must set maxUses (require: maxUses)");
    }
    if (maxUses != null && maxUses < 1) {
      return PolicyDecision.deny(
          clientId, who + " asked for maxUses " + maxUses + "; it must be at least 1");
    }
    if (maxUses != null && c.maxUses() != null && maxUses > c.maxUses()) {
      return PolicyDecision.deny(
          clientId,
          who
              + " asked for maxUses "
              + maxUses
              + ", above its cap of "
              + c.maxUses()
              + " (maxUses); ask for "
              + c.maxUses()
              + " or fewer");
    }
    if (maxUses == null) {
      maxUses = c.maxUses();
    }

    Integer maxDepth = request.maxDepth();
    if (maxDepth != null && maxDepth < 0) {
      return PolicyDecision.deny(
          clientId, who + " asked for maxDepth " + maxDepth + "; it must be 0 or more");
    }
    if (maxDepth != null && maxDepth > c.maxDepth()) {
      return PolicyDecision.deny(
          clientId,
          who
              + " asked for maxDepth "
              + maxDepth
              + ", above its policy's "
              + c.maxDepth()
              + " (maxDepth)");
    }
    if (maxDepth == null) {
      maxDepth = c.maxDepth();
    }

    if (request.indirect() && !c.indirect()) {
      return PolicyDecision.deny(
          clientId, who + " may not mint indirect capabilities (indirect: false in its policy)");
    }

    List<String> approvalGroups;
    try {
      approvalGroups = approvalGroups(c, request.requireApproval());
    } catch (IllegalArgumentException e) {
      return PolicyDecision.deny(clientId, who + " " + e.getMessage());
    }

    List<Grant> grants = new ArrayList<>(texts.size());
    List<String> explanations = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i);
      String refusal = grantProblem(text);
      Grant grant = null;
      if (refusal == null) {
        grant = Grant.parse(text);
        refusal = resourceProblem(grant.resource());
      }
      if (refusal != null) {
        return PolicyDecision.deny(
            clientId, who + " may not mint " + quoted(text) + ": " + refusal);
      }
      Covered covered = coverage(rules, grant, request.parameters());
      if (!covered.ok()) {
        return PolicyDecision.deny(
            clientId, who + " may not mint " + quoted(text) + ": " + covered.text());
      }
      grants.addAll(constrained(grant, request.caveatsOfGrant(i), covered));
      explanations.add(text + " (" + covered.text() + ")");
    }
    String unbudgeted = budgetProblem(c, grants, request.budgets());
    if (unbudgeted != null) {
      return PolicyDecision.deny(clientId, who + " " + unbudgeted);
    }
    if (grants.size() > MAX_GRANTS_PER_REQUEST) {
      return PolicyDecision.deny(
          clientId,
          who
              + "'s grants are covered by templates with different constraints, which makes "
              + grants.size()
              + " grants; at most "
              + MAX_GRANTS_PER_REQUEST
              + " fit in one capability");
    }
    return new PolicyDecision(
        true,
        who
            + " may mint "
            + String.join(", ", explanations)
            + (approvalGroups.isEmpty()
                ? ""
                : "; each call needs approval by " + String.join(" or ", approvalGroups)),
        clientId,
        grants,
        ttl,
        audience,
        maxUses,
        maxDepth,
        request.holderBound(),
        request.indirect(),
        approvalGroups);
  }

  /**
   * Why the grants do not carry the budgets the client's policy requires, or null if they do: every
   * grant whose service pattern matches a rule's service must spend from a budget no wider than the
   * rule's cap, its own or one of the block's ({@code asked}).
   */
  private static String budgetProblem(ClientPolicy c, List<Grant> grants, List<Caveat> asked) {
    for (ClientPolicy.BudgetRule rule : c.budgets()) {
      for (Grant g : grants) {
        if (!dev.mandate.internal.match.Glob.compile(g.service()).matches(rule.service())) {
          continue;
        }
        boolean met =
            asked.stream().anyMatch(rule::satisfiedBy)
                || g.caveats().stream().anyMatch(rule::satisfiedBy);
        if (!met) {
          return "may not mint "
              + quoted(g.toString())
              + " without a budget for service "
              + quoted(rule.service())
              + " of at most "
              + rule.maxText()
              + " (budgets); ask for one with budgets, e.g. \""
              + rule.maxText()
              + "\"";
        }
      }
    }
    return null;
  }

  /**
   * Whether a grant is covered, and the explanation ("template T with p=v") or why not; when
   * covered, by which template and binding each piece of it is (the whole grant, or each of its
   * alternatives).
   */
  private record Covered(boolean ok, String text, List<Piece> pieces) {
    Covered(boolean ok, String text) {
      this(ok, text, List.of());
    }
  }

  /**
   * A grant (or an alternative of one), the template that covers it, and that template's
   * constraints instantiated for it.
   */
  private record Piece(Grant grant, GrantTemplate template, List<Caveat> required) {}

  /**
   * The grants to mint for a covered requested grant: the grant itself with the caveats asked for
   * on it and, when its templates carry constraints, each piece with its template's constraints
   * too. So a minted grant is never wider than the template instantiation that covers it,
   * constraints included.
   */
  private static List<Grant> constrained(Grant grant, List<Caveat> asked, Covered covered) {
    boolean templatesConstrain = covered.pieces().stream().anyMatch(p -> !p.required().isEmpty());
    List<Piece> pieces =
        templatesConstrain ? covered.pieces() : List.of(new Piece(grant, null, List.of()));
    List<Grant> out = new ArrayList<>(pieces.size());
    for (Piece piece : pieces) {
      Grant minted = piece.grant().withoutCaveats();
      for (Caveat c : asked) {
        minted = minted.with(c);
      }
      for (Caveat c : piece.required()) {
        if (!minted.caveats().contains(c)) {
          minted = minted.with(c);
        }
      }
      out.add(minted);
    }
    return out;
  }

  /**
   * A template's constraints instantiated: each parameter takes the value the grant's pattern binds
   * it to, or else the one the request gives, which must match the parameter's regex.
   *
   * @throws IllegalArgumentException completing "may not mint GRANT: "
   */
  private static List<Caveat> required(
      GrantTemplate t,
      Map<String, String> binding,
      Map<String, String> requestParameters,
      Map<String, Parameter> declared) {
    List<Caveat> out = new ArrayList<>(t.constraints().size());
    for (ConstraintTemplate ct : t.constraints()) {
      Map<String, String> values = new java.util.HashMap<>();
      for (String name : ct.parameters()) {
        String bound = binding.get(name);
        String asked = requestParameters.get(name);
        if (bound != null && asked != null && !bound.equals(asked)) {
          throw new IllegalArgumentException(
              "parameter "
                  + name
                  + " is "
                  + quoted(bound)
                  + " in the grant but "
                  + quoted(asked)
                  + " in parameters");
        }
        String value = bound != null ? bound : asked;
        if (value == null) {
          throw new IllegalArgumentException(
              "template "
                  + t.text()
                  + " requires '"
                  + ct.text()
                  + "'; give a value for "
                  + name
                  + " in parameters");
        }
        String problem = GrantTemplate.valueProblem(declared.get(name), value);
        if (problem != null) {
          throw new IllegalArgumentException("template " + t.text() + ": " + problem);
        }
        values.put(name, value);
      }
      try {
        out.add(ct.instantiate(values));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "template " + t.text() + " requires '" + ct.text() + "': " + e.getMessage());
      }
    }
    return out;
  }

  /** Most pieces a grant's brace alternatives are spelled out into, one by one. */
  static final int MAX_ALTERNATIVES = 64;

  /**
   * Which templates cover the grant, or why none do. A grant one template covers under one binding
   * is covered; otherwise, if it has brace alternatives, each of them must be (perhaps by another
   * template or binding): the grant matches exactly the union of what they match.
   */
  private static Covered coverage(
      ClientRules rules, Grant grant, Map<String, String> requestParameters) {
    if (rules.templates().isEmpty()) {
      return new Covered(false, "its policy has no grant templates");
    }
    Coverage best = null;
    GrantTemplate bestTemplate = null;
    String unmet = null;
    for (GrantTemplate t : rules.templates()) {
      Coverage cov = t.covers(grant);
      if (cov.covered()) {
        // Covered only if the template's own constraints can be instantiated, too.
        List<Caveat> required;
        try {
          required = required(t, cov.binding(), requestParameters, rules.parameters());
        } catch (IllegalArgumentException e) {
          unmet = unmet == null ? e.getMessage() : unmet + "; " + e.getMessage();
          continue;
        }
        return new Covered(
            true,
            "template " + t.text() + bindingText(cov.binding()),
            List.of(new Piece(grant, t, required)));
      }
      if (best == null || cov.failedPart() > best.failedPart()) {
        best = cov;
        bestTemplate = t;
      }
    }
    String closest =
        rules.templates().size() == 1
            ? "its only template is '" + bestTemplate.text() + "'"
            : "no template covers it; the closest is '" + bestTemplate.text() + "'";
    Covered refusal =
        unmet != null
            ? new Covered(false, unmet)
            : new Covered(false, closest + ", and " + best.why());
    List<Grant> pieces = alternatives(grant);
    if (pieces.size() < 2) {
      return refusal;
    }
    List<String> each = new ArrayList<>(pieces.size());
    List<Piece> covering = new ArrayList<>(pieces.size());
    for (Grant piece : pieces) {
      String problem = resourceProblem(piece.resource());
      Covered covered =
          problem != null ? new Covered(false, problem) : coverage(rules, piece, requestParameters);
      if (!covered.ok()) {
        // The whole grant's reason, unless it is covered but for one alternative.
        return each.isEmpty()
            ? refusal
            : new Covered(
                false,
                "its alternative "
                    + quoted(piece.toString())
                    + " is not covered: "
                    + covered.text());
      }
      each.add(piece + ": " + covered.text());
      covering.addAll(covered.pieces());
    }
    return new Covered(true, "each alternative: " + String.join("; ", each), covering);
  }

  /**
   * The grant's brace alternatives spelled out ({@code fs:{read,list}:/a/{b,c}} is four grants), or
   * the grant alone when it has none or more than {@value #MAX_ALTERNATIVES}.
   */
  private static List<Grant> alternatives(Grant grant) {
    List<List<String>> parts = new ArrayList<>(3);
    long count = 1;
    for (String part : List.of(grant.service(), grant.action(), grant.resource())) {
      List<String> options = GlobLanguage.alternatives(part, MAX_ALTERNATIVES).orElse(List.of());
      count *= Math.max(1, options.size());
      if (options.isEmpty() || count > MAX_ALTERNATIVES) {
        return List.of(grant);
      }
      parts.add(options);
    }
    List<Grant> out = new ArrayList<>();
    for (String service : parts.get(0)) {
      for (String action : parts.get(1)) {
        for (String resource : parts.get(2)) {
          out.add(new Grant(service, action, resource));
        }
      }
    }
    return out;
  }

  /**
   * The approval caveat's groups: the requested ones, which must be valid and, when the policy
   * forces {@code approval}, among its groups; or the policy's when none are requested.
   *
   * @throws IllegalArgumentException with the end of a sentence that starts with the client
   */
  private static List<String> approvalGroups(ClientPolicy c, List<String> requested) {
    if (requested == null) {
      return c.approval();
    }
    if (requested.isEmpty()) {
      throw new IllegalArgumentException(
          "asked for an approval caveat without approver groups; name at least one");
    }
    if (requested.size() > PolicyParser.MAX_APPROVAL_GROUPS) {
      throw new IllegalArgumentException(
          "asked for "
              + requested.size()
              + " approver groups; an approval caveat names at most "
              + PolicyParser.MAX_APPROVAL_GROUPS);
    }
    Set<String> groups = new LinkedHashSet<>();
    for (String g : requested) {
      if (g == null || !Caveat.ApprovalRequired.GROUP.matcher(g).matches()) {
        throw new IllegalArgumentException(
            "asked for approver group "
                + quoted(g)
                + ", which is not a group name (1 to 64 of a-z 0-9 . _ -, starting with a letter"
                + " or digit)");
      }
      if (!c.approval().isEmpty() && !c.approval().contains(g)) {
        throw new IllegalArgumentException(
            "asked for approval by "
                + quoted(g)
                + ", but its policy requires approval by "
                + String.join(" or ", c.approval())
                + " (approval); ask for some of these groups, or for none to get them all");
      }
      groups.add(g);
    }
    return List.copyOf(groups);
  }

  /** Why the text is not a valid grant, or null. */
  private static String grantProblem(String text) {
    if (text == null) {
      return "a grant is missing (null)";
    }
    try {
      Grant.parse(text);
      return null;
    } catch (IllegalArgumentException e) {
      return "it is not a valid grant: " + e.getMessage();
    }
  }

  /**
   * Why a requested resource is refused before any template is consulted, or null. A glob escape
   * ({@code \*}) stands for its character, so the path is judged with escapes resolved.
   */
  static String resourceProblem(String resource) {
    String path = unescaped(resource);
    if (ResourcePaths.isPathPattern(path)) {
      ResourcePaths.NormalisedPath n = ResourcePaths.normalise(path);
      if (!n.ok()) {
        return "its resource is refused: " + n.problem();
      }
      if (!n.value().equals(path)) {
        return "its resource '"
            + resource
            + "' is not normalised (it means '"
            + n.value()
            + "'); ask for the normalised form";
      }
      return null;
    }
    for (String segment : path.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return "its resource '" + resource + "' contains a '.' or '..' segment";
      }
    }
    return null;
  }

  /** The glob text with each escape replaced by the character it escapes. */
  private static String unescaped(String glob) {
    if (glob.indexOf('\\') < 0) {
      return glob;
    }
    StringBuilder out = new StringBuilder(glob.length());
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '\\' && i + 1 < glob.length()) {
        c = glob.charAt(++i);
      }
      out.append(c);
    }
    return out.toString();
  }

  private static String bindingText(Map<String, String> binding) {
    if (binding.isEmpty()) {
      return "";
    }
    StringBuilder s = new StringBuilder(" with ");
    boolean first = true;
    for (Map.Entry<String, String> e : new TreeMap<>(binding).entrySet()) {
      s.append(first ? "" : ", ").append(e.getKey()).append('=').append(e.getValue());
      first = false;
    }
    return s.toString();
  }

  private static String quoted(String s) {
    if (s == null) {
      return "(none)";
    }
    String shown = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    StringBuilder out = new StringBuilder("'");
    shown
        .codePoints()
        .forEach(
            cp -> {
              if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\u%04x", cp));
              } else {
                out.appendCodePoint(cp);
              }
            });
    return out.append('\'').toString();
  }

  /** Returns the source name, digest and client count; never the rules' details. */
  @Override
  public String toString() {
    return "Policy[" + source + ", " + digest + ", " + clients.size() + " clients]";
  }
}
