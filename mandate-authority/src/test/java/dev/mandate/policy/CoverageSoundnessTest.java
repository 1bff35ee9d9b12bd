package dev.mandate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.internal.match.Glob;
import dev.mandate.token.Grant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property tests of the coverage rule, seeded so that failures reproduce: for every (template,
 * requested grant) pair the policy allows, every sample string the requested grant's glob matches
 * must be matched by some instantiation of the template with valid parameter values. Parameters
 * here have finite domains, so "some instantiation" is checked by brute force with the token
 * library's own {@link Glob} — an oracle independent of the coverage code. Requested grants use the
 * whole glob grammar: {@code ?}, {@code *}, {@code **}, nested brace alternatives and escapes.
 */
class CoverageSoundnessTest {

  /**
   * Parameter name to its regex, and the exact (finite) set of valid values: the strings the regex
   * accepts, less those with glob characters or '/'.
   */
  private static final Map<String, String> REGEX = new LinkedHashMap<>();

  private static final Map<String, List<String>> DOMAIN = new LinkedHashMap<>();

  static {
    declare("p", "[ab]", "a", "b");
    declare("q", "x|yy", "x", "yy");
    declare("n", "2[0-9]", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29");
    declare("s", "fs|mail", "fs", "mail");
    declare("o", "read|list", "read", "list");
    // The regex admits glob characters, valid as literal text (instantiation escapes them), and
    // '/', never valid in a value.
    declare("g", "[a*?]|x/y", "a", "*", "?");
  }

  private static void declare(String name, String regex, String... domain) {
    REGEX.put(name, regex);
    DOMAIN.put(name, List.of(domain));
  }

  private static final String[] SERVICES = {
    "fs", "f*", "*", "{fs,mail}", "{s}", "?s", "mail", "{f{s,x},mail}"
  };
  private static final String[] ACTIONS = {
    "read", "read*", "*", "{read,list}", "{o}", "re?d", "{o}_x", "list"
  };
  private static final String[] SEGMENTS = {
    "data", "a", "b", "x", "{p}", "{q}", "{n}", "*", "?x", "{a,b}", "pre{p}", "{o}", "{p}-{n}",
    "**", "{g}"
  };
  private static final String[] SUFFIXES = {"", "/**", "/**", "/*", "/*.pdf", "**", "/x/**"};
  private static final String[] VALUES = {"a", "b", "x", "yy", "24", "read", "list", "fs", "mail"};
  private static final String[] BAD_VALUES = {"*", "c", "a/b", "..", "**", "{a,b}", "ab", "?", ""};
  private static final String[] REQUEST_SERVICES = {
    "fs", "mail", "*", "f*", "{fs,mail}", "fx", "?s", "{f{s,x},mail}", "\\fs", "{mail,fs}", "??"
  };
  private static final String[] REQUEST_ACTIONS = {
    "read",
    "list",
    "*",
    "read*",
    "{read,list}",
    "read_x",
    "re?d",
    "list_x",
    "{list,read}",
    "{read,{list,list_x}}",
    "r??d",
    "\\r\\e\\ad",
    "{re{a,e}d,list}",
    "*_x",
    "read_*"
  };
  private static final String[] REQUEST_SEGMENTS = {
    "data",
    "a",
    "b",
    "x",
    "yy",
    "24",
    "read",
    "pre",
    "prea",
    "a-24",
    "*",
    "**",
    "?",
    "{a,b}",
    "c",
    "\\*",
    "\\?",
    "a?",
    "{a,{b,x}}",
    "{pre{a,b},x}",
    "?x",
    "*x",
    "{a,*}",
    "\\{a\\}",
    "a\\,b"
  };

  @Test
  void everyAllowedGrant_allowsNothingBeyondSomeValidInstantiation() {
    Random random = new Random(20240611L);
    int allowed = 0;
    int denied = 0;
    int samples = 0;
    for (int t = 0; t < 300; t++) {
      String template = randomTemplate(random);
      Policy policy = policyFor(template);
      List<Glob[]> instantiations = instantiations(template);
      for (int r = 0; r < 40; r++) {
        String requested =
            random.nextInt(4) == 0 ? randomRequest(random) : mutate(template, random);
        PolicyDecision d = evaluate(policy, requested);
        if (!d.allowed()) {
          denied++;
          continue;
        }
        allowed++;
        Grant grant = Grant.parse(requested);
        for (int k = 0; k < 20; k++) {
          String sv = sample(grant.service(), random);
          String ac = sample(grant.action(), random);
          String rs = sample(grant.resource(), random);
          if (k == 0) {
            assertThat(Glob.compile(grant.resource()).matches(rs))
                .as("sampler must produce matching strings for %s", grant.resource())
                .isTrue();
          }
          samples++;
          assertThat(someInstantiationMatches(instantiations, sv, ac, rs))
              .as(
                  "template %s allowed %s (%s), but no valid instantiation matches (%s, %s, %s)",
                  template, requested, d.reason(), sv, ac, rs)
              .isTrue();
        }
      }
    }
    // The property is only meaningful if both outcomes occur often.
    assertThat(allowed).isGreaterThan(1000);
    assertThat(denied).isGreaterThan(4000);
    assertThat(samples).isGreaterThan(20_000);
  }

  @Test
  void everyValidInstantiation_ofATemplate_isAllowed() {
    Random random = new Random(7L);
    int checked = 0;
    for (int t = 0; t < 120; t++) {
      String template = randomTemplate(random);
      Policy policy = policyFor(template);
      for (Map<String, String> binding : bindings(template)) {
        String requested = instantiate(template, binding);
        if (Policy.resourceProblem(Grant.parse(requested).resource()) != null) {
          continue; // e.g. "//" from an empty segment: refused as not normalised, by design
        }
        PolicyDecision d = evaluate(policy, requested);
        assertThat(d.allowed()).as("%s from %s: %s", requested, template, d.reason()).isTrue();
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(500);
  }

  private static PolicyDecision evaluate(Policy policy, String grant) {
    return policy.evaluate(
        MintRequests.basic("c", List.of(grant), Duration.ofMinutes(1), true, "gw"));
  }

  private static Policy policyFor(String template) {
    StringBuilder yaml = new StringBuilder("version: 1\nclients:\n  c:\n");
    yaml.append("    grants: [\"").append(template).append("\"]\n");
    List<String> used = usedParameters(template);
    if (!used.isEmpty()) {
      yaml.append("    parameters:\n");
      for (String p : used) {
        yaml.append("      ").append(p).append(": \"").append(REGEX.get(p)).append("\"\n");
      }
    }
    yaml.append("    maxTtl: 1h\n");
    return Policy.parse(yaml.toString(), "random.yaml");
  }

  private static List<String> usedParameters(String template) {
    List<String> used = new ArrayList<>();
    for (String p : REGEX.keySet()) {
      if (template.contains("{" + p + "}")) {
        used.add(p);
      }
    }
    return used;
  }

  private static String randomTemplate(Random random) {
    String service = pick(SERVICES, random);
    String action = pick(ACTIONS, random);
    StringBuilder resource = new StringBuilder();
    int segments = 1 + random.nextInt(3);
    for (int i = 0; i < segments; i++) {
      resource.append('/').append(pick(SEGMENTS, random));
    }
    resource.append(pick(SUFFIXES, random));
    String r = resource.toString();
    if (random.nextInt(8) == 0) {
      r = r.substring(1); // a non-path resource such as tenant/{p}/*
    }
    return service + ":" + action + ":" + r;
  }

  /**
   * A requested grant derived from the template: instantiated, then perhaps narrowed or widened.
   */
  private static String mutate(String template, Random random) {
    String s = template;
    for (String p : usedParameters(template)) {
      String value =
          random.nextInt(6) == 0
              ? pick(BAD_VALUES, random)
              : random.nextBoolean()
                  ? pick(DOMAIN.get(p).toArray(String[]::new), random)
                  : pick(VALUES, random);
      if (random.nextInt(8) == 0) {
        // An alternative of two values: covered when each is.
        value = "{" + value + "," + pick(DOMAIN.get(p).toArray(String[]::new), random) + "}";
      }
      s = s.replace("{" + p + "}", value);
    }
    int first = s.indexOf(':');
    int second = s.indexOf(':', first + 1);
    String service = s.substring(0, first);
    String action = s.substring(first + 1, second);
    String resource = s.substring(second + 1);
    switch (random.nextInt(9)) {
      case 0:
        service = pick(REQUEST_SERVICES, random);
        break;
      case 1:
        action = pick(REQUEST_ACTIONS, random);
        break;
      case 2:
        resource = literalise(resource, random);
        break;
      case 3:
        resource = literalise(resource, random) + "/" + pick(REQUEST_SEGMENTS, random);
        break;
      case 4:
        resource =
            literalise(stripSuffix(resource), random) + (random.nextBoolean() ? "/**" : "/*");
        break;
      case 5:
        resource = stripSuffix(resource) + "/" + pick(REQUEST_SEGMENTS, random) + "/**";
        break;
      case 6:
        resource = resource.replace("/**", "/*");
        break;
      case 7:
        int cut = resource.lastIndexOf('/');
        resource = cut > 0 ? resource.substring(0, cut) + "/**" : resource;
        break;
      default:
        break;
    }
    return service + ":" + action + ":" + resource;
  }

  private static String randomRequest(Random random) {
    StringBuilder resource = new StringBuilder();
    int segments = 1 + random.nextInt(4);
    for (int i = 0; i < segments; i++) {
      resource.append('/').append(pick(REQUEST_SEGMENTS, random));
    }
    return pick(REQUEST_SERVICES, random)
        + ":"
        + pick(REQUEST_ACTIONS, random)
        + ":"
        + resource
        + pick(new String[] {"", "/**", "/*"}, random);
  }

  /** Replaces glob syntax by literal characters, keeping a trailing /** or /*. */
  private static String literalise(String resource, Random random) {
    String suffix = resource.endsWith("/**") ? "/**" : resource.endsWith("/*") ? "/*" : "";
    String body = resource.substring(0, resource.length() - suffix.length());
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '*' || c == '?') {
        out.append(random.nextBoolean() ? "a" : "x");
      } else if (c == '{') {
        int end = body.indexOf('}', i);
        String[] alts = body.substring(i + 1, end).split(",");
        out.append(pick(alts, random));
        i = end;
      } else {
        out.append(c);
      }
    }
    return out + (random.nextBoolean() ? suffix : "");
  }

  private static String stripSuffix(String resource) {
    if (resource.endsWith("/**")) {
      return resource.substring(0, resource.length() - 3);
    }
    if (resource.endsWith("/*")) {
      return resource.substring(0, resource.length() - 2);
    }
    return resource;
  }

  /** Every valid instantiation of the template, brute force over the finite domains. */
  private static List<Glob[]> instantiations(String template) {
    List<Glob[]> out = new ArrayList<>();
    for (Map<String, String> binding : bindings(template)) {
      Grant g = Grant.parse(instantiate(template, binding));
      out.add(
          new Glob[] {
            Glob.compile(g.service()), Glob.compile(g.action()), Glob.compile(g.resource())
          });
    }
    return out;
  }

  /** Whether one instantiation matches all three parts, by the token library's own globs. */
  private static boolean someInstantiationMatches(
      List<Glob[]> instantiations, String service, String action, String resource) {
    for (Glob[] g : instantiations) {
      if (g[0].matches(service) && g[1].matches(action) && g[2].matches(resource)) {
        return true;
      }
    }
    return false;
  }

  private static List<Map<String, String>> bindings(String template) {
    List<Map<String, String>> out = new ArrayList<>();
    out.add(Map.of());
    for (String p : usedParameters(template)) {
      List<Map<String, String>> next = new ArrayList<>();
      for (Map<String, String> b : out) {
        for (String v : DOMAIN.get(p)) {
          Map<String, String> extended = new LinkedHashMap<>(b);
          extended.put(p, v);
          next.add(extended);
        }
      }
      out = next;
    }
    return out;
  }

  /** The template with each parameter replaced by its value as literal text. */
  private static String instantiate(String template, Map<String, String> binding) {
    String s = template;
    for (Map.Entry<String, String> e : binding.entrySet()) {
      s = s.replace("{" + e.getKey() + "}", Grant.escape(e.getValue()));
    }
    return s;
  }

  /** A random string the glob matches, built from its syntax. */
  static String sample(String glob, Random random) {
    StringBuilder out = new StringBuilder();
    int end = sampleSequence(glob, 0, out, random, false);
    if (end != glob.length()) {
      throw new IllegalStateException("sampler stopped early in " + glob);
    }
    return out.toString();
  }

  private static int sampleSequence(
      String glob, int i, StringBuilder out, Random random, boolean inBraces) {
    while (i < glob.length()) {
      char c = glob.charAt(i);
      if (inBraces && (c == ',' || c == '}')) {
        return i;
      }
      if (c == '*') {
        int run = 0;
        while (i < glob.length() && glob.charAt(i) == '*') {
          run++;
          i++;
        }
        out.append(randomText(random, run >= 2 ? "ab/x.-" : "abx.-"));
        continue;
      }
      if (c == '?') {
        out.append("abx.-".charAt(random.nextInt(5)));
        i++;
      } else if (c == '\\') {
        out.append(glob.charAt(i + 1));
        i += 2;
      } else if (c == '{') {
        List<StringBuilder> alternatives = new ArrayList<>();
        i++;
        while (true) {
          StringBuilder alt = new StringBuilder();
          i = sampleSequence(glob, i, alt, random, true);
          alternatives.add(alt);
          if (glob.charAt(i) == '}') {
            i++;
            break;
          }
          i++; // ','
        }
        out.append(alternatives.get(random.nextInt(alternatives.size())));
      } else {
        out.append(c);
        i++;
      }
    }
    return i;
  }

  private static String randomText(Random random, String alphabet) {
    int n = random.nextInt(5);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private static String pick(String[] options, Random random) {
    return options[random.nextInt(options.length)];
  }
}
